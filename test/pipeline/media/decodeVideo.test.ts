import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { decodeTemplate, type DecodeOptions } from '../../../src/pipeline/media/decodeVideo.js';
import { frameSocketPath, socketOutputArgs } from '../../../src/pipeline/media/frameSocket.js';
import { FramePool } from '../../../src/pipeline/media/rawFrames.js';
import { yuvFrameBytes } from '../../../src/pipeline/media/yuvImage.js';
import { binaries, ffmpeg, makeMovingTemplate, tempDir } from '../../support/media.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const template = makeMovingTemplate(path.join(dir, 'moving.mp4'), { seconds: 1, fps: 25, size: 64 });
const options: DecodeOptions = {
  ffmpeg: binaries().ffmpeg,
  geometry: { width: 64, height: 64, fps: 25, fpsRational: '25/1' },
  stallTimeoutMs: 10_000,
  purpose: 'decode test template',
};

async function collect(frames: AsyncGenerator<Uint8Array>, copy = true): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const frame of frames) out.push(copy ? new Uint8Array(frame) : frame);
  return out;
}

const socketsLeft = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith(`lipsync-${process.pid}-`) && f.endsWith('.sock'));

describe('decodeTemplate', () => {
  const originalTmp = process.env.TMPDIR;
  afterEach(() => {
    if (originalTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = originalTmp;
  });

  it('streams yuv420p frames over a UNIX socket, the same bytes ffmpeg writes to a file, and leaves no socket behind', async () => {
    expect(frameSocketPath()).not.toBeNull();
    const frames = await collect(decodeTemplate(template, 1000, options));
    expect(frames).toHaveLength(25);
    expect(frames[0]!.length).toBe(yuvFrameBytes(64, 64));
    const reference = ffmpeg(['-v', 'error', '-i', template, '-vf', 'fps=25,scale=64:64:flags=bicubic,setsar=1,format=yuv420p', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    expect(Buffer.concat(frames)).toEqual(reference);
    expect(socketsLeft()).toEqual([]);
  });

  it('reads stdout instead where the temp dir is too deep for a socket path, with the same result', async () => {
    const viaSocket = await collect(decodeTemplate(template, 1000, options));
    const deep = path.join(dir, 'a-rather-long-directory-name-'.repeat(4));
    mkdirSync(deep, { recursive: true });
    process.env.TMPDIR = deep;
    expect(frameSocketPath()).toBeNull();
    const viaStdout = await collect(decodeTemplate(template, 1000, options));
    expect(viaStdout).toEqual(viaSocket);
  });

  it('stops ffmpeg and removes the socket when the consumer stops early', async () => {
    const frames = decodeTemplate(template, 1000, options);
    const first = await frames.next();
    expect(first.done).toBe(false);
    await frames.return(undefined);
    expect(socketsLeft()).toEqual([]);
  });

  it('fills frame buffers from the pool, and hands back the ones it did not yield', async () => {
    const pool = new FramePool(yuvFrameBytes(64, 64));
    const seen = new Set<Uint8Array>();
    for await (const frame of decodeTemplate(template, 1000, { ...options, pool })) {
      seen.add(frame);
      pool.release(frame);
    }
    // Each frame went back before the next was read, so a handful of buffers served all 25 frames.
    expect(seen.size).toBeLessThan(5);
  });

  it('reports a decoder failure as an error, not as an empty template', async () => {
    const broken = path.join(dir, 'broken.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=64x64:d=1', '-c:v', 'libx264', '-f', 'mp4', broken]);
    const truncated = path.join(dir, 'truncated.mp4');
    writeFileSync(truncated, readFileSync(broken).subarray(0, 200));
    await expect(collect(decodeTemplate(truncated, 1000, options))).rejects.toThrow(/decode test template/);
  });

  it('an ffmpeg whose reader never connects gives up by itself instead of waiting as an orphan', async () => {
    // What is left when the render child is killed before it connects: nobody will ever read this socket.
    const socket = frameSocketPath(dir);
    expect(socket).not.toBeNull();
    const child = spawn(binaries().ffmpeg, [
      '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x64:d=1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p',
      ...socketOutputArgs(socket!, 300),
    ], { stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).not.toBe(0);
  });
});
