import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where the queue tests find Redis: TEST_REDIS_URL, else 127.0.0.1:6379 (what .ci/run provides). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A connected client, or a loud failure saying what is missing. The queue tests never skip themselves:
 * without Redis they fail with this message.
 */
export async function requireRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: 3_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(
      `The queue tests need Redis at ${TEST_REDIS_URL} and nothing answers there (${err instanceof Error ? err.message : String(err)}). ` +
        'Start one with "redis-server --daemonize yes" (Debian/Ubuntu: apt install redis-server), run ".ci/run", or set TEST_REDIS_URL.',
    );
  }
  // Reconnect normally from here on (a test may restart nothing, but keep the client resilient).
  redis.options.retryStrategy = (times: number) => Math.min(times * 100, 2_000);
  return redis;
}

/** A key prefix no other test run uses, so parallel runs never see each other's jobs. */
export function uniquePrefix(label = 't'): string {
  return `lstest-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix:` (BullMQ's and ours). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
