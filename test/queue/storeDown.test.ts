import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { S3Storage } from '../../src/queue/s3Storage.js';
import { createHealthProbe } from '../../src/web/health.js';
import { createLinkSigner, createWebService } from '../../src/web/index.js';
import { testWebConfig } from '../support/batchFixture.js';
import { RenderQueue } from '../../src/queue/queue.js';
import { freePort } from '../support/net.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { s3CredentialsEnv, startS3Server, type S3TestServer } from '../support/s3Server.js';
import { QueueHarness } from './harness.js';

/** A store that does not answer makes clips wait (never fail) and shows in the health report. */
describe('object store down', () => {
  let s3: S3TestServer;
  let h: QueueHarness | undefined;
  beforeAll(async () => {
    s3 = await startS3Server();
  }, 60_000);
  afterAll(() => s3?.stop());
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a worker that cannot reach the store delays the clip; a worker that can renders it', async () => {
    const creds = s3CredentialsEnv(s3);
    const storageEnv = { STORAGE_URL: s3.storageUrl('down'), S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: '1', ...creds };
    h = await QueueHarness.create('storedown', storageEnv);
    // The submitter reaches the store (its inputs are stored); the first worker's endpoint is a closed port.
    const storage = new S3Storage({ bucket: s3.bucket, prefix: 'down', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    const queue = new RenderQueue({ redis: h.redis, config: h.config, storage, log: pino({ level: 'silent' }) });
    try {
      const s = await queue.submitBatch({
        owner: { platform: 'cli', userId: 'down' },
        audio: { path: await h.template('a.wav'), label: 'a.wav' },
        audioSeconds: 1,
        videos: [{ path: await h.template('v.mp4'), label: 'v.mp4' }],
      });
      const clipId = s.clips[0]!.clipId;
      const cut = await h.startWorker(200, { S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
      // More delays than QUEUE_ATTEMPTS (3): a failure counted as an attempt would have failed the clip by now.
      await h.waitFor('four delays (or a failure)', () => h!.of('clipFailed').length > 0 || (cut.log.match(/object store unavailable: clip delayed/g)?.length ?? 0) >= 4);
      expect(h.of('clipFailed')).toEqual([]);
      expect((await queue.getBatch(s.batchId))!.clips[0]!.status).toBe('queued');
      cut.kill('SIGKILL');
      await cut.exited;

      await h.startWorker(200);
      const done = await h.waitBatchDone(s.batchId);
      expect(done.summary).toMatchObject({ done: 1, failed: 0 });
      expect(h.of('clipDone').map((e) => e.clipId)).toEqual([clipId]);

      // A web server whose store stops answering: 503 (try again), not a 500 or a 410 "deleted".
      const dead = new S3Storage({ bucket: s3.bucket, prefix: 'down', region: s3.region, endpoint: `http://127.0.0.1:${await freePort()}`, forcePathStyle: true, credentials: s3.credentials, retry: { baseMs: 10 } });
      const config = testWebConfig();
      const web = createWebService({ config, queueConfig: h.config, storage: dead, redisUrl: () => TEST_REDIS_URL, log: pino({ level: 'silent' }) });
      await web.start();
      try {
        const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: web.address! });
        const res = await fetch(links.clipUrl(clipId));
        expect(res.status).toBe(503);
      } finally {
        await web.stop();
        dead.close();
      }
    } finally {
      await queue.close();
      storage.close();
    }
  });

  it('/healthz reports the store: ok when it answers, degraded (with the reason, no secret) when it does not', async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    const fakeQueue = { queue: { getWorkers: async () => [{ name: 'w', idle: '0' }] } } as unknown as RenderQueue;
    const make = (endpoint: string) => new S3Storage({ bucket: s3.bucket, prefix: 'health', region: s3.region, endpoint, forcePathStyle: true, credentials: s3.credentials, retry: { baseMs: 10 } });
    const up = make(s3.endpoint);
    const down = make(`http://127.0.0.1:${await freePort()}`);
    try {
      const probe = (storage: S3Storage) => createHealthProbe({ redis, queue: fakeQueue, dataDir: '/tmp', storage, minFreeDiskBytes: 0, workerStaleSeconds: 60, timeoutMs: 10_000 }).check();
      const ok = await probe(up);
      expect(ok.storage).toMatchObject({ ok: true, location: `s3://${s3.bucket}/health` });
      expect(ok.status).toBe('ok');
      const bad = await probe(down);
      expect(bad.status).toBe('degraded');
      expect(bad.storage).toMatchObject({ ok: false, latencyMs: null });
      expect(bad.storage!.error).toMatch(/object store unavailable/);
      expect(JSON.stringify(bad)).not.toContain(s3.credentials.secretAccessKey);
    } finally {
      up.close();
      down.close();
      redis.disconnect();
    }
  });
});
