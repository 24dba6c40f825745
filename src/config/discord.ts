import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { commaList, flagDefaulting, optionalString, parseEnv } from './env.js';

const snowflake = /^\d{15,21}$/;

/** Comma-separated Discord ids (guilds or roles). */
const idList = (what: string) => commaList(snowflake, `numeric ${what} ids separated by commas`);

/** Every setting the Discord bot reads from the environment. Documented in docs/discord.md. */
export const discordEnvSchema = z.object({
  DISCORD_TOKEN: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_.-]{20,}$/.test(v), {
    message: 'expected the bot token from the Developer Portal (Bot → Reset Token) (value not shown)',
  }),
  DISCORD_APPLICATION_ID: optionalString.refine((v) => v === undefined || snowflake.test(v), { message: 'expected the numeric application id' }),
  DISCORD_API_ROOT: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), {
    message: 'expected an http:// or https:// URL ending before the version, e.g. http://127.0.0.1:8080/api',
  }),
  DISCORD_GUILD_ID: optionalString.refine((v) => v === undefined || snowflake.test(v), { message: 'expected a numeric guild (server) id' }),
  DISCORD_ALLOWED_GUILDS: idList('guild'),
  DISCORD_ALLOWED_ROLES: idList('role'),
  DISCORD_CONVERSATION: flagDefaulting(true),
  DISCORD_REGISTER_ON_START: flagDefaulting(true),
  DISCORD_EDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(2000),
  DISCORD_STATUS_MAX_AGE_MINUTES: z.coerce.number().positive().max(60).default(50),
  DISCORD_UPLOAD_LIMIT_MB: z.coerce.number().positive().max(500).default(10),
  DISCORD_MAX_DOWNLOAD_MB: z.coerce.number().positive().max(2000).default(100),
});

export interface DiscordSettings {
  token: string;
  applicationId: string;
  /** REST base without the version (discord.js `rest.api`); undefined = https://discord.com/api. */
  apiRoot: string | undefined;
  /** Register commands to this guild only (instant updates); undefined = globally. */
  guildId: string | undefined;
  /** Guilds allowed to use the bot; empty = every guild. */
  allowedGuilds: string[];
  /** A member must have one of these roles; empty = no role needed. */
  allowedRoles: string[];
  /** `/lipsync` without attachments opens a thread and collects messages (needs the Message Content intent). */
  conversation: boolean;
  registerOnStart: boolean;
  editIntervalMs: number;
  /** A status message older than this is replaced by a fresh one instead of being edited. */
  statusMaxAgeMs: number;
  /** Upload limit when an interaction does not say (Discord's default is 10 MiB). */
  defaultUploadBytes: number;
  maxDownloadBytes: number;
}

const MB = 1024 * 1024;

/** Reads the Discord settings; null when DISCORD_TOKEN is unset. Problems name the variable, never echo the token. */
export function loadDiscordConfig(env: NodeJS.ProcessEnv = process.env): DiscordSettings | null {
  const e = parseEnv(discordEnvSchema, env, 'Discord configuration', 'docs/discord.md');
  if (!e.DISCORD_TOKEN) return null;
  if (!e.DISCORD_APPLICATION_ID) {
    throw new ConfigError('Invalid Discord configuration:\n  DISCORD_APPLICATION_ID: required when DISCORD_TOKEN is set (Developer Portal → General Information → Application ID)\nSee docs/discord.md.');
  }
  return {
    token: e.DISCORD_TOKEN,
    applicationId: e.DISCORD_APPLICATION_ID,
    apiRoot: e.DISCORD_API_ROOT?.replace(/\/+$/, ''),
    guildId: e.DISCORD_GUILD_ID,
    allowedGuilds: e.DISCORD_ALLOWED_GUILDS,
    allowedRoles: e.DISCORD_ALLOWED_ROLES,
    conversation: e.DISCORD_CONVERSATION,
    registerOnStart: e.DISCORD_REGISTER_ON_START,
    editIntervalMs: e.DISCORD_EDIT_INTERVAL_MS,
    statusMaxAgeMs: Math.round(e.DISCORD_STATUS_MAX_AGE_MINUTES * 60_000),
    defaultUploadBytes: Math.round(e.DISCORD_UPLOAD_LIMIT_MB * MB),
    maxDownloadBytes: Math.round(e.DISCORD_MAX_DOWNLOAD_MB * MB),
  };
}

export const discordSettingNames = Object.keys(discordEnvSchema.shape);
