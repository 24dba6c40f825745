import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ManagedProcess } from './process.js';
import { frameBuffer, type FramePool } from './rawFrames.js';

/** Longest UNIX socket path every platform we run on accepts (sun_path is 104–108 bytes). */
const MAX_SOCKET_PATH = 100;
/** How often to try connecting while ffmpeg starts up and opens its listening socket. */
const CONNECT_RETRY_MS = 5;
/** Frames read ahead of the consumer before reading pauses (the socket buffer then fills and ffmpeg waits). */
const READ_AHEAD_FRAMES = 2;

/**
 * A fresh UNIX socket path for an ffmpeg output (`-listen 1 unix:<path>`) in `dir` (default: the OS temp dir), or null
 * where there is none to be had (Windows, or a directory too deep for a socket path): callers then read ffmpeg's
 * stdout instead.
 */
export function frameSocketPath(dir = os.tmpdir()): string | null {
  if (process.platform === 'win32') return null;
  const candidate = path.join(dir, `lipsync-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
  return Buffer.byteLength(candidate) <= MAX_SOCKET_PATH ? candidate : null;
}

/**
 * How long ffmpeg waits for its reader to connect. Without a bound, an ffmpeg whose reader died before connecting (the
 * render child killed by the worker, OOM, a crash) would wait on its socket forever as an orphan.
 */
export const SOCKET_ACCEPT_TIMEOUT_MS = 60_000;

/** ffmpeg output arguments that serve raw frames on `socketPath` to one reader, giving up when none connects in time. */
export function socketOutputArgs(socketPath: string, acceptTimeoutMs = SOCKET_ACCEPT_TIMEOUT_MS): string[] {
  // The unix protocol's `timeout` (ms) bounds the accept; once connected, a vanished reader ends ffmpeg with EPIPE.
  return ['-listen', '1', '-timeout', String(Math.max(1, Math.round(acceptTimeoutMs))), `unix:${socketPath}`];
}

/**
 * Reads fixed-size raw frames from the UNIX socket an ffmpeg process listens on, with the kernel copying each chunk
 * straight into the frame buffer being filled (net.Socket's `onread`). Reading a pipe instead costs a fresh 64 KiB
 * buffer per read and a copy of every byte, which on a 720p stream is most of the work of getting frames at all.
 * Reading pauses while `READ_AHEAD_FRAMES` frames wait for the consumer. A trailing partial frame is dropped.
 */
export async function* readFramesFromSocket(socketPath: string, frameBytes: number, proc: ManagedProcess, pool?: FramePool): AsyncGenerator<Uint8Array> {
  let frame = frameBuffer(frameBytes, pool);
  let filled = 0;
  const ready: Uint8Array[] = [];
  let closed = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const socket = await connectWhenListening(socketPath, proc, {
    buffer: () => Buffer.from(frame.buffer, frame.byteOffset + filled, frameBytes - filled),
    callback: (bytes: number) => {
      proc.touch();
      filled += bytes;
      if (filled < frameBytes) return true;
      ready.push(frame);
      frame = frameBuffer(frameBytes, pool);
      filled = 0;
      notify();
      return ready.length < READ_AHEAD_FRAMES;
    },
  });
  if (!socket) return;
  socket.on('error', (err) => {
    failure ??= err;
  });
  socket.on('close', () => {
    closed = true;
    notify();
  });
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        if (ready.length < READ_AHEAD_FRAMES && !closed) socket.resume();
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (closed) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    socket.destroy();
    pool?.release(frame);
  }
}


/**
 * Connects once ffmpeg listens. Null when ffmpeg ended without ever listening (its own error, if any, is for the
 * caller to report through `proc.done`).
 */
async function connectWhenListening(socketPath: string, proc: ManagedProcess, onread: net.OnReadOpts): Promise<net.Socket | null> {
  let exited = false;
  void proc.done.then(
    () => (exited = true),
    () => (exited = true),
  );
  for (;;) {
    const socket = await new Promise<net.Socket | null>((resolve) => {
      const attempt = net.connect({ path: socketPath, onread });
      attempt.once('connect', () => {
        attempt.removeAllListeners('error');
        resolve(attempt);
      });
      attempt.once('error', () => {
        attempt.destroy();
        resolve(null);
      });
    });
    if (socket) return socket;
    if (exited) return null;
    await new Promise((resolve) => setTimeout(resolve, CONNECT_RETRY_MS));
  }
}
