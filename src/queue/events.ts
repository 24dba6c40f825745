import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { QueueKeys } from './keys.js';
import type { BatchSummary, ClipFailure, ClipOutput, ClipProgress } from './types.js';

interface EventBase {
  /** Redis stream id: strictly increasing, usable as a resume point. */
  id: string;
  batchId: string;
  /** Milliseconds since the epoch, taken where the event happened. */
  at: number;
}

export type QueueEvent =
  | (EventBase & { type: 'queued'; clipId: string; position: number; etaSeconds: number | null })
  | (EventBase & { type: 'started'; clipId: string; attempt: number })
  | (EventBase & { type: 'progress'; clipId: string; progress: ClipProgress })
  | (EventBase & { type: 'clipDone'; clipId: string; output: ClipOutput })
  | (EventBase & { type: 'clipFailed'; clipId: string; reason: ClipFailure })
  | (EventBase & { type: 'cancelled'; clipId: string; by: string })
  | (EventBase & { type: 'batchDone'; summary: BatchSummary });

export type QueueEventType = QueueEvent['type'];

const eventTypes: ReadonlySet<string> = new Set<QueueEventType>(['queued', 'started', 'progress', 'clipDone', 'clipFailed', 'cancelled', 'batchDone']);

/** Turns one stream entry's flat field list into a typed event; unknown entries give null. */
export function parseEvent(id: string, fields: string[]): QueueEvent | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  const type = f.t;
  if (!type || !eventTypes.has(type) || !f.b) return null;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(f.d ?? '{}') as Record<string, unknown>;
  } catch {
    return null;
  }
  const base = { id, batchId: f.b, at: Number(f.at ?? 0) };
  // The payload was written by our own scripts for this type; the union is restored by its tag.
  if (type === 'batchDone') return { ...base, type, summary: data as unknown as BatchSummary };
  return { ...data, ...base, type, clipId: f.c ?? '' } as QueueEvent;
}

export interface SubscribeOptions {
  /** Resume after this stream id ('$' = only new events, '0' = everything still kept). Default '$'. */
  fromId?: string;
  /** Only events of these batches (default: all). The set may be changed while subscribed. */
  batchIds?: Set<string>;
  /** How long one blocking read waits before checking for stop (ms). */
  blockMs?: number;
  log?: Logger;
}

export interface Subscription {
  /** Id of the last event delivered (or the starting point): persist it to resume after a restart. */
  readonly lastId: string;
  /** Stops reading and closes the dedicated connection. */
  close(): Promise<void>;
}

/**
 * Follows the event stream on a dedicated connection (XREAD BLOCK). Events are delivered in order, one at a time:
 * the next read waits for the handler's promise. The stream survives reconnects, so nothing is missed while
 * the connection is down; resuming from a saved id also covers a process restart.
 */
export async function subscribeEvents(
  redis: Redis,
  prefix: string,
  onEvent: (event: QueueEvent) => void | Promise<void>,
  options: SubscribeOptions = {},
): Promise<Subscription> {
  const key = new QueueKeys(prefix).events();
  const conn = redis.duplicate();
  let lastId = options.fromId ?? '$';
  // Pin '$' to a concrete id now, so events written between subscribe() and the first read are not lost.
  if (lastId === '$') lastId = await latestEventId(conn, prefix);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await conn.xread('COUNT', 100, 'BLOCK', options.blockMs ?? 1000, 'STREAMS', key, lastId)) as typeof reply;
      } catch (err) {
        if (stopped) break;
        options.log?.warn({ err }, 'event stream read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          const event = parseEvent(id, fields);
          if (!event || (options.batchIds && !options.batchIds.has(event.batchId))) continue;
          try {
            await onEvent(event);
          } catch (err) {
            options.log?.error({ err, eventId: id }, 'event handler failed');
          }
        }
      }
    }
  })();
  return {
    get lastId() {
      return lastId;
    },
    async close() {
      stopped = true;
      conn.disconnect();
      await loop;
    },
  };
}

/** Reads the events of the stream after `fromId` (exclusive) without blocking, e.g. to replay a batch. */
export async function readEvents(redis: Redis, prefix: string, fromId = '-', count = 10_000): Promise<QueueEvent[]> {
  const key = new QueueKeys(prefix).events();
  const start = fromId === '-' ? '-' : `(${fromId}`;
  const entries = (await redis.xrange(key, start, '+', 'COUNT', count)) as [string, string[]][];
  return entries.map(([id, fields]) => parseEvent(id, fields)).filter((e): e is QueueEvent => e !== null);
}

/** Id of the newest event ('0' when the stream is empty): subscribe from here before acting, to miss nothing. */
export async function latestEventId(redis: Redis, prefix: string): Promise<string> {
  const latest = (await redis.xrevrange(new QueueKeys(prefix).events(), '+', '-', 'COUNT', 1)) as [string, string[]][];
  return latest[0]?.[0] ?? '0';
}
