import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DEFAULT_LOCALE, type Locale } from '../i18n/locale.js';
import { flag, optionalString, parseEnv } from './env.js';
import { defaultLocaleSetting } from './schema.js';

const units: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 };

/**
 * "604800", "7d", "36h", "1d12h", "90m" → seconds. Returns null for anything else (no fractions, no spaces
 * inside, no unknown units), so a typo is reported instead of silently becoming a tiny TTL.
 */
export function parseDurationSeconds(text: string): number | null {
  const v = text.trim().toLowerCase();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^(\d+[smhdw])+$/.test(v)) return null;
  let total = 0;
  for (const m of v.matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * (units[m[2] as string] ?? 0);
  return total;
}

const MIN_TTL = 60;
const MAX_TTL = 366 * 86_400;
export const MIN_SECRET_LENGTH = 32;


/** Every setting the download server reads from the environment. Documented in docs/web.md. */
export const webEnvSchema = z.object({
  WEB_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  WEB_HOST: z.string().trim().min(1).default('0.0.0.0'),
  PUBLIC_URL: z
    .string()
    .trim()
    .default('http://localhost:8080')
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
      } catch {
        return false;
      }
    }, { message: 'expected an http(s) base URL without query or fragment, e.g. https://clips.example.com' })
    .transform((v) => v.replace(/\/+$/, '')),
  LINK_SECRET: optionalString.refine((v) => v === undefined || v.length >= MIN_SECRET_LENGTH, {
    message: `must be at least ${MIN_SECRET_LENGTH} characters; make one with: openssl rand -hex 32`,
  }),
  LINK_TTL: z
    .string()
    .default('7d')
    .transform((v, ctx) => {
      const s = parseDurationSeconds(v);
      if (s === null || s < MIN_TTL || s > MAX_TTL) {
        ctx.addIssue({ code: 'custom', message: `expected seconds or a duration like 7d, 36h, 1d12h, between ${MIN_TTL}s and 366d` });
        return z.NEVER;
      }
      return s;
    }),
  WEB_DEV: flag,
  NODE_ENV: z.string().optional(),
  WEB_TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((v, ctx) => {
      const low = v.toLowerCase();
      if (low === 'false' || low === '0' || low === '') return false;
      if (low === 'true') return true;
      if (/^\d+$/.test(low) && Number(low) <= 16) return Number(low);
      ctx.addIssue({ code: 'custom', message: 'expected false, true, or the number of proxy hops in front of the server (1, 2…)' });
      return z.NEVER;
    }),
  WEB_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(240),
  WEB_ZIP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  WEB_MIN_FREE_DISK_MB: z.coerce.number().min(0).default(1024),
  WEB_WORKER_STALE_SECONDS: z.coerce.number().positive().default(120),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  OPS_TOKEN: optionalString.refine((v) => v === undefined || (v.length >= 16 && !/\s/.test(v)), {
    message: 'at least 16 characters without spaces; make one with: openssl rand -hex 32',
  }),
});

export interface WebConfig {
  host: string;
  port: number;
  /** Base of every link, without a trailing slash (may carry a path prefix when a proxy strips it). */
  publicUrl: string;
  linkSecret: string;
  /** True when no LINK_SECRET was set and a random one was made (development only: links die with the process). */
  secretIsEphemeral: boolean;
  linkTtlSeconds: number;
  /** fastify's trustProxy: false, true, or the number of hops. Decides which client address is rate limited. */
  trustProxy: boolean | number;
  rateLimit: { downloadsPerMinute: number; zipsPerMinute: number };
  health: { minFreeDiskBytes: number; workerStaleSeconds: number };
  /**
   * Who sees the detailed /healthz and /metrics: an ops listener on 127.0.0.1:`port` (no auth), and, on the
   * public port, requests with `Authorization: Bearer <token>`. Everyone else gets "ok"/"not ok" only.
   */
  ops: { port: number | undefined; token: string | undefined };
  /** DEFAULT_LOCALE (validated with the service's settings): pages for browsers that ask for no language we have. */
  defaultLocale?: Locale;
}

/** Reads and validates the web settings; every problem is reported together, naming the variable. */
export function loadWebConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  const e = parseEnv(webEnvSchema, env, 'web configuration', 'docs/web.md');
  const dev = e.WEB_DEV || e.NODE_ENV === 'development';
  if (e.LINK_SECRET === undefined && !dev) {
    throw new ConfigError(
      'Invalid web configuration:\n  LINK_SECRET: required to sign download links; make one with: openssl rand -hex 32\n' +
        '  (for local development only, set WEB_DEV=1 or NODE_ENV=development to use a random secret that changes at every start)\n' +
        'See docs/web.md for every setting.',
    );
  }
  return {
    host: e.WEB_HOST,
    port: e.WEB_PORT,
    publicUrl: e.PUBLIC_URL,
    linkSecret: e.LINK_SECRET ?? randomBytes(32).toString('hex'),
    secretIsEphemeral: e.LINK_SECRET === undefined,
    linkTtlSeconds: e.LINK_TTL,
    trustProxy: e.WEB_TRUST_PROXY,
    rateLimit: { downloadsPerMinute: e.WEB_RATE_LIMIT_PER_MINUTE, zipsPerMinute: e.WEB_ZIP_RATE_LIMIT_PER_MINUTE },
    health: { minFreeDiskBytes: Math.round(e.WEB_MIN_FREE_DISK_MB * 1024 * 1024), workerStaleSeconds: e.WEB_WORKER_STALE_SECONDS },
    ops: { port: e.OPS_PORT, token: e.OPS_TOKEN },
    defaultLocale: defaultLocaleSetting.safeParse(env.DEFAULT_LOCALE).data ?? DEFAULT_LOCALE,
  };
}

export const webSettingNames = Object.keys(webEnvSchema.shape).filter((k) => k !== 'NODE_ENV');

/** Where `lipsync start` keeps the LINK_SECRET it made for an operator who set none. */
export function linkSecretFile(dataDir: string): string {
  return path.join(dataDir, 'link-secret');
}

/**
 * The LINK_SECRET stored in DATA_DIR by an earlier start, made now (random, file mode 0600) when `create` and there is
 * none. Returns null without a file and without `create`. Links stay valid across restarts, unlike WEB_DEV's secret.
 */
export function storedLinkSecret(dataDir: string, create: boolean): { secret: string; file: string; created: boolean } | null {
  const file = linkSecretFile(dataDir);
  const read = (): string | null => {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };
  const existing = read();
  if (existing !== null) {
    if (existing.length < MIN_SECRET_LENGTH) throw new ConfigError(`Invalid web configuration:\n  LINK_SECRET: the stored secret in ${file} is shorter than ${MIN_SECRET_LENGTH} characters; delete the file to make a new one`);
    return { secret: existing, file, created: false };
  }
  if (!create) return null;
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // 'wx': a second process starting at the same moment keeps the first one's secret.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return storedLinkSecret(dataDir, false);
    throw err;
  }
  return { secret, file, created: true };
}
