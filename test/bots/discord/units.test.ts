import { DiscordAPIError, RateLimitError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { MessageGoneError, RateLimitedError, UploadTooLargeError } from '../../../src/bots/core/platform.js';
import { isAllowed } from '../../../src/bots/discord/access.js';
import { toComponents } from '../../../src/bots/discord/components.js';
import { translateError } from '../../../src/bots/discord/errors.js';
import { messageAgeMs } from '../../../src/bots/discord/messageAge.js';
import { loadDiscordConfig } from '../../../src/config/discord.js';
import { ConfigError } from '../../../src/errors.js';
import { snowflake } from '../../support/fakeDiscord.js';

const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB';

describe('discord settings', () => {
  it('is off without a token, and needs the application id with one', () => {
    expect(loadDiscordConfig({})).toBeNull();
    expect(() => loadDiscordConfig({ DISCORD_TOKEN: token })).toThrow(/DISCORD_APPLICATION_ID/);
  });

  it('names the bad variable and never echoes the token', () => {
    let err: unknown;
    try {
      loadDiscordConfig({ DISCORD_TOKEN: 'short', DISCORD_APPLICATION_ID: 'abc', DISCORD_ALLOWED_GUILDS: '1,x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as Error).message;
    expect(text).toMatch(/DISCORD_TOKEN/);
    expect(text).toMatch(/DISCORD_APPLICATION_ID.*"abc"/);
    expect(text).toMatch(/DISCORD_ALLOWED_GUILDS/);
    expect(text).not.toContain('short"');
  });

  it('reads defaults', () => {
    const s = loadDiscordConfig({ DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: '123456789012345678', DISCORD_API_ROOT: 'http://127.0.0.1:9/api/' })!;
    expect(s).toMatchObject({ apiRoot: 'http://127.0.0.1:9/api', conversation: true, editIntervalMs: 2000, statusMaxAgeMs: 50 * 60_000, defaultUploadBytes: 10 * 1024 * 1024 });
  });
});

describe('discord adapter pieces', () => {
  it('reads a message age from its snowflake (status messages older than 50 min are re-posted)', () => {
    const now = Date.now();
    expect(messageAgeMs(snowflake(now - 51 * 60_000), now)).toBeGreaterThan(50 * 60_000);
    expect(messageAgeMs(snowflake(now - 1000), now)).toBeLessThan(2000);
  });

  it('translates REST failures into the core vocabulary without tokens', () => {
    const api = (status: number, code: number, url = 'https://discord.com/api/v10/channels/1/messages') =>
      new DiscordAPIError({ code, message: `failed ${token}` }, code, status, 'PATCH', url, { body: undefined, files: undefined });
    expect(translateError(api(413, 40005), token)).toBeInstanceOf(UploadTooLargeError);
    expect(translateError(api(404, 10008), token)).toBeInstanceOf(MessageGoneError);
    const other = translateError(api(400, 50035, 'https://discord.com/api/v10/webhooks/1/itok-secret/messages/@original'), token);
    expect(other.message).not.toContain(token);
    expect(other.message).not.toContain('itok-secret');
    const rl = new RateLimitError({ timeToReset: 1500, limit: 5, method: 'PATCH', hash: 'h', url: 'u', route: '/channels/:id/messages/:id', majorParameter: '1', global: false, retryAfter: 1500, sublimitTimeout: 0, scope: 'user' });
    const t = translateError(rl, token);
    expect(t).toBeInstanceOf(RateLimitedError);
    expect((t as RateLimitedError).retryAfterMs).toBe(1500);
  });

  it('packs long button lists into at most 5 rows of 5', () => {
    const keyboard = Array.from({ length: 11 }, (_, i) => [{ label: `x${i}`, action: `x:1:${i}` }]);
    const rows = toComponents(keyboard);
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.components.length <= 5)).toBe(true);
  });

  it('allow-list by guild and role', () => {
    expect(isAllowed({ guilds: [], roles: [] }, { guildId: null, roleIds: [] })).toBe(true);
    expect(isAllowed({ guilds: ['1'], roles: [] }, { guildId: null, roleIds: [] })).toBe(false);
    expect(isAllowed({ guilds: ['1'], roles: ['9'] }, { guildId: '1', roleIds: ['8'] })).toBe(false);
    expect(isAllowed({ guilds: ['1'], roles: ['9'] }, { guildId: '1', roleIds: ['9'] })).toBe(true);
  });
});
