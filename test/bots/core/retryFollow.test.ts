import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchRegistry, type QueuePort } from '../../../src/bots/core/batches.js';
import type { ChatAddress, ChatPlatform, MessageRef, OutgoingMessage, VideoUpload } from '../../../src/bots/core/platform.js';
import { MemoryTrackingStore } from '../../../src/bots/core/tracking.js';
import type { BatchState, ClipState, QueueEvent } from '../../../src/queue/index.js';
import { FakeClock } from '../../support/fakeClock.js';
import { waitUntil } from '../../support/wait.js';

/** Remembers the last text of each message. */
class Chat implements ChatPlatform {
  readonly name = 'telegram';
  readonly limits = { uploadBytes: 1e9, downloadBytes: 1e9, downloadLimitLiftable: false, editIntervalMs: 0, maxTextLength: 4096 };
  readonly shown = new Map<string, string>();
  async sendText(to: ChatAddress): Promise<MessageRef> {
    return { chatId: to.chatId, messageId: 'new' };
  }
  async editText(ref: MessageRef, m: OutgoingMessage): Promise<void> {
    this.shown.set(`${ref.chatId}/${ref.messageId}`, m.text);
  }
  async sendVideo(_to: ChatAddress, _v: VideoUpload): Promise<void> {}
}

const created = Date.UTC(2026, 11, 2, 9);

function clip(index: number, over: Partial<ClipState>): ClipState {
  return {
    clipId: `b1-${index + 1}`, batchId: 'b1', index, template: `v${index + 1}.mp4`, status: 'done', attempts: 1, progress: null,
    output: null, error: null, createdAt: created, startedAt: null, finishedAt: null, ...over,
  };
}

function batchOf(platform: string, retriedAt: number): BatchState {
  const clips = [clip(0, { status: 'done' }), clip(1, { status: 'queued', createdAt: retriedAt })];
  return {
    batchId: 'b1', owner: { platform: 'telegram', userId: '7' }, locale: 'en', options: {}, audio: 'song.ogg', status: 'running',
    replyTo: { platform, chatId: '7', messageId: '42', userId: '7', prefix: '' },
    createdAt: created, finishedAt: null, summary: { total: 2, done: 1, failed: 0, cancelled: 0 }, clips, lastEventId: null,
  };
}

describe('a chat batch retried in the studio', () => {
  let registry: BatchRegistry | undefined;
  afterEach(async () => {
    await registry?.stop();
    registry = undefined;
  });

  async function start(state: BatchState): Promise<{ chat: Chat; emit: (e: QueueEvent) => void; lookups: () => number }> {
    const chat = new Chat();
    let emit: (e: QueueEvent) => void = () => undefined;
    let lookups = 0;
    const queue = {
      subscribe: async (fn: (e: QueueEvent) => void) => ((emit = fn), { close: async () => undefined }),
      getBatch: async () => (lookups++, state),
      listActiveBatches: async () => [],
      positions: async () => [],
    } as unknown as QueuePort;
    registry = new BatchRegistry({ platform: chat, queue, tracking: new MemoryTrackingStore(), links: null, clock: new FakeClock(), log: pino({ level: 'silent' }), positionRefreshMs: 3_600_000 });
    await registry.start();
    return { chat, emit: (e) => emit(e), lookups: () => lookups };
  }

  const queued = (clipId: string): QueueEvent => ({ id: '1-1', batchId: 'b1', at: 0, type: 'queued', clipId, position: 1, etaSeconds: null });

  it('is followed by the bot again: its progress message shows the clip waiting', async () => {
    const { chat, emit } = await start(batchOf('telegram', created + 60_000));
    emit(queued('b1-2'));
    await waitUntil('the bot to follow the batch again', () => registry!.get('b1'));
    await waitUntil('the progress message to show the clip back in line', () => (chat.shown.get('7/42') ?? '').includes('v2.mp4') || undefined);
  });

  it('leaves alone a clip queued by a submission in progress (the submitter follows it) and other platforms’ batches', async () => {
    const inFlight = await start(batchOf('telegram', created));
    inFlight.emit(queued('b1-2'));
    await waitUntil('the lookup', () => inFlight.lookups() > 0 || undefined);
    await new Promise((r) => setImmediate(r));
    expect(registry!.get('b1')).toBeUndefined();
    await registry!.stop();

    const studio = await start(batchOf('studio', created + 60_000));
    studio.emit(queued('b1-2'));
    await waitUntil('the lookup', () => studio.lookups() > 0 || undefined);
    await new Promise((r) => setImmediate(r));
    expect(registry!.get('b1')).toBeUndefined();
  });
});
