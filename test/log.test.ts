import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/log.js';

describe('redactSecrets', () => {
  it('removes Telegram bot tokens, also inside file URLs', () => {
    const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    expect(redactSecrets(`GET https://api.telegram.org/file/bot${token}/videos/file_1.mp4`)).toBe('GET https://api.telegram.org/file/bot[redacted]/videos/file_1.mp4');
  });
  it('removes Discord bot tokens and explicitly given secrets', () => {
    const discord = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB';
    expect(redactSecrets(`Authorization: Bot ${discord}`)).toBe('Authorization: Bot [redacted]');
    expect(redactSecrets('link secret is s3cr3t-value-123', ['s3cr3t-value-123'])).toBe('link secret is [redacted]');
  });
});
