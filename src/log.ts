import { pino, type Logger } from 'pino';
import { createFileLogger, logFileOptions } from './logFile.js';

export type { Logger };

const secretPatterns: RegExp[] = [
  // Telegram bot tokens (also inside file URLs: /file/bot<token>/...)
  /(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}/g,
  // Discord bot tokens
  /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b/g,
];

/** Secrets that sit inside URLs: replaced with the part of the URL around them kept, so logs stay readable. */
const urlSecretPatterns: [RegExp, string][] = [
  // Telegram: /bot<token>/method and /file/bot<token>/path, whatever the token looks like
  [/(\/bot)\d+:[^/\s"'?]+/g, '$1[redacted]'],
  // Discord interaction tokens: /webhooks/<application>/<token>/… and /interactions/<id>/<token>/callback
  [/(\/(?:webhooks|interactions)\/\d+\/)[^/\s"'?]+/g, '$1[redacted]'],
  // Passwords in connection URLs: redis://:pass@host, rediss://user:pass@host, https://user:pass@host
  [/\b([a-z][a-z\d+.-]*:\/\/[^:@/\s"']*:)[^@/\s"']+@/gi, '$1[redacted]@'],
];

/** Replaces anything that looks like a bot token with a placeholder. Used on every log line and user-facing error. */
export function redactSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of secretPatterns) out = out.replace(pattern, '[redacted]');
  for (const [pattern, replacement] of urlSecretPatterns) out = out.replace(pattern, replacement);
  return out;
}

/**
 * What every logger of the process applies: fields named like secrets are censored, error messages, stacks and
 * URLs are passed through redactSecrets when serialized, and, last, every finished line is scrubbed again (a
 * token can hide in any field: a request URL, a nested cause).
 */
export const logRedaction = {
  redact: {
    paths: ['token', '*.token', 'password', '*.password', 'secret', '*.secret', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization'],
    censor: '[redacted]',
  },
  serializers: {
    err(err: unknown): unknown {
      if (!(err instanceof Error)) return typeof err === 'string' ? redactSecrets(err) : err;
      const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
      for (const key of ['message', 'stack', 'url']) if (typeof out[key] === 'string') out[key] = redactSecrets(out[key] as string);
      return out;
    },
  },
  hooks: { streamWrite: (line: string) => redactSecrets(line) },
};

let root: Logger | undefined;

export interface LoggerOptions {
  level?: string;
  pretty?: boolean;
}

/** One process-wide logger: JSON lines normally, human-friendly when stderr is a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const format = process.env.LOG_FORMAT ?? 'auto';
  const pretty = options.pretty ?? (format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true));
  const hooks = logRedaction.hooks;
  const file = logFileOptions();
  if (file) return createFileLogger({ level, ...logRedaction }, pretty, file);
  if (pretty) {
    return pino({
      level,
      ...logRedaction,
      hooks,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, ...logRedaction }, pino.destination(2));
}

export function logger(): Logger {
  root ??= createLogger();
  return root;
}

export function setLogger(l: Logger): void {
  root = l;
}
