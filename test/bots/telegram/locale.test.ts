import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil, type FakeUser } from '../../support/fakeTelegram.js';
import { alice, BotHarness, dmWith, makeInputs, WAIT_MS } from './botHarness.js';

/** Latin words a Chinese reader may see: product, format and unit names, and our file names. */
const allowed = /^(Telegram|ZIP|MB|KB|MP3|MP4|WAV|OGG|M4A|MOV|WebM|JPG|PNG|fps|UTC|one|silent|mp4|txt)$/i;
function englishIn(text: string): string[] {
  return (text.replace(/\/[a-z_]+/g, ' ').match(/[A-Za-z][A-Za-z0-9]*/g) ?? []).filter((w) => !allowed.test(w));
}

/** A Telegram user whose app is set to Chinese gets the whole flow in Chinese, end to end. */
describe('telegram bot: language', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("language_code 'zh-hans': Chinese refusals, acknowledgements, buttons, progress and captions; the batch remembers zh-CN", async () => {
    h = await BotHarness.create('tg-zh');
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await h.q.startWorker(300);
    await h.startBot();
    const { tg } = h;
    const mei: FakeUser = { id: 1003, first_name: '小美', language_code: 'zh-hans' };
    const chat = dmWith(mei);

    // The command menu is also set up in Chinese for Chinese Telegram apps.
    const menus = tg.calls.filter((c) => c.method === 'setMyCommands').map((c) => c.params as { language_code?: string; commands: unknown });
    const zhMenu = menus.find((m) => m.language_code === 'zh');
    expect(JSON.stringify(zhMenu?.commands)).toContain('使用说明');

    tg.sendText(mei, chat, '/render');
    await h.waitMessage(chat, /^还没有可渲染的内容：请先发送音频/);
    await tg.sendMedia(mei, chat, 'document', { declaredSize: 1200, fileName: '笔记.txt', mimeType: 'text/plain' });
    await h.waitMessage(chat, /^“笔记\.txt”无法使用。/);

    // A refusal made deep in the pipeline (an InputError with a code and params) is worded in Chinese too.
    await tg.sendMedia(mei, chat, 'video', { file: media.video(1), fileName: 'silent.mp4', mimeType: 'video/mp4' }, { caption: '/audio' });
    await h.waitMessage(chat, /^silent\.mp4 没有可用作音频的声音。$/);

    await tg.sendMedia(mei, chat, 'voice', { file: media.speech(1.5), duration: 2 });
    await h.waitMessage(chat, /^已设置音频：1\.5 秒。现在请发送一个或多个模板视频或照片。/);
    await tg.sendMedia(mei, chat, 'video', { file: media.video(1), fileName: 'one.mp4', mimeType: 'video/mp4' });
    const ack = await h.waitMessage(chat, /^已添加模板 1。准备好后点“渲染”。/);

    tg.pressButton(mei, ack, tg.button(ack, '▶ 渲染'));
    const progress = await h.waitMessage(chat, /音频：语音消息/);
    await waitUntil('the clip', () => tg.videosIn(chat.id).length === 1, WAIT_MS, () => h!.dump(chat));
    await waitUntil('final progress text', () => progress.text.startsWith('✅ 已完成。'), WAIT_MS, () => h!.dump(chat));
    expect(progress.edits.some((e) => /⏳ 已排队|🎬 正在渲染/.test(e.text))).toBe(true);
    expect(progress.text).toContain('1. one.mp4 — ✓ 完成');
    expect(progress.text).toContain('片段只会以附件形式发送到这里');

    // Everything the bot said to her is Chinese (file names and format names aside).
    const said = [...tg.messagesIn(chat.id).flatMap((m) => [m.text, ...m.edits.map((e) => e.text)])];
    const leftovers = said.flatMap((t) => englishIn(t).map((w) => `${w} in ${JSON.stringify(t)}`));
    expect(leftovers).toEqual([]);

    // The batch record carries her language, for edits and deliveries after a restart.
    const batchId = h.q.events.find((e) => e.type === 'batchDone')?.batchId;
    expect(batchId).toBeDefined();
    const state = await h.q.queue.getBatch(batchId!);
    expect(state?.locale).toBe('zh-CN');

    // Someone else in English at the same time still reads English.
    tg.sendText(alice, dmWith(alice), '/render');
    await h.waitMessage(dmWith(alice), /^Nothing to render yet: first send an audio/);
  });

  it('batches followed after a restart keep their recorded language; records made before it was recorded read DEFAULT_LOCALE', async () => {
    h = await BotHarness.create('tg-zh-resume');
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    const { tg } = h;
    const chat = dmWith(alice);
    // Two status messages to follow: the bot's answers to /help, from a first run of the bot.
    await h.startBot();
    tg.sendText(alice, chat, '/help');
    tg.sendText(alice, chat, '/help');
    await waitUntil('two answers', () => tg.messagesIn(chat.id).length === 2, WAIT_MS, () => h!.dump(chat));
    await h.stopBot();
    const [old, recorded] = tg.messagesIn(chat.id);
    const replyTo = (m: typeof old) => ({ platform: 'telegram', chatId: String(chat.id), messageId: String(m!.message_id), userId: String(alice.id), prefix: '' });
    const owner = { platform: 'telegram', userId: String(alice.id), chatId: String(chat.id) };
    // One as an older bot wrote it (no locale), one from a user who reads English.
    await h.q.queue.submitBatch({ owner, audio: { path: media.speech(1), label: 'old.wav' }, videos: [{ path: media.video(1), label: 'a.mp4' }], replyTo: replyTo(old) });
    await h.q.queue.submitBatch({ owner, audio: { path: media.speech(1), label: 'en.wav' }, videos: [{ path: media.video(2), label: 'b.mp4' }], replyTo: replyTo(recorded), locale: 'en' });

    await h.q.startWorker(300);
    await h.startBot({ DEFAULT_LOCALE: 'zh-CN' });
    await waitUntil('both finished', () => old!.text.startsWith('✅ 已完成。') && recorded!.text.startsWith('✅ Done.'), WAIT_MS, () => h!.dump(chat));
    expect(old!.text).toContain('音频：old.wav');
    expect(recorded!.text).toContain('Audio: en.wav');
    await waitUntil('both clips', () => tg.videosIn(chat.id).length === 2, WAIT_MS, () => h!.dump(chat));
  });

  it('a session kept over a restart is announced in its owner\'s language', async () => {
    h = await BotHarness.create('tg-zh-session');
    await h.startBot();
    const { tg } = h;
    const mei: FakeUser = { id: 1004, first_name: '小美', language_code: 'zh' };
    const chat = dmWith(mei);
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await tg.sendMedia(mei, chat, 'video', { file: media.video(1), fileName: 'v1.mp4', mimeType: 'video/mp4' });
    await h.waitMessage(chat, /^已添加模板 1。现在请发送音频。/);

    await h.stopBot();
    await h.startBot();
    const notice = await h.waitMessage(chat, /^我刚刚重启过，你发送的内容都还在：1 个模板。请发送音频，然后点“渲染”。$/);
    expect(notice.keyboard?.inline_keyboard.flat().map((b) => b.text)).toContain('▶ 渲染');
    // Answers after the restart stay in her language. (An update also ends the bot's pending long poll, so the
    // fake server lets the bot stop at once instead of holding the poll to its timeout.)
    tg.sendText(mei, chat, '/status');
    await h.waitMessage(chat, /^可以渲染：没有音频，1 个模板。$/);
  });
});
