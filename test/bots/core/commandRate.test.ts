import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueuePort } from '../../../src/bots/core/batches.js';
import { ConversationCore } from '../../../src/bots/core/conversation.js';
import type { ButtonPress, ChatContext } from '../../../src/bots/core/incoming.js';
import type { MediaInspector } from '../../../src/bots/core/inspect.js';
import type { ChatAddress, ChatPlatform, MessageRef, OutgoingMessage } from '../../../src/bots/core/platform.js';
import { MemoryTrackingStore } from '../../../src/bots/core/tracking.js';
import { words } from '../../../src/bots/core/wording.js';
import { sessionKeyboard } from '../../../src/bots/core/actions.js';
import { FakeClock } from '../../support/fakeClock.js';

class Replies implements ChatPlatform {
  readonly name = 'test';
  readonly limits = { uploadBytes: 1e9, downloadBytes: 1e9, downloadLimitLiftable: false, editIntervalMs: 3000, maxTextLength: 4096 };
  readonly texts: string[] = [];
  async sendText(to: ChatAddress, m: OutgoingMessage): Promise<MessageRef> {
    this.texts.push(m.text);
    return { chatId: to.chatId, messageId: String(this.texts.length) };
  }
  async editText(): Promise<void> {}
  async sendVideo(): Promise<void> {}
}

describe('per-user command rate limit', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lets a burst of Render/cancel through, then refuses politely until the bucket refills; other users are not affected', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rate-'));
    const clock = new FakeClock();
    const platform = new Replies();
    const core = new ConversationCore({
      platform,
      queue: {} as QueuePort,
      tracking: new MemoryTrackingStore(),
      inspector: {} as MediaInspector,
      links: null,
      limits: { maxClips: 5, maxAudioSeconds: 60, maxTemplateSeconds: 60 },
      tempDir: dir,
      log: pino({ level: 'silent' }),
      clock,
      commandRate: { burst: 2, perMinute: 6 },
    });
    const ctx = (userId: string): ChatContext => ({ platform: 'test', address: { chatId: '7' }, userId, userName: userId, isGroup: false });
    const alice = ctx('101');
    const missing = words.missingForRender(false, 0);

    await core.onCommand(alice, 'render');
    await core.onCommand(alice, 'cancel');
    await core.onCommand(alice, 'render');
    expect(platform.texts).toEqual([missing, words.nothingToCancel, words.slowDown(10)]);
    // Help and status are never limited.
    await core.onCommand(alice, 'status');
    expect(platform.texts.at(-1)).toBe(words.noStatus);

    // The Render button shares the bucket: refused in its answer, nothing posted.
    const answers: (string | undefined)[] = [];
    const render = sessionKeyboard('101', 0)[0]![0]!.action;
    const press: ButtonPress = { action: render, message: { chatId: '7', messageId: '1' }, answer: async (t?: string) => void answers.push(t) };
    await clock.advance(5_000);
    await core.onButton(alice, press);
    expect(answers).toEqual([words.slowDown(5)]);

    // Another user has their own bucket.
    await core.onCommand(ctx('102'), 'render');
    expect(platform.texts.at(-1)).toBe(missing);

    // One token back after 10 s (6 per minute).
    await clock.advance(5_000);
    const before = platform.texts.length;
    await core.onCommand(alice, 'render');
    expect(platform.texts.slice(before)).toEqual([missing]);
    await core.stop();
  });
});
