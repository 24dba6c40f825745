import { pino, type Logger } from 'pino';

export type { Logger };

const secretPatterns: RegExp[] = [
  // Telegram bot tokens (also inside file URLs: /file/bot<token>/...)
  /(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}/g,
  // Discord bot tokens
  /\b[MNO][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}\b/g,
];

/** Replaces anything that looks like a bot token with a placeholder. Used on every log line and user-facing error. */
export function redactSecrets(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of secretPatterns) out = out.replace(pattern, '[redacted]');
  return out;
}

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
  const hooks = {
    streamWrite: (line: string) => redactSecrets(line),
  };
  if (pretty) {
    return pino({
      level,
      hooks,
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, hooks }, pino.destination(2));
}

export function logger(): Logger {
  root ??= createLogger();
  return root;
}

export function setLogger(l: Logger): void {
  root = l;
}
