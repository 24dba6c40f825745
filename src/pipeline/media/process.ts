import { spawn, type ChildProcess } from 'node:child_process';
import { CancelledError, InternalError } from '../../errors.js';

/**
 * Input options that keep hostile uploads inside the one file we hand to ffmpeg:
 * only local files and pipes may be opened (no network, no data: URLs), and only the
 * container demuxers we accept may be used (no HLS playlists, concat lists, image sequences
 * or other formats that open further files).
 */
export const SAFE_DEMUXERS = [
  'mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'wav', 'mp3', 'aac', 'ogg', 'flac',
  'png_pipe', 'jpeg_pipe', 'webp_pipe', 'image2',
] as const;

export function safeInputArgs(file: string): string[] {
  return [
    '-protocol_whitelist', 'file,pipe',
    '-format_whitelist', SAFE_DEMUXERS.join(','),
    '-i', `file:${file}`,
  ];
}

/**
 * Output options that make ffmpeg report its progress on stdout (key=value blocks every half second); pair them with
 * `progressOnStdout` for processes that otherwise write nothing while they work (e.g. to an image sequence).
 */
export const PROGRESS_ARGS = ['-progress', 'pipe:1'] as const;

export interface RunOptions {
  /** Kill the process when it runs longer than this in total. */
  timeoutMs?: number;
  /** Kill the process when it neither writes to stdout/stderr nor reads stdin for this long. */
  stallTimeoutMs?: number;
  /**
   * stdout carries ffmpeg's `-progress` report (PROGRESS_ARGS): for the stall timeout only a growing frame count,
   * output time or output size counts, not the report itself (ffmpeg keeps repeating it while stuck), nor stderr.
   */
  progressOnStdout?: boolean;
  signal?: AbortSignal;
  /** What this process does, for error messages ("decode template"). */
  purpose: string;
}

export interface CompletionOptions extends RunOptions {
  /** The most stdout bytes kept (default 16 MiB); beyond that the process is killed with OutputTooLargeError. */
  maxBytes?: number;
}

const DEFAULT_MAX_OUTPUT_BYTES = 16 << 20;

/** A process wrote more than its caller agreed to hold in memory; it was killed. */
export class OutputTooLargeError extends InternalError {
  constructor(purpose: string, readonly maxBytes: number) {
    super(`${purpose}: the output passed ${maxBytes} bytes, more than it may hold`);
  }
}

/** Counters of ffmpeg's progress report that only move when work is done. */
const PROGRESS_COUNTERS = new Set(['frame', 'out_time_us', 'out_time_ms', 'total_size']);

/** Reads ffmpeg's `-progress` report as it arrives and tells whether a chunk moved any counter forward. */
export class ProgressReport {
  private partial = '';
  private readonly highest = new Map<string, number>();

  push(chunk: string): boolean {
    const lines = (this.partial + chunk).split('\n');
    // A line cut between chunks waits for its end; ffmpeg's lines are short, so anything longer is noise.
    this.partial = (lines.pop() ?? '').slice(-256);
    let advanced = false;
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      if (!PROGRESS_COUNTERS.has(key)) continue;
      const value = Number(line.slice(eq + 1).trim());
      if (!Number.isFinite(value) || value <= (this.highest.get(key) ?? -1)) continue;
      this.highest.set(key, value);
      advanced = true;
    }
    return advanced;
  }
}

/** How many bytes of stderr we keep for error messages. */
const STDERR_TAIL_BYTES = 4096;

export interface ManagedProcess {
  child: ChildProcess;
  /** Resolves on exit 0, rejects with InternalError / CancelledError otherwise. Always settles. */
  done: Promise<void>;
  /** Last lines ffmpeg wrote to stderr. */
  stderrTail(): string;
  /** Counts as activity for the stall timer (e.g. when we wrote to stdin). */
  touch(): void;
  kill(): void;
  /** Kills the process; `done` rejects with `err` (unless it already failed otherwise). */
  fail(err: Error): void;
}

/**
 * Spawns a media tool with a hard timeout, a stall timeout and AbortSignal support.
 * The child is always killed (SIGKILL) when the caller gives up, so nothing keeps running.
 */
export function runManaged(command: string, args: readonly string[], options: RunOptions): ManagedProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let lastActivity = Date.now();
  let failure: Error | undefined;
  const touch = () => {
    lastActivity = Date.now();
  };
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const failWith = (err: Error) => {
    failure ??= err;
    kill();
  };

  child.stderr?.on('data', (chunk: Buffer) => {
    if (!options.progressOnStdout) touch();
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  if (options.progressOnStdout) {
    const report = new ProgressReport();
    child.stdout?.on('data', (chunk: Buffer) => {
      if (report.push(chunk.toString('latin1'))) touch();
    });
  } else {
    child.stdout?.on('data', touch);
  }
  // A consumer that stops reading early closes stdin/stdout; EPIPE there is expected, not a crash.
  child.stdin?.on('error', () => undefined);
  child.stdout?.on('error', () => undefined);

  const timers: NodeJS.Timeout[] = [];
  if (options.timeoutMs) {
    timers.push(
      setTimeout(
        () => failWith(new InternalError(`${options.purpose}: ffmpeg timed out after ${Math.round(options.timeoutMs! / 1000)} s`)),
        options.timeoutMs,
      ),
    );
  }
  if (options.stallTimeoutMs) {
    const stall = options.stallTimeoutMs;
    const interval = setInterval(() => {
      if (Date.now() - lastActivity > stall) {
        failWith(new InternalError(`${options.purpose}: ffmpeg made no progress for ${Math.round(stall / 1000)} s`));
      }
    }, Math.min(1000, stall));
    timers.push(interval);
  }
  const onAbort = () => failWith(new CancelledError());
  if (options.signal) {
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }

  const done = new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    child.once('error', (err) => {
      failure ??= new InternalError(`${options.purpose}: could not start ${command}: ${err.message}`, { cause: err });
      finish(failure);
    });
    child.once('close', (code, sig) => {
      if (failure) return finish(failure);
      if (code === 0) return finish();
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      finish(new InternalError(`${options.purpose}: ffmpeg exited with ${code ?? sig}${tail ? `: ${tail}` : ''}`));
    });
  });
  // Callers may attach handlers later; never let an early failure become an unhandled rejection.
  done.catch(() => undefined);

  return { child, done, stderrTail: () => stderr, touch, kill, fail: failWith };
}

/** Runs a tool to completion and returns its stdout, which may not grow past `maxBytes`. */
export async function runToCompletion(command: string, args: readonly string[], options: CompletionOptions): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const proc = runManaged(command, args, options);
  proc.child.stdin?.end();
  const chunks: Buffer[] = [];
  let size = 0;
  proc.child.stdout?.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) proc.fail(new OutputTooLargeError(options.purpose, maxBytes));
    else chunks.push(c);
  });
  await proc.done;
  return Buffer.concat(chunks);
}
