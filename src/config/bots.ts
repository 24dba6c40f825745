import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { commaList, optionalString, parseEnv } from './env.js';
import { queueEnvSchema } from './queue.js';

const optionalUrl = (what: string) =>
  optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), { message: `expected an http:// or https:// URL (${what})` });

/** Comma-separated Telegram user or chat ids; chat ids of groups are negative. */
const idList = commaList(/^-?\d+$/, 'numeric user or chat ids separated by commas, e.g. 12345,-1001234567890');

/** Every setting the chat bots read from the environment. Documented in docs/bots.md. */
export const botsEnvSchema = z.object({
  TELEGRAM_BOT_TOKEN: optionalString.refine((v) => v === undefined || /^\d+:[A-Za-z0-9_-]+$/.test(v), {
    message: 'expected a token from @BotFather, like 123456789:AA… (value not shown)',
  }),
  TELEGRAM_API_ROOT: optionalUrl('a local Bot API server, e.g. http://127.0.0.1:8081'),
  TELEGRAM_EDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(3000),
  TELEGRAM_MAX_UPLOAD_MB: z.coerce.number().positive().max(2000).default(50),
  TELEGRAM_MAX_DOWNLOAD_MB: z.coerce.number().positive().max(2000).optional(),
  TELEGRAM_ALLOWED_IDS: idList,
  TELEGRAM_WEBHOOK_URL: optionalUrl('the public HTTPS address Telegram posts updates to'),
  TELEGRAM_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  TELEGRAM_WEBHOOK_HOST: z.string().trim().min(1).default('127.0.0.1'),
  TELEGRAM_WEBHOOK_SECRET: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'letters, digits, "_" and "-" only, at most 256 characters',
  }),
  BOT_TEMP_DIR: optionalString,
  BOT_SESSION_IDLE_MINUTES: z.coerce.number().positive().default(60),
  BOT_COMMAND_BURST: z.coerce.number().int().min(1).default(5),
  BOT_COMMANDS_PER_MINUTE: z.coerce.number().min(0).default(10),
});

export interface TelegramSettings {
  token: string;
  /** Bot API root; undefined = api.telegram.org. A local Bot API server lifts the file size limits. */
  apiRoot: string | undefined;
  editIntervalMs: number;
  maxUploadBytes: number;
  maxDownloadBytes: number;
  /** Users or chats allowed to use the bot; empty = everyone. */
  allowedIds: string[];
  /**
   * Webhook mode. `secretToken` is always set (TELEGRAM_WEBHOOK_SECRET, else random per start): without it anyone
   * who can reach the listener could post forged updates in any user's name.
   */
  webhook: { url: string; port: number; host: string; secretToken: string } | null;
}

export interface BotsConfig {
  /** null when TELEGRAM_BOT_TOKEN is unset: the Telegram bot does not run. */
  telegram: TelegramSettings | null;
  tempDir: string;
  sessionIdleMs: number;
  /** Per-user limit on Render, /lipsync and cancel (perMinute 0: no limit). */
  commandRate: { burst: number; perMinute: number };
}

const MB = 1024 * 1024;

/** Reads and validates the bot settings; every problem is reported together, naming the variable. Never echoes the token. */
export function loadBotsConfig(env: NodeJS.ProcessEnv = process.env): BotsConfig {
  const e = parseEnv(botsEnvSchema, env, 'bot configuration', 'docs/bots.md');
  const local = e.TELEGRAM_API_ROOT !== undefined;
  return {
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT?.replace(/\/+$/, ''),
          editIntervalMs: e.TELEGRAM_EDIT_INTERVAL_MS,
          maxUploadBytes: Math.round(e.TELEGRAM_MAX_UPLOAD_MB * MB),
          maxDownloadBytes: Math.round((e.TELEGRAM_MAX_DOWNLOAD_MB ?? (local ? 2000 : 20)) * MB),
          allowedIds: e.TELEGRAM_ALLOWED_IDS,
          webhook: e.TELEGRAM_WEBHOOK_URL
            ? {
                url: e.TELEGRAM_WEBHOOK_URL,
                port: e.TELEGRAM_WEBHOOK_PORT,
                host: e.TELEGRAM_WEBHOOK_HOST,
                // setWebhook registers it again at every start, so a random one per start is enough.
                secretToken: e.TELEGRAM_WEBHOOK_SECRET ?? randomBytes(32).toString('base64url'),
              }
            : null,
        }
      : null,
    // Under DATA_DIR by default: sessions (inputs collected in chat) survive a restart with their files.
    tempDir: path.resolve(e.BOT_TEMP_DIR ?? path.join(queueEnvSchema.shape.DATA_DIR.parse(env.DATA_DIR), 'bot-sessions')),
    sessionIdleMs: Math.round(e.BOT_SESSION_IDLE_MINUTES * 60_000),
    commandRate: { burst: e.BOT_COMMAND_BURST, perMinute: e.BOT_COMMANDS_PER_MINUTE },
  };
}

export const botSettingNames = Object.keys(botsEnvSchema.shape);
