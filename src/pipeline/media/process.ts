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

export interface RunOptions {
  /** Kill the process when it runs longer than this in total. */
  timeoutMs?: number;
  /** Kill the process when it neither writes to stdout/stderr nor reads stdin for this long. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  /** What this process does, for error messages ("decode template"). */
  purpose: string;
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
    touch();
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  child.stdout?.on('data', touch);
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

  return { child, done, stderrTail: () => stderr, touch, kill };
}

/** Runs a tool to completion and returns its stdout. */
export async function runToCompletion(command: string, args: readonly string[], options: RunOptions): Promise<Buffer> {
  const proc = runManaged(command, args, options);
  proc.child.stdin?.end();
  const chunks: Buffer[] = [];
  proc.child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  await proc.done;
  return Buffer.concat(chunks);
}
