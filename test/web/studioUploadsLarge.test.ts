import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioUploads, type StudioUploads, type StudioUploadView } from '../../src/web/studio/uploads.js';
import { binaries, ffmpeg, tempDir } from '../support/media.js';
import { fakeStudioAuth, patternStream, testUser, tusCreate, tusHead, tusPatch, tusPatchThenDrop, type TusTarget } from '../support/tusClient.js';

const MB = 1024 * 1024;
const TOTAL = 300 * MB;
const CUT = 150 * MB;
const WARM_UP = 40 * MB;

async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('studio uploads: a 300 MB upload', () => {
  const tmp = tempDir('lipsync-studio-large-');
  let app: FastifyInstance;
  let uploads: StudioUploads;
  let target: TusTarget;
  let head: Buffer;

  beforeAll(async () => {
    // A real (tiny) MP4 with its index first, then padding: the container ignores the bytes after its last box.
    const mp4 = path.join(tmp.dir, 'head.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', mp4]);
    head = readFileSync(mp4);
    app = Fastify({ bodyLimit: 1024 });
    uploads = createStudioUploads({
      dataDir: tmp.dir,
      limits: { maxAudioSeconds: 60, maxTemplateSeconds: 30, maxDimension: 4096, maxFileBytes: 400 * MB },
      log: pino({ level: 'silent' }),
      media: { ...binaries(), timeoutMs: 60_000 },
    });
    await uploads.register(app, fakeStudioAuth());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    target = { origin: `http://127.0.0.1:${address.port}`, headers: testUser('telegram:9000') };
  });

  afterAll(async () => {
    await uploads.close();
    await app.close();
    tmp.cleanup();
  });

  it('is interrupted at ~150 MB, resumes from the offset HEAD gives, and never holds the bytes in memory', async () => {
    // A first, smaller upload warms the same code paths up (compiled code, the heap's working size), so what the
    // big one adds is what it holds, not start-up costs.
    const warmUp = await tusCreate(target, WARM_UP, { filename: 'warm-up.bin', kind: 'template' });
    expect((await tusPatch(target, warmUp.location!, 0, patternStream(WARM_UP), WARM_UP)).status).toBe(204);
    await uploads.release(warmUp.location!.split('/').pop()!);

    const created = await tusCreate(target, TOTAL, { filename: 'big.mp4', filetype: 'video/mp4', kind: 'template' });
    expect(created.status, created.body).toBe(201);
    const location = created.location!;

    // Client and server share this process: neither may buffer the body, so RSS stays near where it started.
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 10);
    try {
      await tusPatchThenDrop(target, location, 0, patternStream(CUT, head), TOTAL);
      const afterDrop = await tusHead(target, location);
      expect(afterDrop.status).toBe(200);
      const offset = afterDrop.offset!;
      expect(offset).toBeGreaterThan(100 * MB);
      expect(offset).toBeLessThanOrEqual(CUT);

      const rest = await tusPatch(target, location, offset, patternStream(TOTAL, head, offset), TOTAL - offset);
      expect(rest.status, rest.body).toBe(204);
      expect(rest.headers['upload-offset']).toBe(String(TOTAL));
    } finally {
      clearInterval(sampler);
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    expect(rssPeak - rssBefore, `RSS grew from ${Math.round(rssBefore / MB)} MB to ${Math.round(rssPeak / MB)} MB`).toBeLessThan(64 * MB);

    const id = location.split('/').pop()!;
    const res = await fetch(new URL(`/studio/api/uploads/${id}`, target.origin), { headers: target.headers });
    const upload = (await res.json()) as StudioUploadView;
    expect(upload).toMatchObject({ status: 'ready', bytes: TOTAL, width: 160, height: 120 });
    const file = (await uploads.localPath(id, 'telegram:9000'))!;
    expect(await sha256(createReadStream(file))).toBe(await sha256(patternStream(TOTAL, head)));
  });
});
