import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { zhCN } from '../../src/i18n/zh-CN.js';
import type { Owner } from '../../src/queue/index.js';
import { SPEECH } from '../support/media.js';
import { StudioHarness, waitInPage } from '../support/studioHarness.js';
import { WAIT_MS } from '../support/wait.js';

/**
 * What the page's own script does beyond the happy path (the end-to-end run is studioBrowser.test.ts): actions on
 * clips and batches from the keyboard, refusals worded in the session's language, drag and drop, and an upload
 * that resumes after the page was reloaded in the middle of it.
 */
describe('studio page script in Chromium', () => {
  let h: StudioHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function signedIn(owner: Owner, locale?: string): Promise<Page> {
    const browser = await h!.openBrowser();
    const page = await browser.context.newPage();
    await page.goto(h!.signInUrl(owner, locale));
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.waitForSelector('body[data-live="open"]', { timeout: WAIT_MS });
    return page;
  }

  it('retries a failed clip from the keyboard and cancels a running batch, following both live', { timeout: 120_000 }, async () => {
    const owner: Owner = { platform: 'telegram', userId: '7101' };
    h = await StudioHarness.create('studio-page-actions');
    await h.q.startWorker(2000);
    const bad = await h.q.template('noface.mp4', `BAD-INPUT-${h.q.prefix}`);
    const good = await h.q.template('good.mp4');
    const { batchId } = await h.q.queue.submitBatch({
      owner,
      audio: { path: SPEECH, label: 'speech.wav' },
      audioSeconds: 2,
      videos: [{ path: bad, label: 'noface.mp4' }, { path: good, label: 'good.mp4' }],
      replyTo: { platform: 'studio' },
    });
    const page = await signedIn(owner);
    const inHistory = `#history-list .batch[data-batch-id="${batchId}"]`;

    await page.waitForSelector(`${inHistory}[data-status="finished"] .clip[data-status="failed"] .retry-clip`, { timeout: WAIT_MS });
    const logLines = `${inHistory} details.batch-log li`;
    // (Strings: they run in the page, and the project compiles without the DOM library.)
    const logCount = (n: number) => `document.querySelectorAll(${JSON.stringify(logLines)}).length === ${n}`;
    await waitInPage(page, 'the first log', logCount(6)); // 2 × queued, started; done; failed
    await page.focus(`${inHistory} .retry-clip`);
    await page.keyboard.press('Enter');
    // Queued again, then failed again (its input is still bad): the log on the page grows by retried, started, failed.
    // (How long it is seen running depends on the machine: what must show is where it ends.)
    await waitInPage(page, 'the log of the retry', logCount(9));
    await page.waitForSelector(`${inHistory}[data-status="finished"] .clip[data-status="failed"] .retry-clip`, { timeout: WAIT_MS });
    await expect(page.locator(`#queue-list .batch[data-batch-id="${batchId}"]`).count()).resolves.toBe(0);
    const retried = await h.q.queue.batchLog(batchId);
    expect(retried.filter((e) => e.kind === 'retried')).toHaveLength(1);

    // A batch from elsewhere (a chat) appears by itself; its Cancel stops every clip.
    const slow = await Promise.all([1, 2, 3].map((n) => h!.q.template(`slow${n}.mp4`)));
    const { batchId: running } = await h.q.queue.submitBatch({
      owner,
      audio: { path: SPEECH, label: 'speech.wav' },
      audioSeconds: 2,
      videos: slow.map((p, i) => ({ path: p, label: `slow${i + 1}.mp4` })),
    });
    await page.click(`#queue-list .batch[data-batch-id="${running}"] .cancel-batch`, { timeout: WAIT_MS });
    await page.waitForSelector(`#history-list .batch[data-batch-id="${running}"][data-status="finished"]`, { timeout: WAIT_MS });
    const cancelled = await h.q.queue.getBatch(running);
    expect(cancelled?.summary.cancelled).toBeGreaterThanOrEqual(2);
    await expect(page.locator(`#history-list .batch[data-batch-id="${running}"] .clip[data-status="cancelled"]`).count()).resolves.toBe(
      cancelled!.summary.cancelled,
    );
  });

  it('words refusals in the session language, takes dropped files, and resumes an upload after a reload', { timeout: 180_000 }, async () => {
    const owner: Owner = { platform: 'telegram', userId: '7102' };
    h = await StudioHarness.create('studio-page-uploads');
    const page = await signedIn(owner, 'zh-CN');
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('zh-CN');

    // Not audio at all: refused, in Chinese.
    const notes = path.join(h.q.dir, 'notes.mp3');
    await writeFile(notes, 'not audio at all '.repeat(200));
    await page.setInputFiles('#audio-input', notes);
    await page.waitForSelector('#audio-card[data-status="refused"]', { timeout: WAIT_MS });
    await expect(page.textContent('#audio-card .upload-refusal')).resolves.toBe(zhCN.refusals.unreadable({ label: 'notes.mp3' }));
    await expect(page.isDisabled('#start-button')).resolves.toBe(true);

    // Dropped on the drop zone: a card of its own; removing it returns the focus to the picker.
    const dropped = await page.evaluateHandle(`(() => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(64)], 'dropped.mp4', { type: 'video/mp4' }));
      return data;
    })()`);
    await page.dispatchEvent('#drop-zone', 'dragenter', { dataTransfer: dropped });
    await expect(page.textContent('#drop-zone .drop-hint')).resolves.toBe(zhCN.studio.client.dropActive);
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dropped });
    await page.waitForSelector('#template-list .upload-card[data-status="refused"]', { timeout: WAIT_MS });
    await expect(page.textContent('#template-list .upload-card .upload-name')).resolves.toBe('dropped.mp4');
    await expect(page.textContent('#drop-zone .drop-hint')).resolves.toBe(zhCN.studio.page.dropHint);
    await page.click('#template-list .remove-upload');
    await page.waitForSelector('#template-list .upload-card', { state: 'detached' });
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('template-input');

    // 120 MB at 20 MB/s: the page is reloaded a few chunks in, the same file is added again and goes on from there.
    const big = path.join(h.q.dir, 'big.mp4');
    const out = await open(big, 'w');
    const block = Buffer.alloc(8 * 1024 * 1024, 7);
    for (let i = 0; i < 15; i++) await out.write(block);
    await out.close();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20 * 1024 * 1024 });
    const requests: { method: string; offset: number | null }[] = [];
    page.on('request', (r) => {
      if (!new URL(r.url()).pathname.startsWith('/studio/uploads')) return;
      const offset = r.headers()['upload-offset'];
      requests.push({ method: r.method(), offset: offset === undefined ? null : Number(offset) });
    });
    await page.setInputFiles('#template-input', big);
    await page.waitForSelector('#template-list .upload-card[data-upload-id]:not([data-upload-id=""])', { timeout: WAIT_MS });
    const id = await page.getAttribute('#template-list .upload-card', 'data-upload-id');
    await waitInPage(page, 'half the upload', `Number(document.querySelector('#template-list progress.upload-progress')?.getAttribute('value') ?? 0) >= 55`);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: WAIT_MS });
    await page.setInputFiles('#template-input', big);
    await page.waitForSelector('#template-list .upload-card[data-status="refused"]', { timeout: WAIT_MS }); // not a video: the transfer is the point
    await expect(page.getAttribute('#template-list .upload-card', 'data-upload-id')).resolves.toBe(id);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const afterReload = requests.slice(requests.findIndex((r) => r.method === 'HEAD'));
    expect(afterReload[0]?.method).toBe('HEAD');
    expect(afterReload[1]?.method).toBe('PATCH');
    expect(afterReload[1]!.offset!).toBeGreaterThanOrEqual(50 * 1024 * 1024);
  });
});
