import { describe, expect, it } from 'vitest';
import { redisAnswers } from '../src/queue/redisServer.js';
import { ensureTestRedis } from './support/globalSetup.js';
import { freePort } from './support/net.js';

/** `npm test` on a fresh machine: the global setup brings its own Redis when none runs. */
describe('test setup', () => {
  it('starts a private redis-server on TEST_REDIS_URL when nothing answers there, and stops it afterwards', async () => {
    const port = await freePort();
    expect(await redisAnswers('127.0.0.1', port)).toBe(false);
    const teardown = await ensureTestRedis({ ...process.env, TEST_REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      expect(await redisAnswers('127.0.0.1', port)).toBe(true);
    } finally {
      await teardown();
    }
    expect(await redisAnswers('127.0.0.1', port)).toBe(false);
  });

  it('leaves a Redis that already answers alone', async () => {
    const port = await freePort();
    const first = await ensureTestRedis({ ...process.env, TEST_REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const second = await ensureTestRedis({ ...process.env, TEST_REDIS_URL: `redis://127.0.0.1:${port}` });
      await second();
      expect(await redisAnswers('127.0.0.1', port)).toBe(true);
    } finally {
      await first();
    }
  });

  it('names the missing apt package when redis-server is not installed', async () => {
    const port = await freePort();
    await expect(ensureTestRedis({ ...process.env, TEST_REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_SERVER_PATH: '/nonexistent/redis-server' })).rejects.toThrow(
      /Missing apt packages: redis-server \(Debian\/Ubuntu: sudo apt-get install -y redis-server\)/,
    );
  });
});
