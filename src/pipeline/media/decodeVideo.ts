import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { RenderGeometry } from './geometry.js';
import { PROGRESS_ARGS, runManaged, safeInputArgs } from './process.js';
import { frameSocketPath, readFramesFromSocket, socketOutputArgs } from './frameSocket.js';
import { readRawFrames, type FramePool } from './rawFrames.js';
import { yuvFrameBytes } from './yuvImage.js';

export interface DecodeOptions {
  ffmpeg: string;
  geometry: RenderGeometry;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  purpose: string;
  /** Where frame buffers come from (and go back to once encoded); without it each frame is a new allocation. */
  pool?: FramePool;
  /** A writable directory for the decoder's frame socket (default: the OS temp dir). */
  socketDir?: string;
}

/** Rotation is applied by ffmpeg's autorotate; `fps` turns variable frame rate into constant; `scale` applies the cap. */
export function normaliseFilter(geometry: RenderGeometry): string {
  return `fps=${geometry.fpsRational},scale=${geometry.width}:${geometry.height}:flags=bicubic,setsar=1`;
}

/** Runs a decoder whose `args` end with its raw video output, and yields the frames. */
async function* framesOf(args: string[], options: DecodeOptions): AsyncGenerator<Uint8Array> {
  const { width, height } = options.geometry;
  const frameBytes = yuvFrameBytes(width, height);
  // Frames come over a UNIX socket where there is one (cheaper to read, see frameSocket.ts), else over stdout.
  const socketPath = frameSocketPath(options.socketDir);
  const output = socketPath ? socketOutputArgs(socketPath) : ['pipe:1'];
  const proc = runManaged(options.ffmpeg, [...args, ...output], {
    purpose: options.purpose,
    stallTimeoutMs: options.stallTimeoutMs,
    signal: options.signal,
  });
  proc.child.stdin?.end();
  try {
    if (socketPath) yield* readFramesFromSocket(socketPath, frameBytes, proc, options.pool);
    else yield* readRawFrames(proc.child.stdout!, frameBytes, options.pool);
    await proc.done;
  } finally {
    // The consumer may stop early (enough frames, error, cancel): never leave ffmpeg running.
    proc.kill();
    await proc.done.catch(() => undefined);
    // ffmpeg removes its socket when it closes normally, not when killed.
    if (socketPath) await rm(socketPath, { force: true });
  }
}

/**
 * Decodes an uploaded template from the start, normalised to the render geometry, at most `maxFrames` frames, as
 * yuv420p (see YuvImage): what H.264 uploads already are, so the usual template needs no pixel conversion at all.
 */
export function decodeTemplate(file: string, maxFrames: number, options: DecodeOptions): AsyncGenerator<Uint8Array> {
  const args = [
    '-nostdin', '-v', 'error',
    ...safeInputArgs(file),
    '-an', '-sn', '-dn',
    '-vf', `${normaliseFilter(options.geometry)},format=yuv420p`,
    '-frames:v', String(maxFrames),
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p',
  ];
  return framesOf(args, options);
}

export const SPILL_PATTERN = '%07d.jpg';

/** File name of spilled frame `index` (matches SPILL_PATTERN). */
export function spillFrameName(index: number): string {
  return `${String(index).padStart(7, '0')}.jpg`;
}

/**
 * Writes the normalised template as a numbered high-quality JPEG sequence, so loops can read any range again: at most
 * `maxFrames` frames, whatever length the header claims. ffmpeg writes nothing else while it works, so it reports its
 * progress for the stall timeout (a long template on a slow machine is not "stalled").
 */
export async function spillTemplate(file: string, dir: string, options: DecodeOptions & { maxFrames: number }): Promise<void> {
  const args = [
    '-nostdin', '-v', 'error',
    ...safeInputArgs(file),
    '-an', '-sn', '-dn',
    '-vf', normaliseFilter(options.geometry),
    '-frames:v', String(options.maxFrames),
    '-q:v', '2', '-start_number', '0',
    ...PROGRESS_ARGS,
    path.join(dir, SPILL_PATTERN),
  ];
  const proc = runManaged(options.ffmpeg, args, {
    purpose: options.purpose,
    stallTimeoutMs: options.stallTimeoutMs,
    progressOnStdout: true,
    signal: options.signal,
  });
  proc.child.stdin?.end();
  await proc.done;
}

/** Reads frames [start, start + count) of a spilled sequence (our own files, not user input). */
export function decodeSpilledRange(dir: string, start: number, count: number, options: DecodeOptions): AsyncGenerator<Uint8Array> {
  const args = [
    '-nostdin', '-v', 'error',
    '-f', 'image2', '-framerate', options.geometry.fpsRational, '-start_number', String(start),
    '-i', path.join(dir, SPILL_PATTERN),
    '-frames:v', String(count),
    '-vf', 'format=yuv420p',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p',
  ];
  return framesOf(args, options);
}
