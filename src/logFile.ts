import { renameSync, rmSync, statSync } from 'node:fs';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { z } from 'zod';
import { parseEnv } from './config/env.js';
import { envSchema } from './config/schema.js';

/** LOG_FILE and its rotation settings (documented in .env.example and README). */
const logFileEnvSchema = envSchema.pick({ LOG_FILE: true, LOG_FILE_MAX_MB: true, LOG_FILE_KEEP: true });

export interface LogFileOptions {
  path: string;
  /** Rotate when the file would grow past this many bytes; 0 = never (logrotate's SIGHUP still works). */
  maxBytes: number;
  /** Rotated files kept: path.1 (newest) … path.N. */
  keep: number;
}

export function logFileOptions(env: NodeJS.ProcessEnv = process.env): LogFileOptions | null {
  const e: z.infer<typeof logFileEnvSchema> = parseEnv(logFileEnvSchema, env, 'logging configuration', '.env.example');
  if (!e.LOG_FILE) return null;
  return { path: e.LOG_FILE, maxBytes: Math.round(e.LOG_FILE_MAX_MB * 1024 * 1024), keep: e.LOG_FILE_KEEP };
}

/**
 * A log file an operator can `tail -f`: appended synchronously (a line is on disk before a crash handler exits),
 * reopened on demand (logrotate renames it, then sends SIGHUP) and rotated by size to path.1 … path.N.
 */
export class LogFile implements DestinationStream {
  private readonly dest;
  private size: number;

  constructor(private readonly options: LogFileOptions) {
    this.dest = pino.destination({ dest: options.path, sync: true, append: true, mkdir: true });
    this.size = sizeOf(options.path);
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.options.maxBytes > 0 && this.size > 0 && this.size + bytes > this.options.maxBytes) this.rotate();
    this.dest.write(line);
    this.size += bytes;
  }

  /** After an outside rename (logrotate): new lines go to a fresh file at the configured path. */
  reopen(): void {
    this.dest.reopen();
    this.size = sizeOf(this.options.path);
  }

  flush(): void {
    this.dest.flushSync();
  }

  private rotate(): void {
    const p = this.options.path;
    rmSync(`${p}.${this.options.keep}`, { force: true });
    for (let i = this.options.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${p}.${i}`, `${p}.${i + 1}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (this.options.keep > 0) renameSync(p, `${p}.1`);
    else rmSync(p, { force: true });
    this.reopen();
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The process logger with LOG_FILE: the console as before (JSON or pretty) plus JSON lines in the file. */
export function createFileLogger(options: LoggerOptions, pretty: boolean, fileOptions: LogFileOptions): Logger {
  const file = new LogFile(fileOptions);
  const console = pretty ? pinoPretty({ destination: 2, sync: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' }) : pino.destination(2);
  const log = pino(options, pino.multistream([
    { level: 'trace', stream: console },
    { level: 'trace', stream: file },
  ]));
  installLogFileHandlers(log, file);
  return log;
}

let handlersFor: Logger | null = null;
let crashLogging = false;

/**
 * An uncaught exception or unhandled rejection is logged as fatal through `log` (so it is redacted like every other
 * line, and lands in the log file when there is one) before the process exits with 1, as Node would without a handler.
 */
export function installCrashLogging(log: Logger, flush: () => void = () => undefined): void {
  if (crashLogging) return;
  crashLogging = true;
  const die = (kind: string) => (err: unknown) => {
    try {
      log.fatal({ err }, kind);
      flush();
    } finally {
      process.exit(1);
    }
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled promise rejection'));
}

/** SIGHUP reopens the log file (logrotate); crashes are logged into it (written synchronously) before exiting. */
export function installLogFileHandlers(log: Logger, file: LogFile): void {
  if (handlersFor) return;
  handlersFor = log;
  process.on('SIGHUP', () => {
    file.reopen();
    log.info('log file reopened (SIGHUP)');
  });
  installCrashLogging(log, () => file.flush());
}
