import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/log.js';

const LOG_MODULE = path.resolve(import.meta.dirname, '../src/log.ts');
const DISCORD_MODULE = createRequire(import.meta.url).resolve('discord.js');
const telegramToken = '5123456:AAFshort_token-xyz';
const interactionToken = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXQ';
const redisPassword = 'hunter2-redis-pass';

describe('redactSecrets: secrets inside URLs', () => {
  it('removes interaction tokens, Redis passwords and Telegram tokens of any shape', () => {
    expect(redactSecrets(`PATCH https://discord.com/api/v10/webhooks/123456789012345678/${interactionToken}/messages/@original`)).toBe(
      'PATCH https://discord.com/api/v10/webhooks/123456789012345678/[redacted]/messages/@original',
    );
    expect(redactSecrets(`POST /api/v10/interactions/123456789012345678/${interactionToken}/callback`)).toBe('POST /api/v10/interactions/123456789012345678/[redacted]/callback');
    expect(redactSecrets(`cannot reach redis://:${redisPassword}@10.0.0.5:6379/0`)).toBe('cannot reach redis://:[redacted]@10.0.0.5:6379/0');
    expect(redactSecrets(`rediss://default:${redisPassword}@cache.example.com:6380`)).toBe('rediss://default:[redacted]@cache.example.com:6380');
    expect(redactSecrets(`GET http://127.0.0.1:8081/file/bot${telegramToken}/videos/file_1.mp4`)).toBe('GET http://127.0.0.1:8081/file/bot[redacted]/videos/file_1.mp4');
    // Ports and plain addresses are left alone.
    expect(redactSecrets('redis://127.0.0.1:6379 and https://example.com:8443/x@y')).toBe('redis://127.0.0.1:6379 and https://example.com:8443/x@y');
  });
});

describe('the process logger', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'log-redaction-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never writes tokens or passwords, wherever they sit in a log record', () => {
    // The real createLogger, in its own process, writing JSON lines to stderr as in production.
    const script = path.join(dir, 'emit.ts');
    writeFileSync(
      script,
      `import { DiscordAPIError } from ${JSON.stringify(DISCORD_MODULE)};
import { createLogger } from ${JSON.stringify(LOG_MODULE)};
const log = createLogger({ level: 'debug', pretty: false });
const url = 'https://discord.com/api/v10/webhooks/123456789012345678/${interactionToken}/messages/@original';
log.error({ err: new DiscordAPIError({ message: 'Unknown Webhook', code: 10015 }, 10015, 404, 'PATCH', url, { body: undefined, files: undefined }) }, 'discord edit failed');
log.error({ err: new Error('fetch failed for http://127.0.0.1:8081/file/bot${telegramToken}/videos/file_1.mp4') }, 'telegram download failed');
log.warn({ redisUrl: 'redis://:${redisPassword}@10.0.0.5:6379', token: 'plain-field-secret-value' }, 'redis connection error');
log.info({ request: { headers: { authorization: 'Bot abc.def.plain-auth-header' } } }, 'request');
log.flush?.();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(import.meta.dirname, '..'), encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'json' } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const secret of [interactionToken, telegramToken, telegramToken.split(':')[1]!, redisPassword, 'plain-field-secret-value', 'plain-auth-header']) {
      expect(r.stderr, `"${secret}" leaked`).not.toContain(secret);
    }
    // What is left is still useful: where and what failed.
    expect(r.stderr).toContain('/webhooks/123456789012345678/[redacted]/messages/@original');
    expect(r.stderr).toContain('redis://:[redacted]@10.0.0.5:6379');
    expect(r.stderr).toContain('/file/bot[redacted]/videos/file_1.mp4');
  });
});
