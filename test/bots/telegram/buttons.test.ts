import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { alice, BotHarness, dmWith, makeInputs, WAIT_MS } from './botHarness.js';
import { freePort } from '../../support/net.js';


describe('telegram bot: buttons, allow-list and webhook', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('Remove… lists the templates and removes one; Clear forgets everything', async () => {
    h = await BotHarness.create('tg-buttons');
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await h.startBot();
    const { tg } = h;
    const chat = dmWith(alice);
    await tg.sendMedia(alice, chat, 'video', { file: media.video(1), fileName: 'keep.mp4', mimeType: 'video/mp4' }, { mediaGroupId: 'a' });
    await tg.sendMedia(alice, chat, 'photo', { file: media.photo }, { mediaGroupId: 'a' });
    const ack = await h.waitMessage(chat, /^2 templates added \(2 in all\)\. Now send the audio\./);

    tg.pressButton(alice, ack, tg.button(ack, '✂ Remove'));
    await waitUntil('the removal list', () => ack.text.startsWith('Templates (press one to remove it):'), WAIT_MS, () => h!.dump());
    expect(ack.text).toContain('1. keep.mp4\n2. photo 2');
    const press = tg.pressButton(alice, ack, tg.button(ack, '✕ 2. photo 2'));
    await waitUntil('removed', () => tg.callbackAnswers.find((a) => a.id === press));
    expect(tg.callbackAnswers.find((a) => a.id === press)?.text).toBe('Removed photo 2. 1 template left.');
    await waitUntil('list updated', () => !ack.text.includes('photo 2'));

    tg.sendText(alice, chat, '/render');
    await h.waitMessage(chat, /You have 1 template but no audio yet/);
    tg.sendText(alice, chat, '/clear');
    await h.waitMessage(chat, /^Cleared: send a new audio and templates\./);
    tg.sendText(alice, chat, '/status');
    await h.waitMessage(chat, /^No render is running here\./);
  });

  it('refuses users outside the allow-list', async () => {
    h = await BotHarness.create('tg-allow');
    await h.startBot({ TELEGRAM_ALLOWED_IDS: '999' });
    const chat = dmWith(alice);
    h.tg.sendText(alice, chat, '/help');
    await h.waitMessage(chat, /^Sorry, this bot is private\./);
  });

  it('takes updates from a webhook (with its secret token) instead of polling', async () => {
    h = await BotHarness.create('tg-webhook');
    const port = await freePort();
    await h.startBot({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg-hook', TELEGRAM_WEBHOOK_PORT: String(port), TELEGRAM_WEBHOOK_HOST: '127.0.0.1', TELEGRAM_WEBHOOK_SECRET: 'hook-secret' });
    const { tg } = h;
    const set = tg.calls.find((c) => c.method === 'setWebhook');
    expect(set?.params).toMatchObject({ url: 'https://bot.example.com/tg-hook', secret_token: 'hook-secret' });
    expect(tg.calls.some((c) => c.method === 'getUpdates')).toBe(false);
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: alice.id, type: 'private' }, from: alice, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] } };
    const post = (secret: string) =>
      fetch(`http://127.0.0.1:${port}/tg-hook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update) });
    expect((await post('wrong')).status).toBe(403);
    expect(tg.messages).toHaveLength(0);
    expect((await post('hook-secret')).status).toBe(200);
    await h.waitMessage(dmWith(alice), /1\) Send an audio/);
  });
});
