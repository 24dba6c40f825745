import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadQueueConfig } from '../../src/config/queue.js';
import { ClipTimeLimit, clipTimeLimitMs } from '../../src/queue/clipTimeLimit.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';

describe('clip time limit', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is configurable and defaults to 10 × the clip length + 5 minutes', () => {
    expect(loadQueueConfig({}).worker.clipTimeout).toEqual({ factor: 10, marginMs: 300_000 });
    const custom = loadQueueConfig({ WORKER_CLIP_TIMEOUT_FACTOR: '3', WORKER_CLIP_TIMEOUT_MARGIN_SECONDS: '60' }).worker.clipTimeout;
    expect(custom).toEqual({ factor: 3, marginMs: 60_000 });
    expect(clipTimeLimitMs(600, custom)).toBe(60_000 + 1_800_000);
    expect(() => loadQueueConfig({ WORKER_CLIP_TIMEOUT_FACTOR: '0' })).toThrow(/WORKER_CLIP_TIMEOUT_FACTOR/);
  });

  it('grants the margin until the length is known, then margin + factor × length from the start', () => {
    vi.useFakeTimers();
    const expired = vi.fn();
    const limit = new ClipTimeLimit({ factor: 2, marginMs: 1_000 }, expired);
    vi.advanceTimersByTime(900);
    limit.setClipSeconds(1.5);
    expect(limit.limitMs).toBe(4_000);
    vi.advanceTimersByTime(3_000);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(expired).toHaveBeenCalledTimes(1);
    limit.stop();
  });

  it('without a length, the margin alone runs out', () => {
    vi.useFakeTimers();
    const expired = vi.fn();
    const limit = new ClipTimeLimit({ factor: 10, marginMs: 1_000 }, expired);
    vi.advanceTimersByTime(1_000);
    expect(expired).toHaveBeenCalledTimes(1);
    limit.stop();
  });
});

describe('a clip that renders far slower than its length (real Redis, worker process)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('is failed once as a timeout, not retried', async () => {
    // The stand-in render makes a clip as long as it takes (4 s at real time); the budget is 0.5 s + 0.25 × 4 s.
    h = await QueueHarness.create('timeout', { WORKER_CLIP_TIMEOUT_FACTOR: '0.25', WORKER_CLIP_TIMEOUT_MARGIN_SECONDS: '0.5', QUEUE_ATTEMPTS: '3' });
    const video = await h.template('slow.mp4');
    const { batchId, clips } = await h.queue.submitBatch({
      owner: { platform: 'telegram', userId: 'alice', chatId: 'c1' },
      audio: { path: SPEECH, label: 'speech.wav' },
      videos: [{ path: video, label: 'slow.mp4' }],
    });
    await h.startWorker(4_000);
    const done = await h.waitBatchDone(batchId);
    expect(done.summary).toEqual({ total: 1, done: 0, failed: 1, cancelled: 0 });
    const failed = h.of('clipFailed', batchId);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason.code).toBe('timeout');
    expect(failed[0]!.reason.message).toMatch(/took far longer to render than its length allows/);
    expect(h.of('started', batchId).filter((e) => e.clipId === clips[0]!.clipId)).toHaveLength(1);
    expect(await h.rendersStarted()).toHaveLength(1);
  });
});
