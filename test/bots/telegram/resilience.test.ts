import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { alice, BotHarness, dmWith, WAIT_MS } from './botHarness.js';

/** Cancel, rate limits, restarts and delivery fallbacks, with the real queue and a sleeping worker. */
describe('telegram bot: resilience', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('Cancel mid-render stops the batch and says so', async () => {
    h = await BotHarness.create('tg-cancel');
    await h.q.startWorker(30_000);
    await h.startBot();
    const { tg } = h;
    const progress = await h.submitAlbum(2);
    await waitUntil('rendering with a Cancel button', () => /🎬 Rendering clip 1 of 2/.test(progress.text) && progress.keyboard, WAIT_MS, () => h!.dump());
    const press = tg.pressButton(alice, progress, tg.button(progress, '✖ Cancel'));
    await waitUntil('cancel answered', () => tg.callbackAnswers.find((a) => a.id === press));
    expect(tg.callbackAnswers.find((a) => a.id === press)?.text).toBe('Cancelling…');
    await waitUntil('cancelled state', () => progress.text.startsWith('⊘ Cancelled.'), WAIT_MS, () => h!.dump());
    expect(progress.text).toContain('1. v1.mp4 — ⊘ cancelled');
    expect(progress.text).toContain('2. v2.mp4 — ⊘ cancelled');
    expect(progress.keyboard).toBeUndefined();
    expect(tg.videos).toHaveLength(0);
  });

  it('honours 429 retry_after on edits and still shows the final state', async () => {
    h = await BotHarness.create('tg-429');
    await h.q.startWorker(2_500);
    await h.startBot({ TELEGRAM_EDIT_INTERVAL_MS: '300' });
    const { tg } = h;
    const progress = await h.submitAlbum(1);
    await waitUntil('a first edit', () => progress.edits.length > 0, WAIT_MS, () => h!.dump());
    tg.rateLimitEdits(1, 2);
    await waitUntil('the 429', () => tg.rateLimited.length > 0, WAIT_MS, () => h!.dump());
    await waitUntil('final text', () => progress.text.startsWith('✅ Done.'), WAIT_MS, () => h!.dump());
    expect(tg.rateLimitViolations).toEqual([]);
    const limitedAt = tg.rateLimited[0]!.at;
    const after = progress.edits.filter((e) => e.at > limitedAt);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.at - limitedAt).toBeGreaterThanOrEqual(2_000);
    await waitUntil('the video', () => tg.videos.length === 1);
  });

  it('picks its progress message back up after a restart, delivering every clip once', async () => {
    h = await BotHarness.create('tg-restart');
    await h.q.startWorker(1_500);
    await h.startBot();
    const { tg } = h;
    const progress = await h.submitAlbum(3);
    await waitUntil('first video', () => tg.videos.length >= 1, WAIT_MS, () => h!.dump());
    await h.stopBot();
    const messagesBefore = tg.messages.length;
    const batchId = await waitUntil('batch id', () => h!.q.events.find((e) => e.type === 'queued')?.batchId);
    await h.q.waitBatchDone(batchId);
    const videosWhileDown = tg.videos.length;
    expect(progress.text).not.toMatch(/^✅/);

    await h.startBot();
    await waitUntil('final text after restart', () => progress.text.startsWith('✅ Done: all 3 clips.'), WAIT_MS, () => h!.dump());
    await waitUntil('3 videos', () => tg.videos.length === 3, WAIT_MS, () => h!.dump());
    expect(videosWhileDown).toBeLessThan(3);
    expect(tg.videos.map((v) => v.caption)).toEqual(['1/3: v1.mp4', '2/3: v2.mp4', '3/3: v3.mp4']);
    expect(tg.messages.length).toBe(messagesBefore);
    // A second restart finds nothing left to do.
    await h.stopBot();
    await h.startBot();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(tg.videos).toHaveLength(3);
  });

  it('sends a signed link instead of a file over the upload limit, and the batch page and ZIP links at the end', async () => {
    h = await BotHarness.create('tg-links');
    await h.q.startWorker(300);
    await h.startBot({ TELEGRAM_MAX_UPLOAD_MB: '0.00001', LINK_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://clips.example.com' });
    const { tg } = h;
    const progress = await h.submitAlbum(1);
    const chat = dmWith(alice);
    const link = await h.waitMessage(chat, /^1\. v1\.mp4 is too large to send here: https:\/\/clips\.example\.com\//);
    expect(link.text).toMatch(/\?e=\d+&s=/);
    const final = await h.waitMessage(chat, /^All clips of this batch: https:\/\/clips\.example\.com\/.*\nEverything as one ZIP: https:\/\/clips\.example\.com\//);
    expect(final.message_id).toBeGreaterThan(link.message_id);
    await waitUntil('final text', () => progress.text.startsWith('✅ Done.'));
    expect(progress.text).not.toContain('attachments only');
    expect(tg.videos).toHaveLength(0);
  });

  it('falls back to an explanation when Telegram refuses an upload with 413', async () => {
    h = await BotHarness.create('tg-413');
    await h.q.startWorker(300);
    h.tg.maxUploadBytes = 10;
    await h.startBot();
    await h.submitAlbum(1);
    const msg = await h.waitMessage(dmWith(alice), /^1\. v1\.mp4 \(\d+ bytes\) was refused as too large to send here/);
    expect(msg.text).toContain('no download links configured');
  });
});
