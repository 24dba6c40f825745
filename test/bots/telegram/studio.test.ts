import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStudioSignIn } from '../../../src/web/index.js';
import type { BotMessage, FakeChat, FakeUser } from '../../support/fakeTelegram.js';
import { alice, BotHarness, dmWith, group } from './botHarness.js';

const SECRET = 's'.repeat(48);
const PUBLIC_URL = 'http://studio.test';
const linkPattern = /http:\/\/studio\.test\/studio\/login\?t=[A-Za-z0-9_.-]+/;

/** The sign-in link in a message, checked the way the web server checks it. */
function claimsIn(text: string) {
  const url = linkPattern.exec(text)?.[0];
  expect(url, text).toBeDefined();
  const token = new URL(url!).searchParams.get('t') ?? '';
  const check = verifyStudioSignIn(SECRET, token, Math.floor(Date.now() / 1000));
  if (!check.ok) throw new Error(`the link does not verify (${check.reason}): ${url}`);
  return check.claims;
}

/** /studio and the studio offer on too-large files, against the fake Bot API with the real telegraf client. */
describe('telegram bot: studio sign-in links', () => {
  let h: BotHarness;
  const carol: FakeUser = { id: 1004, first_name: 'Carol' };
  const mei: FakeUser = { id: 1005, first_name: '小美', language_code: 'zh-hans' };

  beforeAll(async () => {
    h = await BotHarness.create('tg-studio');
    await h.startBot({ LINK_SECRET: SECRET, PUBLIC_URL });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  /** The newest bot message in `chat` that matches. */
  const next = (chat: FakeChat, match: RegExp) => h.waitMessage(chat, match);
  const groupTexts = () => h.tg.messagesIn(group.id).map((m: BotMessage) => m.text);

  it('/studio in a private chat: a personal, one-use link that verifies, for this Telegram user, in their language', async () => {
    const start = Date.now();
    h.tg.sendText(alice, dmWith(alice), '/studio');
    const reply = await next(dmWith(alice), /studio\/login/);
    expect(reply.text).toMatch(/personal sign-in link/);
    expect(reply.text).toMatch(/works once and expires in 15 minutes/);
    const claims = claimsIn(reply.text);
    expect(claims.owner).toEqual({ platform: 'telegram', userId: String(alice.id) });
    expect(claims.locale).toBe('en');
    expect(claims.expiresAt).toBeGreaterThanOrEqual(Math.floor(start / 1000) + 900 - 1);
    expect(claims.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 900);

    h.tg.sendText(mei, dmWith(mei), '/studio');
    const zh = await next(dmWith(mei), /studio\/login/);
    expect(zh.text).toMatch(/个人登录链接/);
    expect(zh.text).toMatch(/15 分钟后失效/);
    expect(claimsIn(zh.text)).toMatchObject({ owner: { platform: 'telegram', userId: String(mei.id) }, locale: 'zh-CN' });
  });

  it('the help names /studio, and the command menu lists it', async () => {
    h.tg.sendText(alice, dmWith(alice), '/help');
    await next(dmWith(alice), /\/studio gives you a personal link to the web studio/);
    const menus = h.tg.calls.filter((c) => c.method === 'setMyCommands').map((c) => JSON.stringify(c.params));
    expect(menus.length).toBeGreaterThan(0);
    for (const m of menus) expect(m).toContain('"command":"studio"');
  });

  it('/studio in a group: the link goes to the private chat, never into the group', async () => {
    const linksBefore = h.tg.messagesIn(alice.id).filter((m) => linkPattern.test(m.text)).length;
    h.tg.sendText(alice, group, '/studio', { threadId: 7 });
    const said = await h.waitMessage(group, /sent you your personal studio link in a private message/, 7);
    expect(said.text.startsWith('Alice: ')).toBe(true);
    const dm = h.tg.messagesIn(alice.id).filter((m) => linkPattern.test(m.text));
    expect(dm).toHaveLength(linksBefore + 1);
    expect(claimsIn(dm.at(-1)!.text).owner).toEqual({ platform: 'telegram', userId: String(alice.id) });
    expect(groupTexts().some((t) => /studio\/login|\?t=/.test(t))).toBe(false);
  });

  it('/studio in a group from a user the bot cannot message privately: the group is told to ask in private, no link anywhere', async () => {
    h.tg.unreachableUsers.add(carol.id);
    h.tg.sendText(carol, group, '/studio', { threadId: 7 });
    const said = await h.waitMessage(group, /^Carol: Studio links are personal/, 7);
    expect(said.text).toMatch(/send \/studio there/);
    expect(h.tg.messagesIn(carol.id)).toHaveLength(0);
    expect(groupTexts().some((t) => /studio\/login|\?t=/.test(t))).toBe(false);
  });

  it('a 30 MB file: the refusal offers the studio, with the link in a private chat and only the command in a group', async () => {
    const big = { declaredSize: 30 * 1024 * 1024, fileName: 'big.mp4', mimeType: 'video/mp4', duration: 20 };
    await h.tg.sendMedia(alice, dmWith(alice), 'video', big);
    const refusal = await next(dmWith(alice), /^That file is 30 MB/);
    expect(refusal.text).toMatch(/You can upload it in the web studio instead/);
    expect(claimsIn(refusal.text).owner).toEqual({ platform: 'telegram', userId: String(alice.id) });

    await h.tg.sendMedia(alice, group, 'video', big, { threadId: 7 });
    const inGroup = await h.waitMessage(group, /^Alice: That file is 30 MB/, 7);
    expect(inGroup.text).toMatch(/Larger files can be uploaded in the web studio: \/studio gives you a personal link/);
    expect(groupTexts().some((t) => /studio\/login|\?t=/.test(t))).toBe(false);
  });

  it('without a web server (no LINK_SECRET) /studio says the studio is not available', async () => {
    await h.stopBot();
    await h.startBot({ LINK_SECRET: '' });
    const bob: FakeUser = { id: 1006, first_name: 'Bob' };
    h.tg.sendText(bob, dmWith(bob), '/studio');
    const reply = await next(dmWith(bob), /web studio is not available here/);
    expect(reply.text).not.toMatch(/login/);
    h.tg.sendText(bob, dmWith(bob), '/help');
    const help = await next(dmWith(bob), /^1\) Send an audio/);
    expect(help.text).not.toMatch(/studio/);
  });
});
