import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../support/fakeDiscord.js';
import { PORTRAIT, SPEECH } from '../../support/media.js';
import { ana, bob, DiscordWorld, until, WAIT_MS } from './harness.js';

const buttonOf = (m: FakeMessage, prefix: string) => m.components.flatMap((r) => r.components).find((b) => b.custom_id?.startsWith(prefix));

/** Buttons, rate limits and conversational mode, with a worker whose renders only sleep. */
describe('discord bot interactions', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  async function startBatch(world: DiscordWorld, renderMs: number, needCancel = true) {
    await world.q.startWorker(renderMs);
    await world.startBot();
    const d = world.discord;
    d.slash({ user: ana, name: 'lipsync', attachments: { audio: await d.attachment(SPEECH), video: await d.attachment(PORTRAIT) } });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    const status = await until('a status message with a Cancel button', () => {
      const m = d.channelMessages(thread.id)[0];
      return m && (!needCancel || buttonOf(m, 'k:')) ? m : undefined;
    });
    return { d, thread, status };
  }

  it('Cancel: refused politely and privately for another user, done for the owner', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('cancel');
    const { d, status } = await startBatch(w, 60_000);
    const cancel = buttonOf(status, 'k:')!.custom_id!;

    const byBob = d.press({ user: bob, message: status, customId: cancel });
    await until('bob refused', () => byBob.original?.content);
    expect(byBob.original!.interaction?.ephemeral).toBe(true);
    expect(byBob.original!.content).toMatch(/Only the person who started this batch/);

    const byAna = d.press({ user: ana, message: status, customId: cancel });
    await until('ana answered', () => byAna.original?.content);
    expect(byAna.original!.interaction?.ephemeral).toBe(true);
    expect(byAna.original!.content).toMatch(/Cancelling/);
    await until('the status shows the cancel', () => /Cancelled/.test(status.content) && status.components.length === 0);
  });

  it('a moderator may cancel another user’s batch', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('modcancel');
    const { d, status } = await startBatch(w, 60_000);
    const press = d.press({ user: bob, message: status, customId: buttonOf(status, 'k:')!.custom_id!, permissions: 1n << 13n /* ManageMessages */ });
    await until('answered', () => press.original?.content);
    expect(press.original!.content).toMatch(/Cancelling/);
    await until('the status shows the cancel', () => /Cancelled/.test(status.content));
  });

  it('honours a 429 on status edits: waits retry_after, then shows the latest state', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('ratelimit');
    w.discord.rateLimitEdits(2, 1.5);
    const { d, thread, status } = await startBatch(w, 1500, false);
    await until('the final batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('All clips of this batch')));
    await until('the status shows done', () => /Done/.test(status.content));
    const edits = d.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/messages/${status.id}`));
    const limited = edits.filter((c) => c.status === 429);
    expect(limited).toHaveLength(2);
    for (const l of limited) {
      const next = edits.find((c) => c.at > l.at);
      expect(next, 'an edit after the 429').toBeDefined();
      expect(next!.at - l.at).toBeGreaterThanOrEqual(1400);
    }
  });

  it('conversational mode: /lipsync without files opens a thread, collects messages, Render queues', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('conversation');
    await w.q.startWorker(300);
    await w.startBot();
    const d = w.discord;
    const rec = d.slash({ user: ana, name: 'lipsync' });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    expect(rec.original?.content).toMatch(/opened a lipsync session/);
    const help = await until('the help in the thread', () => d.channelMessages(thread.id)[0]);
    expect(help.content).toMatch(/Send an audio/);

    d.postMessage({ user: ana, channelId: thread.id, attachments: [await d.attachment(SPEECH)] });
    await until('audio acknowledged', () => d.channelMessages(thread.id).find((m) => /Audio set/.test(m.content)));
    // Another user's files in the same thread start their own session, not ana's.
    d.postMessage({ user: bob, channelId: thread.id, attachments: [await d.attachment(PORTRAIT)] });
    await until('bob acknowledged', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('bob: Template 1 added')));
    d.postMessage({ user: ana, channelId: thread.id, attachments: [await d.attachment(PORTRAIT)] });
    const ack = await until('template acknowledged with Render', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('ana: Template 1 added') && buttonOf(m, 'r:')));

    // Bob cannot press ana's Render.
    const bobPress = d.press({ user: bob, message: ack, customId: buttonOf(ack, 'r:')!.custom_id! });
    await until('bob refused', () => bobPress.original?.content);
    expect(bobPress.original!.content).toMatch(/belong to someone else/);

    d.press({ user: ana, message: ack, customId: buttonOf(ack, 'r:')!.custom_id! });
    await until('the final batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('All clips of this batch')));
    expect(d.channelMessages(thread.id).some((m) => m.attachments.length === 1)).toBe(true);

    const history = d.slash({ user: ana, name: 'lipsync-history', channelId: thread.id });
    await until('history answered', () => history.original?.content);
    expect(history.original!.interaction?.ephemeral).toBe(true);
    expect(history.original!.content).toMatch(/Your recent batches/);
  });

  it('restart-safe: a new bot process resumes editing the status message and delivers once', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('restart');
    const { d, thread, status } = await startBatch(w, 4000);
    await w.bot!.stop();
    const editsBefore = status.history.length;
    await w.startBot();
    await until('the final batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('All clips of this batch')));
    await until('the status shows done', () => /Done/.test(status.content));
    expect(status.history.length).toBeGreaterThan(editsBefore);
    expect(d.channelMessages(thread.id).filter((m) => m.attachments.length > 0)).toHaveLength(1);
  });
});
