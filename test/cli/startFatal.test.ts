import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/media.js';
import { freePort } from '../support/net.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { StubBotApi } from '../support/stubBotApi.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

describe('lipsync start with a bot that cannot go on', () => {
  const { dir, cleanup } = tempDir('lipsync-start-fatal-');
  const prefix = uniquePrefix('startfatal');
  afterAll(async () => {
    const redis = await requireRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    cleanup();
  });

  it('Telegram polling answered 409 Conflict (a second copy): everything stops and the process exits 1', async () => {
    const api = await StubBotApi.start(409);
    api.release();
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        DATA_DIR: path.join(dir, 'data'),
        LOG_FORMAT: 'json',
        WEB_HOST: '127.0.0.1',
        WEB_PORT: String(await freePort()),
        WEB_DEV: '1',
        TELEGRAM_BOT_TOKEN: api.token,
        TELEGRAM_API_ROOT: api.url,
        BOT_TEMP_DIR: path.join(dir, 'bots'),
      };
      for (const key of ['LINK_SECRET', 'DISCORD_TOKEN', 'NODE_ENV', 'TELEGRAM_WEBHOOK_URL']) delete env[key];
      const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code, log).toBe(1);
      expect(log).toContain('a service cannot go on');
      expect(log).toContain('409');
      expect(log).toMatch(/"service":"worker".*"msg":"stopping"|"msg":"stopping".*"service":"worker"/);
      expect(log).not.toContain(api.token.split(':')[1]!);
    } finally {
      await api.close();
    }
  });
});
