import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * One ioredis client with the settings BullMQ needs: commands wait through outages instead of failing
 * (`maxRetriesPerRequest: null`) and the client reconnects on its own with a capped backoff.
 */
export function createRedis(url: string | undefined, extra: RedisOptions = {}): Redis {
  return new Redis(url ?? DEFAULT_REDIS_URL, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 5_000),
    ...extra,
  });
}

/** BullMQ silently loses jobs when Redis evicts keys; say so loudly. Managed Redis may forbid CONFIG: then stay quiet. */
export async function warnIfEvicting(redis: Redis, log: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown;
    const policy = Array.isArray(reply) ? String(reply[1] ?? '') : '';
    if (policy !== '' && policy !== 'noeviction') {
      log.warn(
        { policy },
        `Redis maxmemory-policy is "${policy}": queued clips may be evicted under memory pressure. Set "maxmemory-policy noeviction" in redis.conf.`,
      );
    }
  } catch (err) {
    log.debug({ err }, 'could not read maxmemory-policy');
  }
}

/** Resolves once a PING succeeds, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await Promise.race([
        redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('PING timed out')), Math.max(200, deadline - Date.now()))),
      ]);
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`Redis did not answer within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
