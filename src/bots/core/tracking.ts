import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A delivery lease: `ok` (this caller delivers now, holding `token`), `done` (delivered before), or `busy` (another
 * attempt holds the lease for `retryInMs` more; it expires by itself if that process died).
 */
export type Lease = { state: 'ok'; token: string } | { state: 'done' } | { state: 'busy'; retryInMs: number };

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
  /**
   * Exactly-once delivery across restarts and replicas: lease `what` for `ms`, deliver, then `complete` (kept as
   * delivered) or `giveBack` (a later attempt may deliver). A process that dies mid-delivery loses its lease when it
   * expires, and the next attempt delivers.
   */
  lease(what: string, ms: number): Promise<Lease>;
  complete(what: string, token: string): Promise<void>;
  giveBack(what: string, token: string): Promise<void>;
  addHistory(userKey: string, batchId: string): Promise<void>;
  history(userKey: string, limit: number): Promise<string[]>;
}

const HISTORY_KEEP = 20;
const LEASE = 'lease:';

// A key without a lease value is delivered ('done'; '1' from older versions' claims).
const leaseScript = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {'ok', 0}
end
if string.sub(v, 1, ${LEASE.length}) == '${LEASE}' then return {'busy', redis.call('PTTL', KEYS[1])} end
return {'done', 0}`;
const giveBackScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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
  async lease(what: string, ms: number): Promise<Lease> {
    const token = `${LEASE}${randomUUID()}`;
    const [state, pttl] = (await this.redis.eval(leaseScript, 1, `${this.base}:claim:${what}`, token, String(Math.max(1, Math.round(ms))))) as [string, number];
    if (state === 'ok') return { state, token };
    if (state === 'busy') return { state, retryInMs: Math.max(1, Number(pttl)) };
    return { state: 'done' };
  }
  async complete(what: string, _token: string): Promise<void> {
    // Delivered is delivered, even if the lease ran out meanwhile: no later attempt should send it again.
    await this.redis.set(`${this.base}:claim:${what}`, 'done', 'EX', this.ttlSeconds);
  }
  async giveBack(what: string, token: string): Promise<void> {
    await this.redis.eval(giveBackScript, 1, `${this.base}:claim:${what}`, token);
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
  private readonly leases = new Map<string, string>();
  private leaseSeq = 0;
  async lease(what: string): Promise<Lease> {
    if (this.claims.has(what)) return { state: 'done' };
    if (this.leases.has(what)) return { state: 'busy', retryInMs: 1000 };
    const token = `t${++this.leaseSeq}`;
    this.leases.set(what, token);
    return { state: 'ok', token };
  }
  async complete(what: string): Promise<void> {
    this.leases.delete(what);
    this.claims.add(what);
  }
  async giveBack(what: string, token: string): Promise<void> {
    if (this.leases.get(what) === token) this.leases.delete(what);
  }
  async addHistory(userKey: string, batchId: string): Promise<void> {
    this.histories.set(userKey, [batchId, ...(this.histories.get(userKey) ?? [])].slice(0, HISTORY_KEEP));
  }
  async history(userKey: string, limit: number): Promise<string[]> {
    return (this.histories.get(userKey) ?? []).slice(0, limit);
  }
}
