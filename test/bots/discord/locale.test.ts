import { afterEach, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../../src/bots/discord/commands.js';
import { snowflake, type FakeMessage, type FakeUser } from '../../support/fakeDiscord.js';
import { PORTRAIT, SPEECH } from '../../support/media.js';
import { ana, DiscordWorld, until, WAIT_MS } from './harness.js';

const buttonOf = (m: FakeMessage, prefix: string) => m.components.flatMap((r) => r.components).find((b) => b.custom_id?.startsWith(prefix));

/** Discord users whose client is set to Chinese read the bot in Chinese, interactions and thread messages alike. */
describe('discord bot: language', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('/lipsync with files from a zh-CN client: Chinese starter, progress status and batch link', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('zh-slash');
    await w.q.startWorker(300);
    await w.startBot();
    const d = w.discord;
    const mei: FakeUser = { id: snowflake(), username: 'mei', locale: 'zh-CN' };
    const rec = d.slash({ user: mei, name: 'lipsync', attachments: { audio: await d.attachment(SPEECH), video: await d.attachment(PORTRAIT) } });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    await until('the starter', () => rec.original?.content);
    expect(rec.original!.content).toBe('mei 开始了一个包含 1 个片段的口型同步批次。进度和片段将发在子区中。');
    const status = d.channelMessages(thread.id)[0]!;
    await until('the batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('本批次的全部片段：')));
    await until('the status shows done', () => status.content.includes('✅ 已完成。'));
    expect(status.content).toContain('— ✓ 完成');
    expect(status.history.some((h) => /⏳ 已排队|🎬 正在渲染/.test(h))).toBe(true);
  });

  it('a zh-TW client reads zh-CN; thread messages (which carry no locale) keep the language of the /lipsync that opened the session', { timeout: 3 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('zh-conversation');
    await w.q.startWorker(300);
    await w.startBot();
    const d = w.discord;
    const lin: FakeUser = { id: snowflake(), username: 'lin', locale: 'zh-TW' };
    const rec = d.slash({ user: lin, name: 'lipsync' });
    const thread = await until('a thread', () => d.threadsOf(d.channelId)[0]);
    await until('the starter', () => rec.original?.content);
    expect(rec.original!.content).toBe('lin 开启了一个口型同步会话。请在子区中发送音频和模板视频或照片。');
    const help = await until('the help in the thread', () => d.channelMessages(thread.id)[0]);
    expect(help.content).toMatch(/^lin：1）发送一段音频/);

    d.postMessage({ user: lin, channelId: thread.id, attachments: [await d.attachment(SPEECH)] });
    await until('audio acknowledged in Chinese', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('lin：已设置音频：')));
    d.postMessage({ user: lin, channelId: thread.id, attachments: [await d.attachment(PORTRAIT)] });
    const ack = await until('template acknowledged', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('lin：已添加模板 1。') && buttonOf(m, 'r:')));
    expect(ack.components.flatMap((r) => r.components).map((b) => b.label)).toContain('▶ 渲染');

    // An English user in the same thread is answered in English.
    d.postMessage({ user: ana, channelId: thread.id, attachments: [await d.attachment(PORTRAIT)] });
    await until('ana answered in English', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('ana: Template 1 added')));

    const press = d.press({ user: lin, message: ack, customId: buttonOf(ack, 'r:')!.custom_id! });
    await until('the batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('本批次的全部片段：')));
    expect(press.original?.content ?? '').not.toMatch(/[A-Za-z]{3,}/);
  });

  it('slash commands and their options describe themselves in Chinese to zh-CN and zh-TW clients', () => {
    const described = commandDefinitions(3).flatMap((c) => [c, ...(('options' in c ? c.options : undefined) ?? [])]) as { name: string; description_localizations?: Record<string, string> }[];
    expect(described.length).toBeGreaterThan(6);
    for (const d of described) {
      expect(d.description_localizations?.['zh-CN'], d.name).toMatch(/[\u4e00-\u9fff]/);
      expect(d.description_localizations?.['zh-TW'], d.name).toBe(d.description_localizations?.['zh-CN']);
    }
  });
});
