import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, StudioHarness, waitInPage } from '../support/studioHarness.js';
import type { FakeUser } from '../support/fakeTelegram.js';
import { WAIT_MS } from '../support/wait.js';
import { readZip } from './zipReader.js';

const alice: FakeUser = { id: 3001, first_name: 'Alice', language_code: 'en' };

/**
 * Records, in the page, every status and progress value each clip element shows, as the DOM changes (the page
 * replaces clip elements in place when an SSE event arrives). A string: the project compiles without the DOM library.
 */
const RECORD_CLIPS = `(() => {
  window.__loadedAt = Date.now();
  window.__clipStates = {};
  window.__progressValues = [];
  const scan = () => {
    for (const el of document.querySelectorAll('.clip[data-clip-id]')) {
      const id = el.getAttribute('data-clip-id');
      const seen = (window.__clipStates[id] ||= []);
      const status = el.getAttribute('data-status');
      if (seen[seen.length - 1] !== status) seen.push(status);
      const bar = el.querySelector('progress.clip-progress');
      if (bar && bar.hasAttribute('value')) window.__progressValues.push(Number(bar.value));
    }
  };
  scan();
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'value'] });
})()`;

/**
 * Issue 12 end to end: a Telegram user asks the real bot for /studio, opens the link in headless Chromium, uploads
 * one audio and three templates through the page (tus), starts the batch on the real queue, a real worker renders it
 * with the test model, and the page follows it live (SSE) to the end; the ZIP and the inline players are checked
 * against the files in storage.
 */
describe('studio in Chromium', () => {
  let h: StudioHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('signs in from a Telegram link, uploads, renders live, plays and downloads the ZIP', { timeout: 300_000 }, async () => {
    h = await StudioHarness.create('studio-e2e');
    const media = await h.media();
    const templates = [1, 2, 3].map((n) => media.template(n));
    await h.startModelWorker();
    await h.startTelegram();
    const link = await h.studioLinkFromTelegram(alice, { id: alice.id, type: 'private' });
    expect(link.startsWith(`${h.baseUrl}/studio/login?t=`)).toBe(true);

    const browser = await h.openBrowser();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    const landing = await page.goto(link);
    expect(landing?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/studio');
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.waitForSelector('body[data-live="open"]', { timeout: WAIT_MS });
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('en');
    await page.evaluate(RECORD_CLIPS);

    // 1 Audio: picked through the file input, uploaded with tus, checked by the server, playable.
    await page.setInputFiles('#audio-input', media.audio);
    await page.waitForSelector('#audio-card[data-status="ready"]', { timeout: WAIT_MS });
    await page.waitForSelector('#audio-card audio#audio-player', { state: 'attached' });

    // 2 Templates: three at once.
    await page.setInputFiles('#template-input', templates);
    await waitInPage(page, 'three templates ready', `document.querySelectorAll('#template-list .upload-card[data-kind="template"][data-status="ready"]').length === 3`, WAIT_MS);
    await page.waitForSelector('#template-list .upload-card img.upload-thumb', { state: 'attached' });

    // 3 Start.
    await page.waitForSelector('#start-button:not([disabled])');
    await page.click('#start-button');
    const queued = await page.waitForSelector('#queue-list .batch[data-batch-id]', { timeout: WAIT_MS });
    const batchId = (await queued.getAttribute('data-batch-id'))!;
    expect(batchId).toBeTruthy();
    const record = await h.q.queue.getBatch(batchId);
    expect(record?.owner).toMatchObject({ platform: 'telegram', userId: String(alice.id) });
    expect(record?.clips.map((c) => c.template)).toEqual(['face1.mp4', 'face2.mp4', 'face3.mp4']);

    // Live: the page follows the render to the end without reloading.
    const inHistory = `#history-list .batch[data-batch-id="${batchId}"]`;
    await page.waitForSelector(`${inHistory}[data-status="finished"]`, { timeout: 200_000 });
    await waitInPage(page, 'all three clips done in history', `document.querySelectorAll('${inHistory} .clip[data-status="done"]').length === 3`, WAIT_MS);
    const done = await h.q.waitBatchDone(batchId);
    expect(done.summary).toEqual({ total: 3, done: 3, failed: 0, cancelled: 0 });
    const live = (await page.evaluate('({ loadedAt: window.__loadedAt, states: window.__clipStates, progress: window.__progressValues })')) as {
      loadedAt: number | undefined;
      states: Record<string, string[]>;
      progress: number[];
    };
    expect(live.loadedAt, 'the page was reloaded').toBeTypeOf('number');
    const clipIds = record!.clips.map((c) => c.clipId);
    for (const id of clipIds) expect(live.states[id]?.at(-1), `clip ${id}: ${JSON.stringify(live.states)}`).toBe('done');
    // At least one clip was seen waiting or rendering before it was done: the change came over the live stream.
    const changed = clipIds.filter((id) => (live.states[id] ?? []).some((s) => s === 'queued' || s === 'active'));
    expect(changed.length, JSON.stringify(live.states)).toBeGreaterThan(0);
    await expect(page.locator('#queue-list .batch[data-status="running"]').count()).resolves.toBe(0);

    // Inline players load and know their length.
    const videos = `${inHistory} video.clip-video`;
    await waitInPage(page, 'three inline players loaded', `(() => { const v = [...document.querySelectorAll('${videos}')]; return v.length === 3 && v.every((x) => x.readyState >= 2 && x.duration > 0); })()`, WAIT_MS);
    const states = (await page.evaluate(`[...document.querySelectorAll('${videos}')].map((v) => ({ w: v.videoWidth, d: v.duration, error: v.error ? v.error.code : null }))`)) as { w: number; d: number; error: number | null }[];
    for (const st of states) {
      expect(st.w).toBeGreaterThan(0);
      expect(st.d).toBeGreaterThan(1);
      expect(st.error).toBeNull();
    }

    // Each player shows a frame from the middle of its clip for the screenshot: seeking works (HTTP Range).
    const seeked = await page.evaluate(`Promise.all([...document.querySelectorAll('${videos}')].map((v) => new Promise((resolve) => { v.addEventListener('seeked', () => resolve(true), { once: true }); v.currentTime = v.duration / 2; setTimeout(() => resolve(false), 20000); })))`);
    expect(seeked).toEqual([true, true, true]);
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'studio-en-batch.png'), fullPage: true });

    // The ZIP from the page holds every clip byte for byte as stored.
    const stored = await h.storedOutputs(batchId);
    expect(stored).toHaveLength(3);
    const [zipDownload] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.click(`${inHistory} a.zip-link`)]);
    expect(await zipDownload.failure()).toBeNull();
    const entries = readZip(await readFile((await zipDownload.path())!));
    expect(entries.map((e) => e.name)).toEqual(['face1.mp4', 'face2.mp4', 'face3.mp4']);
    entries.forEach((e, i) => expect(e.data.equals(stored[i]!.data), e.name).toBe(true));

    // One clip's own download link gives the same bytes too.
    const [clipDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.click(`${inHistory} .clip[data-clip-id="${stored[1]!.clipId}"] a.clip-download`),
    ]);
    expect((await readFile((await clipDownload.path())!)).equals(stored[1]!.data)).toBe(true);
  });
});
