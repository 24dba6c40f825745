import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * BullMQ has no queue-position call. Jobs without priority (the `wait` list) run before prioritized ones;
 * prioritized jobs run in score order (priority, then insertion). Position 1 = next to start.
 */
export async function positionsOf(redis: Redis, queue: Queue, jobIds: string[]): Promise<Map<string, number | null>> {
  const keys = queue.keys;
  const waitKey = keys.wait ?? '';
  const prioritizedKey = keys.prioritized ?? '';
  const p = redis.pipeline();
  p.llen(waitKey);
  for (const id of jobIds) {
    p.zrank(prioritizedKey, id);
    p.lpos(waitKey, id);
  }
  const rows = (await p.exec()) ?? [];
  const waitLen = Number(rows[0]?.[1] ?? 0);
  const result = new Map<string, number | null>();
  jobIds.forEach((id, i) => {
    const rank = rows[1 + i * 2]?.[1];
    const lpos = rows[2 + i * 2]?.[1];
    // The wait list is LPUSHed and consumed from the right: its last element runs first.
    if (typeof lpos === 'number') result.set(id, waitLen - lpos);
    else if (typeof rank === 'number') result.set(id, waitLen + rank + 1);
    else result.set(id, null);
  });
  return result;
}

/** The first `limit` waiting job ids in the order they will start. */
export async function nextInLine(redis: Redis, queue: Queue, limit: number): Promise<string[]> {
  const waiting = (await redis.lrange(queue.keys.wait ?? '', -limit, -1)).reverse();
  const rest = limit - waiting.length;
  const prioritized = rest > 0 ? await redis.zrange(queue.keys.prioritized ?? '', 0, rest - 1) : [];
  return [...waiting, ...prioritized];
}

/** Seconds until a clip at `position` is finished: its own render included, spread over the workers. */
export function etaSeconds(position: number | null, averageSeconds: number | null, workers: number): number | null {
  if (position === null || averageSeconds === null) return null;
  return Math.round((position * averageSeconds) / Math.max(1, workers));
}
