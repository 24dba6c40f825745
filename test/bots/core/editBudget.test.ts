import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchRegistry, type QueuePort } from '../../../src/bots/core/batches.js';
import { viewFromSubmit } from '../../../src/bots/core/batchView.js';
import type { ChatAddress, ChatPlatform, MessageRef, OutgoingMessage, VideoUpload } from '../../../src/bots/core/platform.js';
import { MemoryTrackingStore } from '../../../src/bots/core/tracking.js';
import { TELEGRAM_EDIT_RATES } from '../../../src/bots/telegram/bot.js';
import type { QueueEvent } from '../../../src/queue/index.js';
import { FakeClock } from '../../support/fakeClock.js';

/** Records every edit with its (fake) time; each message keeps the text of its last edit. */
class EditLog implements ChatPlatform {
  readonly name = 'telegram';
  readonly limits = { uploadBytes: 1e9, downloadBytes: 1e9, downloadLimitLiftable: false, editIntervalMs: 3000, maxTextLength: 4096, editRates: TELEGRAM_EDIT_RATES };
  readonly edits: { at: number; chatId: string }[] = [];
  readonly shown = new Map<string, string>();
  constructor(private readonly clock: FakeClock) {}
  async sendText(to: ChatAddress): Promise<MessageRef> {
    return { chatId: to.chatId, messageId: 'x' };
  }
  async editText(ref: MessageRef, m: OutgoingMessage): Promise<void> {
    this.edits.push({ at: this.clock.now(), chatId: ref.chatId });
    this.shown.set(`${ref.chatId}/${ref.messageId}`, m.text);
  }
  async sendVideo(_to: ChatAddress, _v: VideoUpload): Promise<void> {}
}

/** Largest number of edits inside any window of `ms` (each edit starts a window). */
function peak(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('shared edit budget', () => {
  it('40 concurrent batches in one group stay within 20 edits/min there and 30/s overall, and each ends on its final state', async () => {
    const clock = new FakeClock();
    const platform = new EditLog(clock);
    let emit: (e: QueueEvent) => void = () => undefined;
    const queue = {
      subscribe: async (fn: (e: QueueEvent) => void) => ((emit = fn), { close: async () => undefined }),
      getBatch: async () => null,
      listActiveBatches: async () => [],
      positions: async () => ({}),
    } as unknown as QueuePort;
    const registry = new BatchRegistry({ platform, queue, tracking: new MemoryTrackingStore(), links: null, clock, log: pino({ level: 'silent' }), positionRefreshMs: 3_600_000 });
    await registry.start();
    const group = '-100200300';
    // 40 batches in the group, and 60 in private chats pushing the bot-wide rate.
    const batches = [
      ...Array.from({ length: 40 }, (_, i) => ({ id: `g${i}`, chatId: group })),
      ...Array.from({ length: 60 }, (_, i) => ({ id: `p${i}`, chatId: String(5000 + i) })),
    ];
    for (const b of batches) {
      const view = viewFromSubmit({ batchId: b.id, clips: [{ clipId: `${b.id}-1`, template: 't.mp4', status: 'queued', position: 1, etaSeconds: null, cached: false }] }, 'a.ogg');
      await registry.add(view, { chatId: b.chatId, messageId: b.id }, 'u', '');
    }
    let seq = 0;
    const ev = (batchId: string, type: QueueEvent['type'], rest: Record<string, unknown>) => emit({ id: `9-${++seq}`, batchId, at: 0, type, ...rest } as unknown as QueueEvent);
    for (const b of batches) ev(b.id, 'started', { clipId: `${b.id}-1`, attempt: 1 });
    for (let step = 1; step <= 30; step++) {
      for (const b of batches) ev(b.id, 'progress', { clipId: `${b.id}-1`, progress: { stage: 'render', framesDone: step * 3, framesTotal: 100, fps: 20, etaSeconds: 5 } });
      await clock.advance(2_000);
    }
    for (const b of batches) {
      ev(b.id, 'clipFailed', { clipId: `${b.id}-1`, reason: { message: 'x' } });
      ev(b.id, 'batchDone', { summary: { total: 1, done: 0, failed: 1, cancelled: 0 } });
    }
    await clock.advance(10 * 60_000);

    const inGroup = platform.edits.filter((e) => e.chatId === group).map((e) => e.at);
    expect(inGroup.length).toBeGreaterThanOrEqual(40);
    expect(peak(inGroup, 60_000)).toBeLessThanOrEqual(20);
    expect(peak(platform.edits.map((e) => e.at), 1000)).toBeLessThanOrEqual(30);
    for (const b of batches) expect(platform.shown.get(`${b.chatId}/${b.id}`)?.split('\n')[0], b.id).toBe('🏁 Finished: 0 of 1 done, 1 failed.');
    expect(registry.all()).toHaveLength(0);
    await registry.stop();
  });
});
