import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { plainText } from '../../../src/bots/discord/markdown.js';
import { livenessReport } from '../../../src/web/liveness.js';
import type { FakeMessage } from '../../support/fakeDiscord.js';
import { makeMovingTemplate, SPEECH } from '../../support/media.js';
import { RedisMonitor } from '../../support/redisMonitor.js';
import { ana, bob, DiscordWorld, until, WAIT_MS } from './harness.js';

const buttonOf = (m: FakeMessage, prefix: string) => m.components.flatMap((r) => r.components).find((b) => b.custom_id?.startsWith(prefix));
const MANAGE_MESSAGES = 1n << 13n;

describe('plain text on Discord', () => {
  it('escapes markdown in names but leaves links untouched', () => {
    const link = 'http://links.test/c/bm1abc-1?e=1796190000&s=ab_cd*ef';
    const out = plainText(`Template **@everyone**.mp4 added by __ana__ [x](https://evil.example) ${link}`);
    expect(out).toContain('\\*\\*@everyone\\*\\*.mp4');
    expect(out).toContain('\\_\\_ana\\_\\_');
    expect(out).not.toContain('[x](');
    expect(out.endsWith(` ${link}`)).toBe(true);
  });
});

/** Who may do what on Discord: no pings, no markdown from user names, moderators only in their channel, ids checked. */
describe('discord bot hardening', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('every message and edit disables mentions; a file named **@everyone**.mp4 is shown escaped', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('mentions');
    await w.q.startWorker(200);
    const bot = await w.startBot();
    expect(bot.client.options.allowedMentions).toEqual({ parse: [] });
    const d = w.discord;
    const clip = makeMovingTemplate(path.join(w.tempDir, 'face.mp4'), { seconds: 1, fps: 10, size: 160 });
    const video = await d.attachment({ name: '**@everyone**.mp4', data: await readFile(clip) }, 'video/mp4');
    d.slash({ user: ana, name: 'lipsync', attachments: { audio: await d.attachment(SPEECH), video } });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    await until('the final batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('All clips of this batch')));
    const status = d.channelMessages(thread.id)[0]!;
    await until('the status shows done', () => /Done/.test(status.content));

    const withContent = d.payloads.filter((p) => typeof p.body.content === 'string' && p.body.content !== '');
    expect(withContent.filter((p) => p.method === 'PATCH' && /\/channels\/\d+\/messages\/\d+$/.test(p.path)).length).toBeGreaterThan(0);
    expect(withContent.filter((p) => p.method === 'POST' && /\/channels\/\d+\/messages$/.test(p.path)).length).toBeGreaterThan(0);
    for (const p of withContent) expect(p.body.allowed_mentions, `${p.method} ${p.path}`).toEqual({ parse: [] });

    const shown = [...d.messages.values()].flatMap((m) => m.history);
    expect(shown.some((t) => t.includes('\\*\\*@everyone\\*\\*.mp4'))).toBe(true);
    expect(shown.filter((t) => t.includes('**@everyone**'))).toEqual([]);
  });

  it('a moderator cannot cancel another channel’s batch; a malformed id never reaches Redis', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('forged');
    await w.q.startWorker(60_000);
    await w.startBot();
    const d = w.discord;
    d.slash({ user: ana, name: 'lipsync', attachments: { audio: await d.attachment(SPEECH), video: await d.attachment(await makeFace(w)) } });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    const status = await until('a status message with a Cancel button', () => {
      const m = d.channelMessages(thread.id)[0];
      return m && buttonOf(m, 'k:') ? m : undefined;
    });
    const cancel = buttonOf(status, 'k:')!.custom_id!;
    const batchId = cancel.slice(2);

    // Bob moderates the parent channel, and presses ana's Cancel from there (a crafted or copied button).
    const forged = d.press({ user: bob, message: { ...status, channel_id: d.channelId }, customId: cancel, permissions: MANAGE_MESSAGES });
    await until('the forged cancel answered', () => forged.original?.content);
    expect(forged.original!.content).toMatch(/Only the person who started this batch/);
    const batch = await w.q.queue.getBatch(batchId);
    expect(batch!.clips.map((c) => c.status)).not.toContain('cancelled');

    // Malformed ids are refused before anything is looked up.
    const monitor = await RedisMonitor.start();
    try {
      for (const customId of ['k:bEVIL*', `k:bEVIL${'x'.repeat(70)}`, `x:${ana.id}:EVIL`, 'r:EVIL']) {
        const press = d.press({ user: bob, message: status, customId, permissions: MANAGE_MESSAGES });
        await until(`${customId} answered`, () => press.original?.content);
        expect(press.original!.content).toBe('That button is out of date.');
      }
      // MONITOR reports commands in order: once this one shows up, every earlier command has too.
      const sentinel = `sentinel-${Date.now()}`;
      await w.q.redis.exists(sentinel);
      await until('the sentinel in MONITOR', () => monitor.sawCommandWith(sentinel));
    } finally {
      monitor.stop();
    }
    expect(monitor.linesWith('EVIL')).toEqual([]);
  });
});

async function makeFace(w: DiscordWorld): Promise<string> {
  return makeMovingTemplate(path.join(w.tempDir, 'face.mp4'), { seconds: 1, fps: 10, size: 160 });
}

describe('discord gateway liveness', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('connected → /healthz ok; closed for good (4004 authentication failed) → not ok and onFatal', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('fatal');
    let onFatal!: (err: Error) => void;
    const fatal = new Promise<Error>((resolve) => (onFatal = resolve));
    await w.startBot({}, onFatal);
    expect(livenessReport().discord).toMatchObject({ ok: true, state: 'connected' });
    // The token was reset in the Developer Portal: Discord closes the gateway with 4004.
    for (const ws of (w.discord as unknown as { sockets: Set<WebSocket> }).sockets) ws.close(4004, 'Authentication failed.');
    const err = await fatal;
    expect(err.message).toMatch(/4004/);
    expect(livenessReport().discord).toMatchObject({ ok: false });
    await w.bot!.stop();
    expect(livenessReport().discord).toBeUndefined();
  });
});
