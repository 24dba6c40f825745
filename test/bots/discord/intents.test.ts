import { afterEach, describe, expect, it } from 'vitest';
import { discordWords } from '../../../src/bots/discord/wording.js';
import { ana, DiscordWorld, until } from './harness.js';

const MESSAGE_CONTENT = 1 << 15;

/** Without the privileged Message Content intent the bot still starts, in slash-command mode, and says so once. */
describe('discord bot without the Message Content intent', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  const warnings = (world: DiscordWorld) => world.logLines.filter((l) => l.includes('SLASH COMMANDS ONLY'));

  async function expectSlashOnly(world: DiscordWorld): Promise<void> {
    const rec = world.discord.slash({ user: ana, name: 'lipsync' });
    await until('the reply', () => rec.callbacks[0]);
    expect(rec.callbacks[0]).toMatchObject({ type: 4, content: discordWords.conversationDisabled });
    expect(rec.callbacks[0]!.flags & 64).not.toBe(0);
    expect(world.discord.threads.size).toBe(0);
  }

  it('the gateway closes with 4014 "disallowed intents": logs in again without it and answers slash commands', async () => {
    w = await DiscordWorld.create('intent-4014');
    w.discord.refuseMessageContent = true;
    const bot = await w.startBot();
    expect(w.discord.identifies.map((i) => (i.intents & MESSAGE_CONTENT) !== 0)).toEqual([true, false]);
    expect(bot.client.isReady()).toBe(true);
    expect(warnings(w)).toHaveLength(1);
    expect(JSON.parse(warnings(w)[0]!).level).toBe(40);
    await expectSlashOnly(w);
  });

  it('the application lacks the intent flag: starts without asking for it', async () => {
    w = await DiscordWorld.create('intent-flags');
    w.discord.appFlags = 0;
    await w.startBot();
    expect(w.discord.identifies.map((i) => (i.intents & MESSAGE_CONTENT) !== 0)).toEqual([false]);
    expect(warnings(w)).toHaveLength(1);
    await expectSlashOnly(w);
  });
});
