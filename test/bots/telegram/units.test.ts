import { TelegramError } from 'telegraf';
import type { Message } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { MessageGoneError, RateLimitedError, UploadTooLargeError } from '../../../src/bots/core/platform.js';
import { allowList, telegramLimits } from '../../../src/bots/telegram/bot.js';
import { isNotModified, translateError } from '../../../src/bots/telegram/errors.js';
import { addressOf, fileOf, parseCommand, wantsAudio } from '../../../src/bots/telegram/translate.js';
import { loadBotsConfig } from '../../../src/config/bots.js';
import { ConfigError } from '../../../src/errors.js';

const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('telegram translation', () => {
  it('parses commands, also addressed to this bot, and ignores other bots', () => {
    expect(parseCommand('/render', 'lipsync_bot')).toBe('render');
    expect(parseCommand('/Render@LipSync_Bot now', 'lipsync_bot')).toBe('render');
    expect(parseCommand('/render@other_bot', 'lipsync_bot')).toBeNull();
    expect(parseCommand('/unknown', 'lipsync_bot')).toBeNull();
    expect(parseCommand('hello', 'lipsync_bot')).toBeNull();
    expect(wantsAudio('/audio')).toBe(true);
    expect(wantsAudio(' /audio@lipsync_bot please')).toBe(true);
    expect(wantsAudio('audio')).toBe(false);
  });

  it('replies in the forum topic, but not in ordinary reply threads', () => {
    const chat = { id: -100, type: 'supergroup' as const, title: 'g' };
    expect(addressOf({ chat, message_thread_id: 5, is_topic_message: true })).toEqual({ chatId: '-100', threadId: '5' });
    expect(addressOf({ chat, message_thread_id: 5 })).toEqual({ chatId: '-100' });
  });

  it('describes attachments without downloading, choosing the largest photo', () => {
    const photo = { message_id: 1, date: 0, chat: { id: 1, type: 'private', first_name: 'a' }, photo: [
      { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 10 },
      { file_id: 'big', file_unique_id: 'b', width: 800, height: 800, file_size: 1000 },
    ] } as unknown as Message;
    let asked = '';
    const f = fileOf(photo, async (id) => {
      asked = id;
    });
    expect(f).toMatchObject({ kind: 'photo', sizeBytes: 1000 });
    void f?.download('/tmp/x', 1);
    expect(asked).toBe('big');
    const doc = { message_id: 2, date: 0, chat: { id: 1, type: 'private', first_name: 'a' }, document: { file_id: 'd', file_unique_id: 'd', file_name: 'a.txt', mime_type: 'text/plain', file_size: 5 } } as unknown as Message;
    expect(fileOf(doc, async () => undefined)).toMatchObject({ kind: 'document', fileName: 'a.txt', mimeType: 'text/plain', sizeBytes: 5 });
  });

  it('maps Bot API errors to the core’s and never leaks the token', () => {
    expect(translateError(new TelegramError({ error_code: 429, description: 'Too Many Requests: retry after 4', parameters: { retry_after: 4 } }), token)).toEqual(new RateLimitedError(4000));
    expect(translateError(new TelegramError({ error_code: 413, description: 'Request Entity Too Large' }), token)).toBeInstanceOf(UploadTooLargeError);
    expect(translateError(new TelegramError({ error_code: 400, description: 'Bad Request: message to edit not found' }), token)).toBeInstanceOf(MessageGoneError);
    expect(isNotModified(new TelegramError({ error_code: 400, description: 'Bad Request: message is not modified: specified new message content…' }))).toBe(true);
    const net = translateError(new Error(`request to http://127.0.0.1:1/file/bot${token}/videos/x.mp4 failed`), token);
    expect(net.message).not.toContain(token);
    expect(net.message).not.toContain(token.split(':')[1]);
  });

  it('allow-list matches users or chats; empty allows everyone', () => {
    const ctx = (userId: string, chatId: string) => ({ platform: 'telegram', address: { chatId }, userId, userName: 'x', isGroup: true });
    expect(allowList([])(ctx('1', '-5'))).toBe(true);
    expect(allowList(['1'])(ctx('1', '-5'))).toBe(true);
    expect(allowList(['-5'])(ctx('2', '-5'))).toBe(true);
    expect(allowList(['1', '-5'])(ctx('2', '-6'))).toBe(false);
  });
});

describe('bot settings', () => {
  it('is off without a token, with sensible defaults when on', () => {
    expect(loadBotsConfig({}).telegram).toBeNull();
    const t = loadBotsConfig({ TELEGRAM_BOT_TOKEN: token }).telegram!;
    expect(t).toMatchObject({ apiRoot: undefined, editIntervalMs: 3000, maxUploadBytes: 50 * 1024 * 1024, maxDownloadBytes: 20 * 1024 * 1024, allowedIds: [], webhook: null });
    expect(telegramLimits(t).downloadLimitLiftable).toBe(true);
    const local = loadBotsConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: 'http://127.0.0.1:8081/', TELEGRAM_ALLOWED_IDS: '12, -100200', TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg' }).telegram!;
    expect(local.apiRoot).toBe('http://127.0.0.1:8081');
    expect(local.maxDownloadBytes).toBe(2000 * 1024 * 1024);
    expect(telegramLimits(local).downloadLimitLiftable).toBe(false);
    expect(local.allowedIds).toEqual(['12', '-100200']);
    expect(local.webhook).toMatchObject({ url: 'https://bot.example.com/tg', port: 8443 });
  });

  it('names the bad variable and never echoes the token', () => {
    const bad = 'not-a-token-but-secret-ish';
    let err: unknown;
    try {
      loadBotsConfig({ TELEGRAM_BOT_TOKEN: bad, TELEGRAM_EDIT_INTERVAL_MS: 'soon', TELEGRAM_ALLOWED_IDS: 'alice' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('TELEGRAM_BOT_TOKEN');
    expect(msg).toContain('TELEGRAM_EDIT_INTERVAL_MS');
    expect(msg).toContain('TELEGRAM_ALLOWED_IDS');
    expect(msg).not.toContain(bad);
  });
});
