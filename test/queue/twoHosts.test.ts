import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../src/queue/s3Storage.js';
import { createLinkSigner, createWebService, type WebService } from '../../src/web/index.js';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { testWebConfig } from '../support/batchFixture.js';
import { ffmpeg, ffprobe, makeMovingTemplate, SPEECH } from '../support/media.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3Server.js';
import { QueueHarness, silentLog, type WorkerProcess } from './harness.js';
import { readZip } from '../web/zipReader.js';

/**
 * Two "GPU hosts": worker processes with their own DATA_DIR and TEMP_DIR that share nothing but Redis and an
 * S3-compatible store (the offline test server). Credentials reach everyone through the SDK's standard chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment), as in production.
 */
describe('two worker hosts sharing only Redis and the object store', () => {
  let s3: S3TestServer;
  let h: QueueHarness | undefined;
  const webs: WebService[] = [];
  let restoreCredentials: (() => void) | undefined;

  beforeAll(async () => {
    s3 = await startS3Server();
    restoreCredentials = useS3Credentials(s3);
  }, 60_000);
  afterAll(async () => {
    restoreCredentials?.();
    await s3?.stop();
  });
  afterEach(async () => {
    for (const w of webs.splice(0)) await w.stop();
    await h?.close();
    h = undefined;
  });

  it('render a batch of 6; one is SIGKILLed mid-clip; every clip done once, byte-identical downloads through the web server', async () => {
    h = await QueueHarness.create('hosts', {
      STORAGE_URL: s3.storageUrl('lipsync/prod'),
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: '1',
      // The submitter's own DATA_DIR is not shared with anyone either.
    });
    const hostDirs = ['a', 'b'].map((n) => ({ DATA_DIR: path.join(h!.dir, `host-${n}`, 'data'), TEMP_DIR: path.join(h!.dir, `host-${n}`, 'tmp') }));
    for (const d of hostDirs) await mkdir(d.TEMP_DIR, { recursive: true });
    const audioPath = await h.template('voice.wav', `voice-${h.prefix}`);
    const templates = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => h!.template(`face${i}.mp4`)));
    const s = await h.queue.submitBatch({
      owner: { platform: 'cli', userId: 'hosts' },
      audio: { path: audioPath, label: 'voice.wav' },
      audioSeconds: 2,
      videos: templates.map((p, i) => ({ path: p, label: `face${i + 1}.mp4` })),
    });

    // Host A renders slowly (so it is killed mid-clip), host B at a normal pace.
    const hostA = await h.startWorker(30_000, hostDirs[0]);
    const victim = await h.waitFor('a clip rendering on host A', () => {
      const rendering = [...hostA.log.matchAll(/"clipId":"([^"]+)"[^\n]*"rendering clip"/g)].map((m) => m[1]);
      return rendering.find((id) => h!.of('progress').some((e) => e.clipId === id && e.progress.framesDone > 0));
    });
    const hostB = await h.startWorker(300, hostDirs[1]);
    await h.waitFor('host B finishing a clip', () => h!.of('clipDone').length > 0);
    hostA.kill('SIGKILL');
    expect((await hostA.exited).signal).toBe('SIGKILL');

    const done = await h.waitBatchDone(s.batchId);
    expect(done.summary).toEqual({ total: 6, done: 6, failed: 0, cancelled: 0 });
    const doneEvents = h.of('clipDone', s.batchId);
    expect(doneEvents.map((e) => e.clipId).sort()).toEqual(s.clips.map((c) => c.clipId).sort());
    expect(h.of('started').filter((e) => e.clipId === victim).length).toBeGreaterThanOrEqual(2);
    expect(h.of('batchDone', s.batchId)).toHaveLength(1);
    // Outputs live in the store only: neither host kept a copy, and no path of a host is in the records.
    for (const e of doneEvents) expect(e.output.path).toMatch(/^s3:\/\/[^/]+\/lipsync\/prod\/outputs\//);
    for (const d of hostDirs) expect(await readdir(d.DATA_DIR).catch(() => [])).not.toContain('outputs');
    expect(await workFolders(hostDirs[1]!.TEMP_DIR, hostB)).toEqual([]);

    // Downloads through the web server (a third "host"): streamed, and redirected to a presigned URL.
    const config = testWebConfig();
    const streamed = createWebService({ config, queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    webs.push(streamed);
    await streamed.start();
    const presigning = createWebService({
      config,
      queueConfig: { ...h.config, storage: { ...(h.config.storage as Extract<typeof h.config.storage, { kind: 's3' }>), presign: true } },
      redisUrl: () => TEST_REDIS_URL,
      log: silentLog,
    });
    webs.push(presigning);
    await presigning.start();
    const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: streamed.address! });
    const batch = (await h.queue.getBatch(s.batchId))!;
    const audio = await readFile(audioPath);
    for (const [i, clip] of batch.clips.entries()) {
      // What the (test) render writes for these inputs: the same bytes whichever host rendered the clip.
      const expected = Buffer.from(`lipsync-test-render\n${createHash('sha256').update(audio).update(await readFile(templates[i]!)).digest('hex')}\n`);
      const url = links.clipUrl(clip.clipId);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(expected), clip.template).toBe(true);
      const ranged = await fetch(url, { headers: { Range: 'bytes=5-24' } });
      expect(ranged.status).toBe(206);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(expected.subarray(5, 25))).toBe(true);

      const viaStore = await fetch(url.replace(streamed.address!, presigning.address!), { redirect: 'manual' });
      expect(viaStore.status).toBe(302);
      const location = viaStore.headers.get('location')!;
      expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/lipsync/prod/outputs/`)).toBe(true);
      const expiresIn = Number(new URL(location).searchParams.get('X-Amz-Expires'));
      expect(expiresIn).toBeGreaterThan(0);
      expect(expiresIn).toBeLessThanOrEqual(config.linkTtlSeconds);
      expect(Buffer.from(await (await fetch(location)).arrayBuffer()).equals(expected)).toBe(true);
    }
    const zip = readZip(Buffer.from(await (await fetch(links.zipUrl(s.batchId))).arrayBuffer()));
    expect(zip).toHaveLength(6);
    const stored = new S3Storage({ bucket: s3.bucket, prefix: 'lipsync/prod', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true });
    try {
      expect((await stored.list('outputs')).map((e) => e.key).sort()).toEqual(batch.clips.map((c) => c.output!.key).sort());
    } finally {
      stored.close();
    }
  });

  it('a real render (ffmpeg + the test model) on a host without shared disk: inputs fetched, MP4 uploaded, served whole', async () => {
    h = await QueueHarness.create('hosts-real', { STORAGE_URL: s3.storageUrl('real'), S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: '1' });
    const model = path.join(h.dir, 'test.onnx');
    await writeTestModel(model);
    const audio = path.join(h.dir, 'speech.wav');
    ffmpeg(['-i', SPEECH, '-t', '1', audio]);
    const templates = [0, 1].map((i) => makeMovingTemplate(path.join(h!.dir, `face${i}.mp4`), { seconds: 1, fps: 25 + i, size: 160 }));
    const host = { DATA_DIR: path.join(h.dir, 'gpu', 'data'), TEMP_DIR: path.join(h.dir, 'gpu', 'tmp') };
    await mkdir(host.TEMP_DIR, { recursive: true });
    await h.startWorker(null, { ...host, LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
    const s = await h.queue.submitBatch({
      owner: { platform: 'cli', userId: 'hosts-real' },
      audio: { path: audio, label: 'speech.wav' },
      videos: templates.map((p, i) => ({ path: p, label: `face${i}.mp4` })),
    });
    const done = await h.waitBatchDone(s.batchId);
    expect(done.summary, JSON.stringify(h.of('clipFailed'))).toEqual({ total: 2, done: 2, failed: 0, cancelled: 0 });

    const config = testWebConfig();
    const web = createWebService({ config, queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    webs.push(web);
    await web.start();
    const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: web.address! });
    const stored = new S3Storage({ bucket: s3.bucket, prefix: 'real', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true });
    try {
      for (const clip of (await h.queue.getBatch(s.batchId))!.clips) {
        const body = Buffer.from(await (await fetch(links.clipUrl(clip.clipId))).arrayBuffer());
        const reader = (await stored.openOutput(clip.output!.key))!;
        const chunks: Buffer[] = [];
        for await (const c of reader.stream as AsyncIterable<Buffer>) chunks.push(c);
        expect(body.equals(Buffer.concat(chunks))).toBe(true);
        const file = path.join(h.dir, `${clip.clipId}.mp4`);
        await writeFile(file, body);
        const probe = ffprobe(file);
        expect(probe.streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
        expect(Number(probe.format.duration)).toBeCloseTo(1, 0);
      }
    } finally {
      stored.close();
    }
    // The worker's folder holds nothing of finished clips (its inputs and outputs were removed after each clip).
    const [work] = (await readdir(host.TEMP_DIR)).filter((n) => n.startsWith('lipsync-work-'));
    expect(await readdir(path.join(host.TEMP_DIR, work!))).toEqual([]);
  });
});

/** The per-process work folders a worker left in its TEMP_DIR once it has stopped. */
async function workFolders(tempDir: string, worker: WorkerProcess): Promise<string[]> {
  worker.kill('SIGTERM');
  await worker.exited;
  return (await readdir(tempDir)).filter((n) => n.startsWith('lipsync-work-'));
}
