import { Readable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BatchTracker } from '../../../src/bots/core/batchTracker.js';
import { viewFromSubmit } from '../../../src/bots/core/batchView.js';
import { MessageGoneError, RateLimitedError, type ChatAddress, type ChatPlatform, type MessageRef, type OutgoingMessage, type VideoUpload } from '../../../src/bots/core/platform.js';
import { MemoryTrackingStore } from '../../../src/bots/core/tracking.js';
import type { BatchState, QueueEvent } from '../../../src/queue/index.js';
import { FakeClock, flush } from '../../support/fakeClock.js';

class RecordingPlatform implements ChatPlatform {
  readonly name = 'test';
  readonly limits = { uploadBytes: 1000, downloadBytes: 1000, downloadLimitLiftable: false, editIntervalMs: 3000, maxTextLength: 4096 };
  edits: { at: number; ref: MessageRef; text: string }[] = [];
  texts: { to: ChatAddress; text: string }[] = [];
  videos: VideoUpload[] = [];
  failEdit: (() => Error | null) | null = null;
  nextId = 100;
  constructor(private readonly clock: FakeClock) {}
  async sendText(to: ChatAddress, m: OutgoingMessage): Promise<MessageRef> {
    this.texts.push({ to, text: m.text });
    return { chatId: to.chatId, messageId: String(this.nextId++) };
  }
  async editText(ref: MessageRef, m: OutgoingMessage): Promise<void> {
    const err = this.failEdit?.() ?? null;
    if (err) throw err;
    this.edits.push({ at: this.clock.now(), ref, text: m.text });
  }
  async sendVideo(_to: ChatAddress, v: VideoUpload): Promise<void> {
    this.videos.push(v);
  }
}

let seq = 0;
const ev = (type: QueueEvent['type'], rest: Record<string, unknown>): QueueEvent => ({ id: `5-${++seq}`, batchId: 'b1', at: 0, type, ...rest }) as unknown as QueueEvent;
const progress = (done: number) => ev('progress', { clipId: 'b1-1', progress: { stage: 'render', framesDone: done, framesTotal: 100, fps: 20, etaSeconds: 5 } });
const done = (clipId: string) => ev('clipDone', { clipId, output: { key: 'k', path: `/out/${clipId}.mp4`, bytes: 500, cached: false } });

function setup() {
  const clock = new FakeClock();
  const platform = new RecordingPlatform(clock);
  const tracking = new MemoryTrackingStore();
  const finished: string[] = [];
  const view = viewFromSubmit({ batchId: 'b1', clips: ['b1-1', 'b1-2'].map((clipId, i) => ({ clipId, template: `t${i + 1}.mp4`, status: 'queued' as const, position: i + 1, etaSeconds: null, cached: false })) }, 'a.ogg');
  const tracker = new BatchTracker(view, { chatId: '1', messageId: '10' }, 'u1', '', {
    platform,
    outputs: { openOutput: async (key: string) => ({ stream: Readable.from([Buffer.from(key)]), size: key.length, mtimeMs: 0 }) },
    tracking,
    links: null,
    clock,
    log: pino({ level: 'silent' }),
    onFinished: (id) => finished.push(id),
  });
  return { clock, platform, tracking, tracker, finished };
}

describe('BatchTracker', () => {
  it('coalesces progress into one edit per interval and ends with the final state', async () => {
    const { clock, platform, tracker, tracking, finished } = setup();
    await tracking.track('b1');
    tracker.onEvent(ev('started', { clipId: 'b1-1', attempt: 1 }));
    for (let i = 1; i <= 20; i++) {
      tracker.onEvent(progress(i * 5));
      await clock.advance(100);
    }
    // 2 s of updates: the first edit at once, the next no sooner than 3 s after it.
    expect(platform.edits).toHaveLength(1);
    await clock.advance(1000);
    expect(platform.edits).toHaveLength(2);
    expect(platform.edits[1]!.text).toContain('100%');
    tracker.onEvent(done('b1-1'));
    tracker.onEvent(done('b1-2'));
    tracker.onEvent(ev('batchDone', { summary: { total: 2, done: 2, failed: 0, cancelled: 0 } }));
    await clock.advance(10_000);
    expect(platform.edits.at(-1)!.text.split('\n')[0]).toBe('✅ Done: all 2 clips.');
    expect(platform.videos.map((v) => v.caption)).toEqual(['1/2: t1.mp4', '2/2: t2.mp4']);
    expect(finished).toEqual(['b1']);
    expect(tracking.trackedSet.size).toBe(0);
  });

  it('delivers each clip once, even when the queue state and replayed events both report it', async () => {
    const { clock, platform, tracker } = setup();
    tracker.onEvent(done('b1-1'));
    tracker.onEvent(done('b1-1'));
    const state = {
      batchId: 'b1', owner: { platform: 'test', userId: 'u1' }, replyTo: null, options: {}, audio: 'a.ogg', status: 'running', createdAt: 0, finishedAt: null,
      summary: { total: 2, done: 1, failed: 0, cancelled: 0 }, lastEventId: `5-${seq}`,
      clips: [
        { clipId: 'b1-1', batchId: 'b1', index: 0, template: 't1.mp4', status: 'done', attempts: 1, progress: null, output: { key: 'k', path: '/out/b1-1.mp4', bytes: 500, cached: false }, error: null, createdAt: 0, startedAt: 0, finishedAt: 0 },
        { clipId: 'b1-2', batchId: 'b1', index: 1, template: 't2.mp4', status: 'active', attempts: 1, progress: null, output: null, error: null, createdAt: 0, startedAt: 0, finishedAt: null },
      ],
    } satisfies BatchState;
    tracker.load(state);
    await clock.advance(5000);
    expect(platform.videos).toHaveLength(1);
    // Events older than the state are ignored.
    tracker.onEvent({ ...done('b1-2'), id: '1-1' });
    await clock.advance(5000);
    expect(platform.videos).toHaveLength(1);
  });

  it('waits out 429 and moves to a fresh message when the old one is gone', async () => {
    const { clock, platform, tracker } = setup();
    let calls = 0;
    platform.failEdit = () => {
      calls++;
      if (calls === 1) return new RateLimitedError(8000);
      if (calls === 2) return new MessageGoneError('message to edit not found');
      return null;
    };
    tracker.onEvent(ev('started', { clipId: 'b1-1', attempt: 1 }));
    await flush();
    expect(platform.edits).toHaveLength(0);
    await clock.advance(7999);
    expect(calls).toBe(1);
    await clock.advance(1);
    // The second attempt found the message gone: the text was posted anew and later edits go there.
    expect(platform.texts).toHaveLength(1);
    expect(tracker.ref.messageId).toBe('100');
    tracker.onEvent(progress(50));
    await clock.advance(3000);
    expect(platform.edits.at(-1)!.ref.messageId).toBe('100');
  });
});
