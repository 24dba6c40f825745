import { describe, expect, it } from 'vitest';
import { loadWebConfig, parseDurationSeconds, webSettingNames } from '../../src/config/web.js';
import { ConfigError } from '../../src/errors.js';

const secret = 'x'.repeat(32);

function configError(env: Record<string, string>): string {
  try {
    loadWebConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('web configuration', () => {
  it('has working defaults once LINK_SECRET is set', () => {
    expect(loadWebConfig({ LINK_SECRET: secret })).toEqual({
      host: '0.0.0.0',
      port: 8080,
      publicUrl: 'http://localhost:8080',
      linkSecret: secret,
      secretIsEphemeral: false,
      linkTtlSeconds: 7 * 86_400,
      trustProxy: false,
      rateLimit: { downloadsPerMinute: 240, zipsPerMinute: 10 },
      health: { minFreeDiskBytes: 1024 * 1024 * 1024, workerStaleSeconds: 120 },
      ops: { port: undefined, token: undefined },
      defaultLocale: 'en',
    });
  });

  it('refuses to start without LINK_SECRET unless in development', () => {
    expect(configError({})).toMatch(/LINK_SECRET: required/);
    expect(configError({ NODE_ENV: 'production' })).toMatch(/LINK_SECRET/);
    const dev = loadWebConfig({ NODE_ENV: 'development' });
    expect(dev.secretIsEphemeral).toBe(true);
    expect(dev.linkSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(loadWebConfig({ WEB_DEV: '1' }).secretIsEphemeral).toBe(true);
    expect(loadWebConfig({ WEB_DEV: '1' }).linkSecret).not.toBe(loadWebConfig({ WEB_DEV: '1' }).linkSecret);
  });

  it('refuses a short secret without echoing it', () => {
    const message = configError({ LINK_SECRET: 'hunter2-is-short' });
    expect(message).toMatch(/LINK_SECRET: must be at least 32 characters/);
    expect(message).not.toContain('hunter2');
  });

  it('reads LINK_TTL as seconds or a duration', () => {
    expect(parseDurationSeconds('3600')).toBe(3600);
    expect(parseDurationSeconds('7d')).toBe(604_800);
    expect(parseDurationSeconds('1d12h')).toBe(129_600);
    expect(parseDurationSeconds('90m')).toBe(5400);
    expect(parseDurationSeconds('2w')).toBe(1_209_600);
    for (const bad of ['', '7 days', '1.5d', '-5', 'd', '7x']) expect(parseDurationSeconds(bad)).toBeNull();
    expect(loadWebConfig({ LINK_SECRET: secret, LINK_TTL: '36h' }).linkTtlSeconds).toBe(129_600);
    expect(configError({ LINK_SECRET: secret, LINK_TTL: '7 days' })).toMatch(/LINK_TTL: expected seconds or a duration.*\(got "7 days"\)/);
    expect(configError({ LINK_SECRET: secret, LINK_TTL: '10' })).toMatch(/LINK_TTL/);
    expect(configError({ LINK_SECRET: secret, LINK_TTL: '400d' })).toMatch(/LINK_TTL/);
  });

  it('validates the rest, naming each variable', () => {
    const message = configError({ LINK_SECRET: secret, WEB_PORT: '70000', PUBLIC_URL: 'ftp://x', WEB_TRUST_PROXY: 'maybe', WEB_RATE_LIMIT_PER_MINUTE: '0' });
    expect(message).toMatch(/WEB_PORT: .*\(got "70000"\)/);
    expect(message).toMatch(/PUBLIC_URL: expected an http\(s\) base URL/);
    expect(message).toMatch(/WEB_TRUST_PROXY/);
    expect(message).toMatch(/WEB_RATE_LIMIT_PER_MINUTE/);
    expect(message).toContain('docs/web.md');
    expect(loadWebConfig({ LINK_SECRET: secret, PUBLIC_URL: 'https://clips.example.com/lipsync/' }).publicUrl).toBe('https://clips.example.com/lipsync');
    expect(loadWebConfig({ LINK_SECRET: secret, WEB_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadWebConfig({ LINK_SECRET: secret, WEB_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('lists its settings (for docs and .env.example)', () => {
    expect(webSettingNames).toEqual([
      'WEB_PORT',
      'WEB_HOST',
      'PUBLIC_URL',
      'LINK_SECRET',
      'LINK_TTL',
      'WEB_DEV',
      'WEB_TRUST_PROXY',
      'WEB_RATE_LIMIT_PER_MINUTE',
      'WEB_ZIP_RATE_LIMIT_PER_MINUTE',
      'WEB_MIN_FREE_DISK_MB',
      'WEB_WORKER_STALE_SECONDS',
      'OPS_PORT',
      'OPS_TOKEN',
    ]);
  });
});
