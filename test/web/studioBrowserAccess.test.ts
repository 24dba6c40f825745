import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Owner } from '../../src/queue/index.js';
import { TEST_SECRET } from '../support/batchFixture.js';
import { StudioHarness, type StudioHttpUser } from '../support/studioHarness.js';
import { SPEECH } from '../support/media.js';
import { waitUntil } from '../support/wait.js';

const alice: Owner = { platform: 'telegram', userId: '4001' };
const mallory: Owner = { platform: 'telegram', userId: '4002' };
const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

/**
 * Issue 12: one studio user can never reach another's batches (404, as if missing), and sign-in links are one-use
 * and expire. Real queue, real worker (test renderer), the real web service over HTTP with each user's cookie.
 */
describe('studio: sign-in links and what each user can reach', () => {
  let h: StudioHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function renderFor(owner: Owner, name: string): Promise<string> {
    const t = await h!.q.template(name);
    const { batchId } = await h!.q.queue.submitBatch({ owner, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: t, label: name }], replyTo: { platform: 'studio' } });
    return batchId;
  }

  it("a second user gets 404 on the first user's batch, clip file, ZIP and actions, and no events of it", async () => {
    h = await StudioHarness.create('studio-access');
    await h.q.startWorker(300);
    const first = await renderFor(alice, 'a1.mp4');
    await h.q.waitBatchDone(first);
    const clipId = (await h.q.queue.getBatch(first))!.clips[0]!.clipId;

    const a = await h.signInHttp(alice);
    const m = await h.signInHttp(mallory);
    expect(a.cookie).not.toBe(m.cookie);

    const reads = [`/studio/api/batches/${first}`, `/studio/api/clips/${clipId}/file`, `/studio/api/clips/${clipId}/file?dl=1`, `/studio/api/batches/${first}/zip`];
    // The owner gets them (so the 404s below are about ownership, not broken routes)…
    for (const url of reads) expect((await h.api(a, 'GET', url)).status, url).toBe(200);
    // …the other user does not, and cannot tell the batch exists.
    for (const url of reads) {
      const res = await h.api(m, 'GET', url);
      expect([403, 404], `${url}: ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
      expect(res.text).not.toContain('lipsync-test-render');
    }
    const actions: [string, string][] = [
      ['POST', `/studio/api/batches/${first}/cancel`],
      ['POST', `/studio/api/clips/${clipId}/cancel`],
      ['POST', `/studio/api/clips/${clipId}/retry`],
      ['DELETE', `/studio/api/batches/${first}`],
    ];
    for (const [method, url] of actions) {
      const res = await h.api(m, method, url);
      expect(res.status, `${method} ${url}: ${res.text.slice(0, 200)}`).toBe(404);
    }
    expect(await h.q.queue.getBatch(first)).not.toBeNull();
    const mine = (await h.api(m, 'GET', '/studio/api/batches?page=1')).json as { total: number; batches: unknown[] };
    expect(mine.total).toBe(0);
    expect(mine.batches).toEqual([]);

    // Events: both streams open; Alice's new batch reaches only Alice. Mallory's own later batch reaches Mallory,
    // so by then she would have seen Alice's too if it were sent to her.
    const aliceEvents = await h.openEvents(a);
    const malloryEvents = await h.openEvents(m);
    try {
      expect(aliceEvents.status).toBe(200);
      expect(malloryEvents.status).toBe(200);
      const second = await renderFor(alice, 'a2.mp4');
      await waitUntil('an event of Alice\'s batch on her stream', () => aliceEvents.events.some((e) => e.event === 'batch' && e.data.includes(second)));
      await h.q.waitBatchDone(second);
      await waitUntil('the finished batch on her stream', () => aliceEvents.events.some((e) => e.event === 'batch' && e.data.includes(second) && e.data.includes('"finished"')));
      const own = await renderFor(mallory, 'm1.mp4');
      await waitUntil('an event of Mallory\'s batch on her stream', () => malloryEvents.events.some((e) => e.event === 'batch' && e.data.includes(own)));
      expect(malloryEvents.raw).not.toContain(first);
      expect(malloryEvents.raw).not.toContain(second);
      expect(aliceEvents.raw).not.toContain(own);
      for (const e of malloryEvents.events.filter((x) => x.event === 'batch')) {
        expect((JSON.parse(e.data) as { batchId: string }).batchId).toBe(own);
      }
    } finally {
      aliceEvents.close();
      malloryEvents.close();
    }

    // No cookie: no events, no API.
    const anonymous: StudioHttpUser = { owner: alice, cookie: 'lipsync_studio=forged', csrf: 'x' };
    expect((await h.api(anonymous, 'GET', `/studio/api/batches/${first}`)).status).toBe(401);
    expect((await h.openEvents(anonymous)).status).toBe(401);
  });

  it('a sign-in link works once; a reused or expired link gets the 410 page, a tampered one 403', async () => {
    h = await StudioHarness.create('studio-links');
    const link = h.signInUrl(alice);
    const first = await h.openSignIn(link);
    expect(first.status).toBe(303);
    expect(first.location).toMatch(/\/studio$/);
    expect(first.cookie).toMatch(/^lipsync_studio=./);

    const reused = await h.openSignIn(link);
    expect(reused.status).toBe(410);
    expect(reused.cookie).toBeNull();
    expect(reused.contentType).toMatch(/^text\/html/);

    const expired = await h.openSignIn(h.signInUrl(alice, undefined, { issuedMsAgo: 2 * 3600_000, ttlSeconds: 900 }));
    expect(expired.status).toBe(410);
    expect(expired.cookie).toBeNull();
    expect(expired.contentType).toMatch(/^text\/html/);
    // The page says how to get a new link.
    expect(expired.body).toMatch(/\/studio|studio-link/);

    const fresh = h.signInUrl(mallory);
    const tampered = fresh.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const bad = await h.openSignIn(tampered);
    expect(bad.status).toBe(403);
    expect(bad.cookie).toBeNull();
    // The untouched link still works afterwards (a bad try does not burn it).
    expect((await h.openSignIn(fresh)).status).toBe(303);

    // In the browser: the expired link shows the refusal page (410), and no session follows.
    const browser = await h.openBrowser();
    const page = await browser.context.newPage();
    const res = await page.goto(h.signInUrl(alice, 'zh-CN', { issuedMsAgo: 3600_000, ttlSeconds: 60 }));
    expect(res?.status()).toBe(410);
    const studio = await page.goto(`${h.baseUrl}/studio`);
    expect(studio?.status()).toBe(401);
  });

  it('`lipsync studio-link` signs the operator in, with the history of `lipsync submit` (platform cli)', async () => {
    h = await StudioHarness.create('studio-cli');
    const operator: Owner = { platform: 'cli', userId: os.userInfo().username };
    const t = await h.q.template('op.mp4');
    const { batchId } = await h.q.queue.submitBatch({ owner: operator, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: t, label: 'op.mp4' }] });
    await h.q.queue.cancel(batchId, operator);

    const run = spawnSync(process.execPath, [CLI, 'studio-link', '--json', '--ttl', '10m'], {
      env: { ...process.env, ...h.q.env, LINK_SECRET: TEST_SECRET, PUBLIC_URL: h.baseUrl, LOG_FORMAT: 'json' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout) as { url: string; expiresAt: number; owner: Owner };
    expect(printed.owner).toEqual(operator);
    expect(printed.expiresAt - Date.now() / 1000).toBeGreaterThan(500);
    const login = await h.openSignIn(printed.url);
    expect(login.status).toBe(303);
    const op: StudioHttpUser = { owner: operator, cookie: login.cookie!, csrf: '' };
    const me = (await h.api(op, 'GET', '/studio/api/me')).json as { owner: Owner };
    expect(me.owner).toMatchObject(operator);
    const history = (await h.api(op, 'GET', '/studio/api/batches?page=1')).json as { total: number; batches: { batchId: string }[] };
    expect(history.total).toBe(1);
    expect(history.batches.map((b) => b.batchId)).toEqual([batchId]);
    // The same link a second time: refused.
    expect((await h.openSignIn(printed.url)).status).toBe(410);
  });
});
