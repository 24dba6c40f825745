import { afterEach, describe, expect, it } from 'vitest';
import { runRegister } from '../../../src/cli/commands/register.js';
import { FakeDiscord } from '../../support/fakeDiscord.js';
import { PORTRAIT } from '../../support/media.js';
import { ana, DiscordWorld, until } from './harness.js';

describe('discord bot against the fake gateway and REST', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('logs in through GET /gateway/bot, and registers the commands in the guild', async () => {
    w = await DiscordWorld.create('login');
    await w.startBot();
    expect(w.discord.identifies).toHaveLength(1);
    expect(w.discord.identifies[0]!.intents & (1 << 15)).not.toBe(0);
    const put = w.discord.commands[0]!;
    expect(put.route).toBe(`/applications/${w.discord.applicationId}/guilds/${w.discord.guildId}/commands`);
    const names = (put.body as { name: string }[]).map((c) => c.name);
    expect(names).toEqual(['lipsync', 'lipsync-history', 'lipsync-status', 'lipsync-cancel', 'lipsync-studio']);
    const lipsync = (put.body as { name: string; options: { name: string; type: number }[] }[])[0]!;
    expect(lipsync.options.filter((o) => o.type === 11).map((o) => o.name)).toEqual(['audio', 'video', ...Array.from({ length: 9 }, (_, i) => `video${i + 2}`)]);
  });

  it('refuses an unsupported attachment ephemerally and queues nothing', async () => {
    w = await DiscordWorld.create('unsupported');
    await w.startBot();
    const audio = await w.discord.attachment({ name: 'notes.txt', data: Buffer.from('hello') });
    const video = await w.discord.attachment(PORTRAIT);
    const rec = w.discord.slash({ user: ana, name: 'lipsync', attachments: { audio, video } });
    const refusal = await until('an ephemeral refusal', () => rec.followUps.find((f) => f.interaction?.ephemeral));
    expect(refusal.content).toMatch(/notes\.txt.*not something I can use/);
    expect(rec.callbacks[0]!.type).toBe(5);
    await until('the public reply removed', () => rec.original?.deleted);
    expect(w.discord.threads.size).toBe(0);
    expect(await w.q.queue.listActiveBatches()).toHaveLength(0);
    // The token appears in no log line and no message.
    expect(w.logLines.length).toBeGreaterThan(0);
    expect(w.logLines.join('\n')).not.toContain(w.discord.token);
    expect([...w.discord.messages.values()].some((m) => m.history.join('\n').includes(w!.discord.token))).toBe(false);
  });

  it('lipsync register: registers globally without DISCORD_GUILD_ID', async () => {
    const d = new FakeDiscord();
    await d.start();
    try {
      const out: string[] = [];
      await runRegister({ DISCORD_TOKEN: d.token, DISCORD_APPLICATION_ID: d.applicationId, DISCORD_API_ROOT: d.apiRoot }, (l) => out.push(l));
      expect(d.commands[0]!.route).toBe(`/applications/${d.applicationId}/commands`);
      expect(out.join('\n')).toMatch(/Registered 5 commands globally/);
    } finally {
      await d.stop();
    }
  });
});
