import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { alice, BotHarness, WAIT_MS } from './botHarness.js';

/** "Nothing lost": a failed upload and a restart in the middle still deliver every clip exactly once. */
describe('telegram bot: exactly-once delivery', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('an upload that fails once is retried, and a restart during the retry still delivers it once', async () => {
    h = await BotHarness.create('tg-exactly-once');
    await h.q.startWorker(800);
    h.tg.failUploads(1);
    await h.startBot();
    const { tg } = h;
    const progress = await h.submitAlbum(3);
    // The first upload failed; stop the bot while it waits to retry.
    await waitUntil('a failed upload', () => tg.failedUploads.length === 1, WAIT_MS, () => h!.dump());
    await h.stopBot();
    const batchId = await waitUntil('batch id', () => h!.q.events.find((e) => e.type === 'queued')?.batchId);
    await h.q.waitBatchDone(batchId);

    await h.startBot();
    await waitUntil('final text after restart', () => progress.text.startsWith('✅ Done: all 3 clips.'), WAIT_MS, () => h!.dump());
    await waitUntil('3 videos', () => tg.videos.length >= 3, WAIT_MS, () => h!.dump());
    await h.stopBot();
    expect(tg.videos.map((v) => v.caption).sort()).toEqual(['1/3: v1.mp4', '2/3: v2.mp4', '3/3: v3.mp4']);
    expect(tg.messagesIn(alice.id).filter((m) => /couldn't send|could not send/i.test(m.text))).toEqual([]);
    // Another start finds nothing left to deliver.
    const polls = tg.calls.filter((c) => c.method === 'getUpdates').length;
    await h.startBot();
    await waitUntil('polling', () => tg.calls.filter((c) => c.method === 'getUpdates').length > polls);
    await h.stopBot();
    expect(tg.videos).toHaveLength(3);
  });

  it('retries a failed upload with backoff while running', async () => {
    h = await BotHarness.create('tg-upload-retry');
    await h.q.startWorker(300);
    h.tg.failUploads(2);
    await h.startBot();
    const { tg } = h;
    const progress = await h.submitAlbum(2);
    await waitUntil('final text', () => progress.text.startsWith('✅ Done: all 2 clips.'), WAIT_MS, () => h!.dump());
    await waitUntil('2 videos', () => tg.videos.length >= 2, WAIT_MS, () => h!.dump());
    expect(tg.failedUploads).toHaveLength(2);
    expect(tg.videos.map((v) => v.caption).sort()).toEqual(['1/2: v1.mp4', '2/2: v2.mp4']);
  });
});
