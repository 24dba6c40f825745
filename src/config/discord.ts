import { z } from 'zod';
import { ConfigError } from '../errors.js';

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const snowflake = /^\d{15,21}$/;

/** Comma-separated Discord ids (guilds or roles). */
const idList = (what: string) =>
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const ids = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const bad = ids.filter((id) => !snowflake.test(id));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `expected numeric ${what} ids separated by commas (bad: ${bad.join(', ')})` });
        return z.NEVER;
      }
      return ids;
    });

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: 'expected 1/0, true/false, yes/no or on/off' });
    return z.NEVER;
  });

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
  DISCORD_CONVERSATION: flag,
  DISCORD_REGISTER_ON_START: flag,
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
const secrets = new Set(['DISCORD_TOKEN']);

/** Reads the Discord settings; null when DISCORD_TOKEN is unset. Problems name the variable, never echo the token. */
export function loadDiscordConfig(env: NodeJS.ProcessEnv = process.env): DiscordSettings | null {
  const parsed = discordEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const value = key in env && !secrets.has(key) ? ` (got "${String(env[key])}")` : '';
      return `  ${key}: ${issue.message}${value}`;
    });
    throw new ConfigError(`Invalid Discord configuration:\n${lines.join('\n')}\nSee docs/discord.md for every setting.`);
  }
  const e = parsed.data;
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
    conversation: e.DISCORD_CONVERSATION ?? true,
    registerOnStart: e.DISCORD_REGISTER_ON_START ?? true,
    editIntervalMs: e.DISCORD_EDIT_INTERVAL_MS,
    statusMaxAgeMs: Math.round(e.DISCORD_STATUS_MAX_AGE_MINUTES * 60_000),
    defaultUploadBytes: Math.round(e.DISCORD_UPLOAD_LIMIT_MB * MB),
    maxDownloadBytes: Math.round(e.DISCORD_MAX_DOWNLOAD_MB * MB),
  };
}

export const discordSettingNames = Object.keys(discordEnvSchema.shape);
