import type { Redis } from 'ioredis';

/**
 * What a bot remembers across restarts, beside the queue's own batch state: which batches it still has to
 * follow, which clips and final messages it already delivered (so delivery happens once, even with a restart or
 * two bot processes), and each user's recent batches for /history.
 */
export interface TrackingStore {
  track(batchId: string): Promise<void>;
  untrack(batchId: string): Promise<void>;
  tracked(): Promise<string[]>;
  /** True for the first caller only: that caller delivers. */
  claim(what: string): Promise<boolean>;
  /** Gives a claim back after a failed delivery so a later attempt may deliver. */
  release(what: string): Promise<void>;
  addHistory(userKey: string, batchId: string): Promise<void>;
  history(userKey: string, limit: number): Promise<string[]>;
}

const HISTORY_KEEP = 20;

export class RedisTrackingStore implements TrackingStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    platform: string,
    /** How long delivery claims and history are kept (match the queue's output retention). */
    private readonly ttlSeconds: number,
  ) {
    this.base = `${prefix}:bots:${platform}`;
  }

  async track(batchId: string): Promise<void> {
    await this.redis.sadd(`${this.base}:tracked`, batchId);
  }
  async untrack(batchId: string): Promise<void> {
    await this.redis.srem(`${this.base}:tracked`, batchId);
  }
  tracked(): Promise<string[]> {
    return this.redis.smembers(`${this.base}:tracked`);
  }
  async claim(what: string): Promise<boolean> {
    return (await this.redis.set(`${this.base}:claim:${what}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }
  async release(what: string): Promise<void> {
    await this.redis.del(`${this.base}:claim:${what}`);
  }
  async addHistory(userKey: string, batchId: string): Promise<void> {
    const key = `${this.base}:history:${userKey}`;
    await this.redis.multi().lpush(key, batchId).ltrim(key, 0, HISTORY_KEEP - 1).expire(key, this.ttlSeconds).exec();
  }
  history(userKey: string, limit: number): Promise<string[]> {
    return this.redis.lrange(`${this.base}:history:${userKey}`, 0, limit - 1);
  }
}

/** In-memory store for unit tests and single-process tools. */
export class MemoryTrackingStore implements TrackingStore {
  readonly trackedSet = new Set<string>();
  readonly claims = new Set<string>();
  readonly histories = new Map<string, string[]>();

  async track(batchId: string): Promise<void> {
    this.trackedSet.add(batchId);
  }
  async untrack(batchId: string): Promise<void> {
    this.trackedSet.delete(batchId);
  }
  async tracked(): Promise<string[]> {
    return [...this.trackedSet];
  }
  async claim(what: string): Promise<boolean> {
    if (this.claims.has(what)) return false;
    this.claims.add(what);
    return true;
  }
  async release(what: string): Promise<void> {
    this.claims.delete(what);
  }
  async addHistory(userKey: string, batchId: string): Promise<void> {
    this.histories.set(userKey, [batchId, ...(this.histories.get(userKey) ?? [])].slice(0, HISTORY_KEEP));
  }
  async history(userKey: string, limit: number): Promise<string[]> {
    return (this.histories.get(userKey) ?? []).slice(0, limit);
  }
}
