import { InvalidArgumentError, type Command } from 'commander';
import { loadQueueConfig } from '../../config/queue.js';
import { linkSecretFile, parseDurationSeconds } from '../../config/web.js';
import { ConfigError } from '../../errors.js';
import type { Owner } from '../../queue/types.js';
import { studioSignInUrl } from '../../web/studio/signIn.js';
import { exitOnConfigError } from '../configErrorExit.js';
import { operatorOwner, operatorWebConfig } from '../operator.js';

/** The CLI's links live an hour unless --ttl says otherwise (chat links: 15 minutes). */
export const CLI_SIGN_IN_TTL_SECONDS = 3600;
const MIN_TTL_SECONDS = 60;
const MAX_TTL_SECONDS = 7 * 86_400;

export interface StudioLinkOptions {
  /** Seconds (parsed from --ttl). */
  ttl?: number;
  json?: boolean;
}

/** What `--json` prints. */
export interface StudioLinkJson {
  url: string;
  /** Unix seconds. */
  expiresAt: number;
  owner: Owner;
}

/** "30m", "1h", "2h", "90s", "3600" → seconds, between a minute and a week; anything else is refused with a reason. */
export function parseTtl(value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === null || seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) {
    throw new InvalidArgumentError('expected seconds or a duration like 90s, 30m, 1h, 2h, between 60s and 7d');
  }
  return seconds;
}

/**
 * Signs a studio link for the operator with the web server's settings: LINK_SECRET (or the one `lipsync start`
 * stored in DATA_DIR) and PUBLIC_URL. A ConfigError when no secret is known, since the server could not check it.
 */
export function operatorStudioLink(env: NodeJS.ProcessEnv, ttlSeconds: number, now: () => number = Date.now): StudioLinkJson {
  const dataDir = loadQueueConfig(env).dataDir;
  const web = operatorWebConfig(env, dataDir);
  if (!web) {
    throw new ConfigError(
      'No LINK_SECRET: studio links are signed with the web server\'s secret, and none is known here.\n' +
        `  Set LINK_SECRET to the web server's value, or run this where "lipsync start" stored one (${linkSecretFile(dataDir)}).`,
    );
  }
  const owner = operatorOwner();
  // One reading of the clock, so the printed expiry is the link's own.
  const at = now();
  const url = studioSignInUrl({ secret: web.linkSecret, publicUrl: web.publicUrl, ttlSeconds, now: () => at }, owner);
  return { url, expiresAt: Math.floor(at / 1000) + ttlSeconds, owner };
}

/** `lipsync studio-link`: prints a one-use sign-in link to the web studio for the operator. */
export function runStudioLink(opts: StudioLinkOptions, env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`), now: () => number = Date.now): void {
  const link = operatorStudioLink(env, opts.ttl ?? CLI_SIGN_IN_TTL_SECONDS, now);
  if (opts.json) return out(JSON.stringify(link));
  out(link.url);
  out(`Sign-in link to the web studio for ${link.owner.platform}:${link.owner.userId}: works once, until ${new Date(link.expiresAt * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC.`);
}

export function register(program: Command): void {
  program
    .command('studio-link')
    .description('Print a one-use sign-in link to the web studio for the local operator (the same history as lipsync submit).')
    .option('--ttl <duration>', 'how long the link stays valid: 90s, 30m, 1h, 2h… (default 1h)', parseTtl)
    .option('--json', 'print { url, expiresAt, owner } on stdout')
    .action((opts: StudioLinkOptions) => {
      try {
        runStudioLink(opts);
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
