import { EventEmitter } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchState } from '../../src/queue/types.js';
import { createStudioEvents, MAX_UNSENT_BYTES, type StudioEvents } from '../../src/web/studio/events.js';
import type { StudioSession } from '../../src/web/studio/sessions.js';
import type { BatchView } from '../../src/web/studio/views.js';
import { silentLog } from '../queue/harness.js';

/** A hijackable reply whose raw response records what is written. */
function fakeStream() {
  const raw = Object.assign(new EventEmitter(), {
    frames: [] as string[],
    writableEnded: false,
    writableLength: 0,
    destroyed: false,
    destroy() {
      raw.destroyed = true;
      raw.emit('close');
    },
    writeHead: vi.fn(),
    write(text: string) {
      raw.frames.push(text);
      return true;
    },
    end() {
      raw.writableEnded = true;
      raw.emit('close');
    },
  });
  const reply = { raw, hijack: vi.fn(), code: vi.fn(), header: vi.fn(), send: vi.fn() } as unknown as FastifyReply;
  (reply.code as unknown as ReturnType<typeof vi.fn>).mockReturnValue(reply);
  (reply.header as unknown as ReturnType<typeof vi.fn>).mockReturnValue(reply);
  const request = { raw: new EventEmitter() } as unknown as FastifyRequest;
  const batches = () => raw.frames.filter((f) => f.startsWith('event: batch')).map((f) => JSON.parse(f.split('\n')[1]!.slice(6)) as BatchView);
  return { raw, reply, request, batches };
}

function batch(batchId: string, userId: string, done: number): BatchState {
  return {
    batchId,
    owner: { platform: 'telegram', userId },
    replyTo: null,
    options: {},
    audio: 'a.wav',
    status: 'running',
    createdAt: 0,
    finishedAt: null,
    summary: { total: 5, done, failed: 0, cancelled: 0 },
    clips: [],
    lastEventId: null,
  };
}

function session(userId: string, locale: 'en' | 'zh-CN' = 'en'): StudioSession {
  return { id: `s-${userId}`, owner: { platform: 'telegram', userId }, ownerRef: `telegram:${userId}`, locale, csrf: 'c', createdAt: 0 };
}

describe('studio live events', () => {
  let events: StudioEvents | undefined;
  afterEach(() => {
    events?.close();
    vi.useRealTimers();
  });

  it('sends a burst of changes as at most one snapshot per throttle window, the latest state last, to the owner only', async () => {
    vi.useFakeTimers();
    let done = 0;
    const getBatch = vi.fn(async (id: string) => batch(id, 'ann', done));
    events = createStudioEvents({
      queue: { getBatch, batchPositions: async () => [], batchLog: async () => [], listBatches: async () => ({ total: 0, batches: [] }) },
      log: silentLog,
      throttleMs: 500,
    });
    const ann = fakeStream();
    const ben = fakeStream();
    await events.attach(ann.request, ann.reply, session('ann'));
    await events.attach(ben.request, ben.reply, session('ben'));
    expect(ann.raw.frames[0]).toBe('retry: 3000\n\n');

    // 20 progress events within 200 ms: one snapshot now, one when the window ends (with the last state).
    for (let i = 1; i <= 20; i++) {
      done = i;
      events.onQueueEvent({ batchId: 'b1' });
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(ann.batches()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(ann.batches()).toHaveLength(2);
    expect(ann.batches()[1]!.summary.done).toBe(20);
    // Quiet afterwards: no more snapshots, and the window is gone (the next event is sent at once).
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ann.batches()).toHaveLength(2);
    events.onQueueEvent({ batchId: 'b1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(ann.batches()).toHaveLength(3);
    expect(ben.batches()).toHaveLength(0);
  });

  it('pings every 20 s and forgets a stream when its connection closes', async () => {
    vi.useFakeTimers();
    events = createStudioEvents({
      queue: { getBatch: async (id) => batch(id, 'ann', 1), batchPositions: async () => [], batchLog: async () => [], listBatches: async () => ({ total: 0, batches: [] }) },
      log: silentLog,
    });
    const ann = fakeStream();
    await events.attach(ann.request, ann.reply, session('ann'));
    expect(events.streamCount('telegram:ann')).toBe(1);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(ann.raw.frames).toContain(': ping\n\n');
    ann.raw.emit('close');
    expect(events.streamCount()).toBe(0);
    const before = ann.raw.frames.length;
    await vi.advanceTimersByTimeAsync(60_000);
    events.onQueueEvent({ batchId: 'b1' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ann.raw.frames.length).toBe(before);
  });

  it('drops a stream that stopped reading instead of buffering its updates without end', async () => {
    vi.useFakeTimers();
    events = createStudioEvents({
      queue: { getBatch: async (id) => batch(id, 'ann', 1), batchPositions: async () => [], batchLog: async () => [], listBatches: async () => ({ total: 0, batches: [] }) },
      log: silentLog,
    });
    const reading = fakeStream();
    const stuck = fakeStream();
    await events.attach(reading.request, reading.reply, session('ann'));
    await events.attach(stuck.request, stuck.reply, session('ann'));
    stuck.raw.writableLength = MAX_UNSENT_BYTES + 1;
    events.onQueueEvent({ batchId: 'b1' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reading.batches()).toHaveLength(1);
    expect(stuck.batches()).toHaveLength(0);
    expect(stuck.raw.destroyed).toBe(true);
    expect(events.streamCount('telegram:ann')).toBe(1);
  });

  it('words each snapshot in each stream’s language and starts a new stream with the user’s running batches', async () => {
    const running = batch('b9', 'ann', 2);
    events = createStudioEvents({
      queue: {
        getBatch: async () => running,
        batchPositions: async () => [],
        batchLog: async () => [],
        listBatches: async () => ({ total: 2, batches: [running, { ...batch('b8', 'ann', 5), status: 'finished' }] }),
      },
      log: silentLog,
    });
    const en = fakeStream();
    const zh = fakeStream();
    await events.attach(en.request, en.reply, session('ann'));
    await events.attach(zh.request, zh.reply, session('ann', 'zh-CN'));
    expect(en.batches().map((b) => b.batchId)).toEqual(['b9']);
    expect(en.batches()[0]!.createdText).toBe(new Date(0).toUTCString());
    expect(zh.batches()[0]!.createdText).toContain('1970年');
  });
});
