import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import type { Owner } from '../../src/queue/index.js';
import { ARTIFACTS_DIR, StudioHarness, waitInPage } from '../support/studioHarness.js';
import { SPEECH } from '../support/media.js';
import { WAIT_MS } from '../support/wait.js';

const erin: Owner = { platform: 'discord', userId: '7001' };

/** Status of every clip of a batch in a list, in order (a string: runs in the page). */
const clipStatuses = (list: string, batchId: string) =>
  `[...document.querySelectorAll('${list} .batch[data-batch-id="${batchId}"] .clip')].map((c) => c.getAttribute('data-status')).join(',')`;

/**
 * Issue 12: the page's cancel and retry buttons act on the real queue (test renderer in a real worker), the page
 * follows the result live, and the batch log tells what happened.
 */
describe('studio actions in Chromium', () => {
  let h: StudioHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('cancels a running batch and retries a failed clip from the page, with the log showing both', { timeout: 240_000 }, async () => {
    h = await StudioHarness.create('studio-actions');
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    // Slow renders (10 s): the batch to cancel is still running however slow the page is.
    await h.q.startWorker(10_000);
    const bad = await h.q.template('noface.mp4', 'BAD-INPUT noface');
    const { batchId: failing } = await h.q.queue.submitBatch({ owner: erin, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: bad, label: 'noface.mp4' }] });
    await h.q.waitBatchDone(failing);

    const browser = await h.openBrowser();
    const page = await browser.context.newPage();
    await page.goto(h.signInUrl(erin));
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.waitForSelector('body[data-live="open"]', { timeout: WAIT_MS });

    // Cancel: a batch started now shows up in the queue live, and "cancel the batch" ends it.
    const slow = await Promise.all([h.q.template('slow1.mp4'), h.q.template('slow2.mp4')]);
    const { batchId: running } = await h.q.queue.submitBatch({ owner: erin, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: slow.map((p, i) => ({ path: p, label: `slow${i + 1}.mp4` })) });
    const queued = `#queue-list .batch[data-batch-id="${running}"]`;
    await page.waitForSelector(`${queued}[data-status="running"] button.cancel-batch`, { timeout: WAIT_MS });
    // The rendering clip shows its progress as the worker reports it (live, no reload).
    const bar = await page.waitForSelector(`${queued} .clip[data-status="active"] progress.clip-progress[value]`, { timeout: WAIT_MS });
    const first = Number(await bar.getAttribute('value'));
    await waitInPage(page, 'the progress bar moving', `Number(document.querySelector('${queued} .clip[data-status="active"] progress.clip-progress')?.value) > ${first}`);
    // A running batch (progress, ETA, place in line) fits a phone's width too.
    await page.setViewportSize({ width: 390, height: 844 });
    await waitInPage(page, 'the 390 px layout', 'document.scrollingElement.clientWidth === 390');
    await expect(page.evaluate('document.scrollingElement.scrollWidth')).resolves.toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'studio-running-phone.png'), fullPage: true });
    await page.click(`${queued} button.cancel-batch`);
    await waitInPage(page, 'both clips cancelled in history', `${clipStatuses('#history-list', running)} === 'cancelled,cancelled'`);
    await page.waitForSelector(`#history-list .batch[data-batch-id="${running}"][data-status="finished"]`);
    await expect(page.locator(queued).count()).resolves.toBe(0);
    const cancelled = await h.q.queue.getBatch(running);
    expect(cancelled?.clips.map((c) => c.status)).toEqual(['cancelled', 'cancelled']);

    // Retry: the failed clip goes back in line, renders again (and fails again: same input), all followed live.
    const failed = `#history-list .batch[data-batch-id="${failing}"] .clip[data-status="failed"]`;
    await page.waitForSelector(`${failed} button.retry-clip`);
    await page.evaluate(`(() => {
      window.__retrySeen = [];
      new MutationObserver(() => {
        const c = document.querySelector('#history-list .batch[data-batch-id="${failing}"] .clip');
        const s = c && c.getAttribute('data-status');
        if (s && window.__retrySeen[window.__retrySeen.length - 1] !== s) window.__retrySeen.push(s);
      }).observe(document.getElementById('history-list'), { subtree: true, childList: true, attributes: true });
    })()`);
    await page.click(`${failed} button.retry-clip`);
    await waitInPage(page, 'the clip back in line, then failed again', `(() => { const s = window.__retrySeen; const back = s.findIndex((x) => x === 'queued' || x === 'active'); return back >= 0 && s.lastIndexOf('failed') > back; })()`);
    const log = await h.q.queue.batchLog(failing);
    expect(log.map((e) => e.kind)).toEqual(['queued', 'started', 'failed', 'retried', 'started', 'failed']);

    // The log in the page says the same, in words.
    await page.click(`#history-list .batch[data-batch-id="${failing}"] details.batch-log summary`);
    const lines = (await page.evaluate(`[...document.querySelectorAll('#history-list .batch[data-batch-id="${failing}"] details.batch-log li')].map((li) => li.textContent)`)) as string[];
    expect(lines).toHaveLength(log.length);
    const retried = en.studioAuth.log.retried.replace('{clip}: ', '');
    expect(lines.filter((l) => l.includes(retried)), JSON.stringify(lines)).toHaveLength(1);
  });
});
