import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Owner } from '../../src/queue/index.js';
import { StudioHarness, waitInPage } from '../support/studioHarness.js';
import { SPEECH } from '../support/media.js';
import { WAIT_MS, waitUntil } from '../support/wait.js';

const carol: Owner = { platform: 'telegram', userId: '5001' };

/** Ids of the batches a list shows, top to bottom (a string: runs in the page). */
const idsIn = (list: string) => `[...document.querySelectorAll('${list} .batch[data-batch-id]')].map((b) => b.getAttribute('data-batch-id'))`;

/**
 * Issue 12: history in the page is paged 20 per page, newest first, over everything this user ever started; deleting
 * a rendered batch from the page removes its records and its output files from storage.
 */
describe('studio history in Chromium', () => {
  let h: StudioHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('pages 45 batches 20/20/5 newest first, and deletes a rendered batch with its files', { timeout: 240_000 }, async () => {
    h = await StudioHarness.create('studio-history');
    // 44 small batches, cancelled at once (no worker yet), each created in its own millisecond.
    const older: string[] = [];
    for (let i = 0; i < 44; i++) {
      const t = await h.q.template(`old${i}.mp4`);
      const start = Date.now();
      const { batchId } = await h.q.queue.submitBatch({ owner: carol, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: t, label: `old${i}.mp4` }] });
      await h.q.queue.cancel(batchId, carol);
      older.push(batchId);
      await waitUntil('the next millisecond', () => Date.now() > start);
    }
    // The newest one is really rendered (test renderer in a real worker).
    await h.q.startWorker(200);
    const t = await h.q.template('kept.mp4');
    const { batchId: rendered } = await h.q.queue.submitBatch({ owner: carol, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: t, label: 'kept.mp4' }] });
    await h.q.waitBatchDone(rendered);
    const outputs = await h.storedOutputs(rendered);
    expect(outputs).toHaveLength(1);
    expect(existsSync(outputs[0]!.file)).toBe(true);
    const newestFirst = [rendered, ...[...older].reverse()];

    const browser = await h.openBrowser();
    const page = await browser.context.newPage();
    await page.goto(h.signInUrl(carol));
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });

    // Page 1: the 20 newest.
    await page.waitForSelector('#history-pager[data-page="1"][data-pages="3"]');
    expect(await page.evaluate(idsIn('#history-list'))).toEqual(newestFirst.slice(0, 20));
    await expect(page.locator('#history-pager button.pager-prev').isDisabled()).resolves.toBe(true);

    // Page 2 and page 3 (the 5 oldest); the last page has no "next".
    await page.click('#history-pager button.pager-next');
    await waitInPage(page, 'history page 2', `document.querySelector('#history-pager').getAttribute('data-page') === '2' && ${idsIn('#history-list')}[0] === '${newestFirst[20]}'`, WAIT_MS);
    expect(await page.evaluate(idsIn('#history-list'))).toEqual(newestFirst.slice(20, 40));
    await page.click('#history-pager button.pager-next');
    await waitInPage(page, 'history page 3', `document.querySelector('#history-pager').getAttribute('data-page') === '3' && ${idsIn('#history-list')}[0] === '${newestFirst[40]}'`, WAIT_MS);
    expect(await page.evaluate(idsIn('#history-list'))).toEqual(newestFirst.slice(40));
    expect(newestFirst.slice(40)).toHaveLength(5);
    await expect(page.locator('#history-pager button.pager-next').isDisabled()).resolves.toBe(true);

    // Back to page 1; delete the rendered batch there (two steps: delete, then confirm).
    await page.click('#history-pager button.pager-prev');
    await page.click('#history-pager button.pager-prev');
    await waitInPage(page, 'history page 1 again', `document.querySelector('#history-pager').getAttribute('data-page') === '1' && ${idsIn('#history-list')}[0] === '${rendered}'`, WAIT_MS);
    const card = `#history-list .batch[data-batch-id="${rendered}"]`;
    await page.waitForSelector(`${card}[data-status="finished"] .clip[data-status="done"]`);
    await page.click(`${card} button.delete-batch`);
    await page.click(`${card} button.confirm-delete`);
    await waitInPage(page, 'the deleted batch gone from the page', `document.querySelectorAll('.batch[data-batch-id="${rendered}"]').length === 0`, WAIT_MS);

    await waitUntil('the deleted batch\'s output file to be gone', () => !existsSync(outputs[0]!.file));
    expect(await h.q.queue.getBatch(rendered)).toBeNull();
    const listed = await h.q.queue.listBatches(carol, 1);
    expect(listed.total).toBe(44);
    expect(listed.batches.map((b) => b.batchId)).not.toContain(rendered);
    // The page still pages the rest: a reload shows 44 (20/20/4).
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.waitForSelector('#history-pager[data-page="1"][data-pages="3"]');
    expect(await page.evaluate(idsIn('#history-list'))).toEqual(newestFirst.slice(1, 21));
  });

  it('a batch started from a chat while the page is open appears live in the queue and at the top of history page 1', { timeout: 120_000 }, async () => {
    h = await StudioHarness.create('studio-history-live');
    const first = await h.q.queue.submitBatch({ owner: carol, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: await h.q.template('a.mp4'), label: 'a.mp4' }] });
    const browser = await h.openBrowser();
    const page = await browser.context.newPage();
    await page.goto(h.signInUrl(carol));
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.waitForSelector(`#history-list .batch[data-batch-id="${first.batchId}"]`);
    // Meanwhile, in the chat (same person, no worker: it stays queued).
    const fromChat = await h.q.queue.submitBatch({ owner: { ...carol, chatId: '-100' }, audio: { path: SPEECH, label: 'speech.wav' }, audioSeconds: 2, videos: [{ path: await h.q.template('b.mp4'), label: 'b.mp4' }] });
    await page.waitForSelector(`#queue-list .batch[data-batch-id="${fromChat.batchId}"]`, { timeout: WAIT_MS });
    await waitInPage(page, 'the chat batch on top of history page 1', `${idsIn('#history-list')}[0] === '${fromChat.batchId}'`, WAIT_MS);
    expect(await page.evaluate(idsIn('#history-list'))).toEqual([fromChat.batchId, first.batchId]);
  });
});
