import { mkdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWebConfig } from '../../src/config/web.js';
import { createHealthProbe, type HealthReport } from '../../src/web/health.js';
import { forgetLiveness, reportLiveness } from '../../src/web/liveness.js';
import { createWebService, type WebService } from '../../src/web/index.js';
import { createWebWorld, healthyReport, testWebConfig, TEST_SECRET } from '../support/batchFixture.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { QueueHarness, silentLog } from '../queue/harness.js';

const OPS_TOKEN = 'ops-token-0123456789abcdef';

/** What the public must not see: paths and error text. */
const revealing: HealthReport = {
  ...healthyReport,
  status: 'degraded',
  redis: { ok: true, latencyMs: 0.2, error: 'READONLY You can\'t write against a read only replica at 10.0.0.7' },
  disk: { path: '/srv/secret-data-dir', freeBytes: 10, totalBytes: 100, low: true },
};

describe('/healthz and /metrics: details for operators only', () => {
  it('the public port says ok / not ok; the ops token gets the details and the metrics', async () => {
    const w = await createWebWorld({ OPS_TOKEN }, { check: () => Promise.resolve(revealing) });
    try {
      const pub = await w.app.inject({ method: 'GET', url: '/healthz' });
      expect(pub.statusCode).toBe(200);
      expect(pub.json()).toEqual({ status: 'ok' });
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: OPS_TOKEN }, { authorization: `Bearer ${OPS_TOKEN}x` }]) {
        const h = await w.app.inject({ method: 'GET', url: '/healthz', headers });
        expect(h.body).not.toContain('secret-data-dir');
        expect(h.body).not.toContain('10.0.0.7');
        const m = await w.app.inject({ method: 'GET', url: '/metrics', headers });
        expect(m.statusCode).toBe(401);
        expect(m.body).not.toContain('lipsync_');
      }
      const op = await w.app.inject({ method: 'GET', url: '/healthz', headers: { authorization: `Bearer ${OPS_TOKEN}` } });
      expect(op.json()).toMatchObject({ status: 'degraded', disk: { path: '/srv/secret-data-dir' } });
      const metrics = await w.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `bearer ${OPS_TOKEN}` } });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('# TYPE lipsync_web_requests_total counter');
    } finally {
      await w.close();
    }
  });

  it('says "not ok" (503) when Redis is down, without the reason', async () => {
    const down: HealthReport = { ...revealing, status: 'down', redis: { ok: false, latencyMs: null, error: 'connect ECONNREFUSED 10.0.0.7:6379' } };
    const w = await createWebWorld({}, { check: () => Promise.resolve(down) });
    try {
      const res = await w.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not ok' });
      // No OPS_TOKEN configured: no bearer value opens the details.
      expect((await w.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer ' } })).statusCode).toBe(401);
    } finally {
      await w.close();
    }
  });

  it('OPS_TOKEN must be long enough and is never echoed', () => {
    expect(() => loadWebConfig({ LINK_SECRET: TEST_SECRET, OPS_TOKEN: 'short-tok' })).toThrow(/OPS_TOKEN/);
    try {
      loadWebConfig({ LINK_SECRET: TEST_SECRET, OPS_TOKEN: 'short-tok' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-tok');
    }
    expect(testWebConfig({ OPS_PORT: '9464', OPS_TOKEN }).ops).toEqual({ port: 9464, token: OPS_TOKEN });
    expect(testWebConfig().ops).toEqual({ port: undefined, token: undefined });
  });
});

describe('the ops listener and bot liveness (real Redis)', () => {
  let h: QueueHarness | undefined;
  let web: WebService | undefined;
  afterEach(async () => {
    forgetLiveness('telegram');
    forgetLiveness('discord');
    await web?.stop();
    await h?.close();
    web = undefined;
    h = undefined;
  });

  it('OPS_PORT serves the details on 127.0.0.1 without a token; the public port does not', async () => {
    h = await QueueHarness.create('webops');
    await mkdir(h.config.dataDir, { recursive: true });
    web = createWebService({ config: testWebConfig({ OPS_PORT: '0' }), queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    await web.start();
    expect(new URL(web.opsAddress!).hostname).toBe('127.0.0.1');
    const detailed = (await (await fetch(`${web.opsAddress!}/healthz`)).json()) as HealthReport;
    expect(detailed.redis.ok).toBe(true);
    expect(detailed.disk.path).toBe(h.config.dataDir);
    const metrics = await fetch(`${web.opsAddress!}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE lipsync_queue_jobs gauge');
    // The ops listener serves nothing else.
    expect((await fetch(`${web.opsAddress!}/b/bsomething?e=1&s=x`)).status).toBe(404);

    const pub = await fetch(`${web.address!}/healthz`);
    expect(await pub.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${web.address!}/metrics`)).status).toBe(401);
  });

  it('the detailed health includes the bots; a bot that is not connected makes it degraded', async () => {
    h = await QueueHarness.create('webbots');
    await mkdir(h.config.dataDir, { recursive: true });
    await h.startWorker(100);
    const probe = createHealthProbe({ redis: h.redis, queue: h.queue, dataDir: h.config.dataDir, minFreeDiskBytes: 0, workerStaleSeconds: 60 });
    reportLiveness('telegram', true, 'polling');
    reportLiveness('discord', true, 'connected');
    const good = await probe.check();
    expect(good.bots).toMatchObject({ telegram: { ok: true, state: 'polling' }, discord: { ok: true, state: 'connected' } });
    expect(good.status).toBe('ok');
    reportLiveness('discord', false, 'reconnecting');
    const bad = await probe.check();
    expect(bad.bots.discord).toMatchObject({ ok: false, state: 'reconnecting' });
    expect(bad.status).toBe('degraded');
  });
});
