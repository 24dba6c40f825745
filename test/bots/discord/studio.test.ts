import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioLinksFor } from '../../../src/bots/studioLinks.js';
import { verifyStudioSignIn } from '../../../src/web/index.js';
import type { FakeUser, InteractionRecord } from '../../support/fakeDiscord.js';
import { snowflake } from '../../support/fakeDiscord.js';
import { SPEECH } from '../../support/media.js';
import { ana, DiscordWorld, until } from './harness.js';

const SECRET = 'd'.repeat(48);
const linkPattern = /http:\/\/studio\.test\/studio\/login\?t=[A-Za-z0-9_.-]+/;
const EPHEMERAL = 64;

function claimsIn(text: string) {
  const url = linkPattern.exec(text)?.[0];
  expect(url, text).toBeDefined();
  const check = verifyStudioSignIn(SECRET, new URL(url!).searchParams.get('t') ?? '', Math.floor(Date.now() / 1000));
  if (!check.ok) throw new Error(`the link does not verify (${check.reason}): ${url}`);
  return check.claims;
}

/** Every interaction answer is private: the deferred reply was ephemeral, and so is the message it became. */
function expectEphemeral(rec: InteractionRecord): void {
  expect(rec.callbacks.length).toBeGreaterThan(0);
  for (const cb of rec.callbacks) expect(cb.flags & EPHEMERAL, JSON.stringify(rec.callbacks)).toBe(EPHEMERAL);
  expect(rec.original?.interaction?.ephemeral).toBe(true);
}

/** /lipsync-studio and the studio offer on too-large files, against the fake Discord with the real discord.js client. */
describe('discord bot: studio sign-in links', () => {
  let w: DiscordWorld;
  const mei: FakeUser = { id: snowflake(), username: 'mei', locale: 'zh-CN' };

  beforeAll(async () => {
    w = await DiscordWorld.create('studio');
    w.studio = studioLinksFor({ linkSecret: SECRET, publicUrl: 'http://studio.test' });
    // Small enough that any real file is over it; the slash command and thread messages both refuse before downloading.
    await w.startBot({ maxDownloadBytes: 4096 });
  }, 120_000);
  afterAll(async () => {
    await w?.close();
  });

  it('is registered with the other slash commands, described in English and Chinese', () => {
    const put = w.discord.commands[0]!.body as { name: string; description: string; description_localizations?: Record<string, string> }[];
    const studio = put.find((c) => c.name === 'lipsync-studio');
    expect(studio?.description).toMatch(/web studio/);
    expect(studio?.description_localizations?.['zh-CN']).toMatch(/网页工作室/);
  });

  it('/lipsync-studio answers ephemerally (flags 64) with a personal link that verifies, in the user’s language', async () => {
    const rec = w.discord.slash({ user: ana, name: 'lipsync-studio' });
    const content = await until('the answer', () => rec.original?.content);
    expectEphemeral(rec);
    expect(content).toMatch(/works once and expires in 15 minutes/);
    expect(claimsIn(content)).toMatchObject({ owner: { platform: 'discord', userId: ana.id }, locale: 'en' });
    // Nothing was posted in the channel.
    expect(w.discord.channelMessages(w.discord.channelId).some((m) => linkPattern.test(m.content))).toBe(false);

    const zh = w.discord.slash({ user: mei, name: 'lipsync-studio' });
    const zhContent = await until('the Chinese answer', () => zh.original?.content);
    expectEphemeral(zh);
    expect(zhContent).toMatch(/个人登录链接/);
    expect(claimsIn(zhContent)).toMatchObject({ owner: { platform: 'discord', userId: mei.id }, locale: 'zh-CN' });
  });

  it('/lipsync with a file over the download limit: the private refusal carries the studio link', async () => {
    const d = w.discord;
    const rec = d.slash({ user: ana, name: 'lipsync', attachments: { audio: await d.attachment(SPEECH), video: await d.attachment({ name: 'big.mp4', data: Buffer.alloc(8192) }) } });
    const refusal = await until('the refusal', () => rec.followUps.find((m) => /Nothing was queued/.test(m.content)));
    expect(refusal.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refusal.content).toMatch(/You can upload it in the web studio instead/);
    expect(claimsIn(refusal.content).owner).toEqual({ platform: 'discord', userId: ana.id });
  });

  it('a too-large file posted in a session thread: the public refusal names /lipsync-studio, without a link', async () => {
    const d = w.discord;
    d.slash({ user: ana, name: 'lipsync' });
    const thread = await until('a thread', () => d.threadsOf(d.channelId).at(-1));
    d.postMessage({ user: ana, channelId: thread.id, attachments: [await d.attachment({ name: 'big.mp4', data: Buffer.alloc(8192) })] });
    const refusal = await until('the refusal', () => d.channelMessages(thread.id).find((m) => /too large|is 8 KB/.test(m.content)));
    expect(refusal.content).toMatch(/Larger files can be uploaded in the web studio: \/lipsync-studio gives you a personal link/);
    expect(d.channelMessages(thread.id).some((m) => /studio\/login|\?t=/.test(m.content))).toBe(false);
  });

  it('without a web server /lipsync-studio says the studio is not available', async () => {
    await w.bot!.stop();
    w.studio = null;
    await w.startBot();
    const rec = w.discord.slash({ user: ana, name: 'lipsync-studio' });
    const content = await until('the answer', () => rec.original?.content);
    expectEphemeral(rec);
    expect(content).toMatch(/web studio is not available here/);
  });
});
