import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramBot } from '../../../src/bots/telegram/bot.js';
import { loadBotsConfig } from '../../../src/config/bots.js';
import { alice, BotHarness, dmWith } from './botHarness.js';

const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('telegram webhook: only Telegram may post updates', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a secret token is always set and the listener binds to 127.0.0.1 unless told otherwise', () => {
    const a = loadBotsConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg' }).telegram!.webhook!;
    const b = loadBotsConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg' }).telegram!.webhook!;
    expect(a.host).toBe('127.0.0.1');
    expect(a.secretToken).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(b.secretToken).not.toBe(a.secretToken);
    const set = loadBotsConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg', TELEGRAM_WEBHOOK_SECRET: 'mine', TELEGRAM_WEBHOOK_HOST: '0.0.0.0' }).telegram!.webhook!;
    expect(set).toMatchObject({ secretToken: 'mine', host: '0.0.0.0' });
  });

  it('without TELEGRAM_WEBHOOK_SECRET: forged updates are refused, Telegram’s (with the generated secret) accepted', async () => {
    h = await BotHarness.create('tg-webhook-secret');
    await h.startBot({ TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg-hook', TELEGRAM_WEBHOOK_PORT: '0' });
    const { tg } = h;
    const bot = h.service!.bot as TelegramBot;
    const listen = bot.webhookAddress()!;
    expect(listen.address).toBe('127.0.0.1');

    const secret = tg.calls.find((c) => c.method === 'setWebhook')?.params.secret_token;
    expect(typeof secret).toBe('string');
    expect(String(secret).length).toBeGreaterThanOrEqual(32);

    // A forged update in alice's name.
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: alice.id, type: 'private' }, from: alice, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] } };
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${listen.port}/tg-hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-telegram-bot-api-secret-token': 'guessed' })).status).toBe(403);
    expect((await post({ 'x-telegram-bot-api-secret-token': `${String(secret)}x` })).status).toBe(403);
    expect(tg.messages).toHaveLength(0);

    expect((await post({ 'x-telegram-bot-api-secret-token': String(secret) })).status).toBe(200);
    await h.waitMessage(dmWith(alice), /1\) Send an audio/);
    // The only answer is the one to the genuine update.
    expect(tg.messages).toHaveLength(1);
    expect(h.logLines.join('')).not.toContain(String(secret));
  });
});
