import { mkdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinkSigner, createWebService, recordDelivery, type WebService } from '../../src/web/index.js';
import { Redis } from 'ioredis';
import { createHealthProbe } from '../../src/web/health.js';
import { createWebWorld, pathOf, testWebConfig } from '../support/batchFixture.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { QueueHarness, silentLog } from '../queue/harness.js';
import { readZip } from './zipReader.js';
import { localOutputPath } from '../support/storage.js';

/** The details are for operators (docs/web.md); these tests read them with the ops token. */
const OPS_TOKEN = 'ops-token-0123456789abcdef';
const asOperator = { authorization: `Bearer ${OPS_TOKEN}` };

/**
 * The web service against the real queue: Redis, a `lipsync worker` child process with the queue's test
 * render (LIPSYNC_TEST_RENDER=sleep), one clip failing with an input error.
 */
describe('web service on the real queue', () => {
  let h: QueueHarness | undefined;
  let web: WebService | undefined;
  afterEach(async () => {
    await web?.stop();
    await h?.close();
    web = undefined;
    h = undefined;
  });

  it('serves a finished batch, reports health and metrics', async () => {
    h = await QueueHarness.create('web');
    await mkdir(h.config.dataDir, { recursive: true });
    const config = testWebConfig({ OPS_TOKEN });
    web = createWebService({ config, queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    await web.start();
    const app = web.app!;
    await h.startWorker(300);

    const s = await h.queue.submitBatch({
      owner: { platform: 'telegram', userId: 'web-test' },
      audio: { path: await h.template('voice.wav', 'audio'), label: 'voice.wav' },
      audioSeconds: 2,
      videos: [
        { path: await h.template('one.mp4'), label: 'one.mp4' },
        { path: await h.template('bad.mp4', 'BAD-INPUT nothing here'), label: 'bad.mp4' },
        { path: await h.template('two.mp4'), label: 'one.mp4' },
      ],
    });
    await h.waitBatchDone(s.batchId);
    const batch = (await h.queue.getBatch(s.batchId))!;
    expect(batch.summary).toMatchObject({ total: 3, done: 2, failed: 1 });

    // Results page: every clip, the failure reason from the worker.
    const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: config.publicUrl });
    const page = await app.inject({ method: 'GET', url: pathOf(links.batchUrl(s.batchId)) });
    expect(page.statusCode).toBe(200);
    for (const c of batch.clips) expect(page.body).toContain(`data-clip-id="${c.clipId}" data-status="${c.status}"`);
    expect(page.body).toContain(`Failed: I couldn&#39;t find a face in bad.mp4.`);

    // Clip and ZIP bytes are what the worker stored.
    const done = batch.clips.filter((c) => c.status === 'done');
    const clipRes = await app.inject({ method: 'GET', url: pathOf(links.clipUrl(done[0]!.clipId)) });
    expect(clipRes.rawPayload.equals(await readFile(localOutputPath(h.queue.storage, done[0]!.output!.key)))).toBe(true);
    const zip = await app.inject({ method: 'GET', url: pathOf(links.zipUrl(s.batchId)) });
    const entries = readZip(zip.rawPayload);
    expect(entries.map((e) => e.name)).toEqual(['one.mp4', 'one (2).mp4']);
    for (const [i, e] of entries.entries()) expect(e.data.equals(await readFile(localOutputPath(h.queue.storage, done[i]!.output!.key)))).toBe(true);

    // /healthz: Redis, the worker's last sign of life, disk.
    const health = await app.inject({ method: 'GET', url: '/healthz', headers: asOperator });
    expect(health.statusCode).toBe(200);
    const report = health.json<{ status: string; redis: { ok: boolean; latencyMs: number }; worker: { count: number; heartbeatAgeSeconds: number; stale: boolean }; disk: { freeBytes: number; path: string } }>();
    expect(report.redis.ok).toBe(true);
    expect(report.redis.latencyMs).toBeGreaterThanOrEqual(0);
    expect(report.worker.count).toBeGreaterThanOrEqual(1);
    expect(report.worker.heartbeatAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(report.worker.heartbeatAgeSeconds).toBeLessThan(60);
    expect(report.worker.stale).toBe(false);
    expect(report.disk.freeBytes).toBeGreaterThan(0);
    expect(report.disk.path).toBe(h.config.dataDir);
    expect(['ok', 'degraded']).toContain(report.status);

    // /metrics: Prometheus text with queue depth, clip counters, render histograms, deliveries.
    recordDelivery('telegram', 'link');
    recordDelivery('Discord!!', 'upload');
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: asOperator });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body;
    expect(text).toContain('# TYPE lipsync_queue_jobs gauge');
    expect(text).toMatch(/^lipsync_queue_jobs\{state="completed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^lipsync_queue_jobs\{state="active"\} 0$/m);
    expect(text).toMatch(/^lipsync_clips_total\{status="done"\} 2$/m);
    expect(text).toMatch(/^lipsync_clips_total\{status="failed"\} 1$/m);
    expect(text).toMatch(/^lipsync_clip_failures_total\{code="no-face"\} 1$/m);
    expect(text).toContain('# TYPE lipsync_render_seconds histogram');
    expect(text).toMatch(/^lipsync_render_seconds_count 2$/m);
    expect(text).toMatch(/^lipsync_render_fps_count 2$/m);
    expect(text).toMatch(/^lipsync_render_fps_bucket\{le="25"\} 2$/m);
    expect(text).toMatch(/^lipsync_bot_deliveries_total\{platform="telegram",method="link"\} 1$/m);
    expect(text).toMatch(/^lipsync_bot_deliveries_total\{platform="discord__",method="upload"\} 1$/m);
    expect(text).toMatch(/^lipsync_web_requests_total\{route="\/c\/:id",method="GET",status="200"\} 1$/m);
    expect(text).toMatch(/^lipsync_process_cpu_seconds_total /m);
    // Every sample line is "name{labels} value".
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfa]+$/);
    }
  });

  it('/healthz is degraded without a worker, and down (503) when Redis does not answer', async () => {
    h = await QueueHarness.create('webdown');
    web = createWebService({ config: testWebConfig({ OPS_TOKEN }), queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    await web.start();
    const res = await web.app!.inject({ method: 'GET', url: '/healthz', headers: asOperator });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ status: string; worker: { count: number; stale: boolean } }>()).toMatchObject({ status: 'degraded', worker: { count: 0, stale: true } });

    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const probe = createHealthProbe({ redis: dead, queue: h.queue, dataDir: h.config.dataDir, minFreeDiskBytes: 0, workerStaleSeconds: 60, timeoutMs: 500 });
    const report = await probe.check();
    dead.disconnect();
    expect(report.status).toBe('down');
    expect(report.redis.ok).toBe(false);
    const w = await createWebWorld({}, probe);
    try {
      expect((await w.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);
    } finally {
      await w.close();
    }
  });

  it('refuses to start without Redis, naming REDIS_URL', async () => {
    h = await QueueHarness.create('webnoredis');
    web = createWebService({ config: testWebConfig(), queueConfig: h.config, redisUrl: () => 'redis://127.0.0.1:1', log: silentLog });
    const started = web.start();
    await expect(started).rejects.toThrow(/REDIS_URL/);
  }, 30_000);
});
