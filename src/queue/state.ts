import type { Redis } from 'ioredis';
import { defineLuaCommands, luaCommand, type LuaCommand } from './luaCommands.js';
import type { RenderClipOptions } from '../pipeline/render/types.js';
import { QueueKeys } from './keys.js';
import { BatchHistory } from './batchHistory.js';
import { BATCH_LOG_MAX, finishClipLua, fixCounterLua, progressLua, queuedLua, requeueClipLua, reserveLua, startClipLua } from './scripts.js';
import type {
  BatchLogEntry,
  BatchState,
  ClipFailure,
  ClipOutput,
  ClipProgress,
  ClipState,
  ClipStatus,
  Owner,
  ReplyTo,
} from './types.js';


export type StartOutcome = 'ok' | 'missing' | 'terminal' | 'cancel';

export interface FinishOutcome {
  /** False when the clip had already ended (a re-run after a crash): nothing was announced again. */
  changed: boolean;
  batchFinished: boolean;
  /** Inputs no batch references any more; the caller may delete them. */
  freedInputs: string[];
}

export interface NewClip {
  clipId: string;
  index: number;
  template: string;
  renderKey: string;
  /** 0 for clips that are already done (cache hits); they are not counted as pending. */
  priority: number;
  /** Storage key of the template: a failed clip's retry renders it again. */
  templateKey?: string;
}

export interface NewBatch {
  batchId: string;
  owner: Owner;
  replyTo: ReplyTo | null;
  locale?: string;
  options: RenderClipOptions;
  audio: string;
  /** Storage key of the audio: a failed clip's retry renders it again. */
  audioKey?: string;
  inputKeys: string[];
  clips: NewClip[];
  createdAt: number;
}

export type Ending =
  | { status: 'done'; output: ClipOutput }
  | { status: 'failed'; error: ClipFailure }
  | { status: 'cancelled'; by: string };

/** A user's counters expire when the user has not submitted for this long (a stuck counter heals by itself). */
export const USER_KEY_TTL_SECONDS = 7 * 86_400;

/** Batch and clip records in Redis: the single source of truth a restarted bot or CLI rebuilds its view from. */
export class StateStore {
  readonly keys: QueueKeys;
  /** Per-user history, batch logs, retry and delete of past batches. */
  readonly history: BatchHistory;

  constructor(
    readonly redis: Redis,
    prefix: string,
    private readonly eventsMaxLen: number,
    private readonly finishedTtlSeconds: number,
  ) {
    this.keys = new QueueKeys(prefix);
    this.history = new BatchHistory(redis, this.keys, eventsMaxLen);
    const scripts: Record<string, string> = {
      lsReserve: reserveLua,
      lsStartClip: startClipLua,
      lsProgress: progressLua,
      lsRequeueClip: requeueClipLua,
      lsQueued: queuedLua,
      lsFinishClip: finishClipLua,
      lsFixCounter: fixCounterLua,
    };
    defineLuaCommands(redis, scripts);
  }

  private script(name: string): LuaCommand {
    return luaCommand(this.redis, name);
  }

  /** Returns the first of `n` consecutive priorities, or null when the user would exceed `maxPending`. */
  async reserve(user: string, n: number, maxPending: number | null): Promise<{ firstPriority: number | null; pendingBefore: number }> {
    const reply = (await this.script('lsReserve')(this.keys.base, user, n, maxPending ?? -1, Date.now(), USER_KEY_TTL_SECONDS)) as [number, number];
    return { firstPriority: reply[0] < 0 ? null : reply[0], pendingBefore: reply[1] };
  }

  /** Gives back reservations that never became clips (submission failed half-way). */
  async unreserve(user: string, n: number): Promise<void> {
    await this.redis.multi().hincrby(this.keys.user(user), 'pending', -n).hincrby(this.keys.fair(), 'pending', -n).exec();
  }

  async createBatch(b: NewBatch, user: string): Promise<void> {
    const k = this.keys;
    const m = this.redis.multi();
    m.hset(k.batch(b.batchId), {
      batchId: b.batchId,
      owner: JSON.stringify(b.owner),
      replyTo: JSON.stringify(b.replyTo),
      ...(b.locale ? { locale: b.locale } : {}),
      options: JSON.stringify(b.options),
      audio: b.audio,
      ...(b.audioKey ? { audioKey: b.audioKey } : {}),
      user,
      status: 'running',
      createdAt: b.createdAt,
      total: b.clips.length,
      finished: 0,
      done: 0,
      failed: 0,
      cancelled: 0,
    });
    m.rpush(k.batchClips(b.batchId), ...b.clips.map((c) => c.clipId));
    for (const key of new Set(b.inputKeys)) {
      m.sadd(k.batchInputs(b.batchId), key);
      m.incr(k.inputRef(key));
    }
    for (const c of b.clips) {
      m.hset(k.clip(c.clipId), {
        clipId: c.clipId,
        batchId: b.batchId,
        index: c.index,
        template: c.template,
        renderKey: c.renderKey,
        ...(c.templateKey ? { templateKey: c.templateKey } : {}),
        user,
        status: 'queued',
        attempts: 0,
        priority: c.priority,
        counted: c.priority > 0 ? 1 : 0,
        createdAt: b.createdAt,
      });
    }
    m.sadd(k.activeBatches(), b.batchId);
    // The history index and the per-output batch sets are written with the batch (see batchHistory.ts).
    m.zadd(k.history(user), b.createdAt, b.batchId);
    m.expire(k.history(user), this.finishedTtlSeconds);
    for (const renderKey of new Set(b.clips.map((c) => c.renderKey))) {
      m.sadd(k.outputBatches(renderKey), b.batchId);
      m.persist(k.outputBatches(renderKey));
    }
    const queued = b.clips.filter((c) => c.priority > 0);
    if (queued.length > 0) {
      m.rpush(k.batchLog(b.batchId), ...queued.map((c) => JSON.stringify({ at: b.createdAt, clipId: c.clipId, index: c.index, kind: 'queued' } satisfies BatchLogEntry)));
      m.ltrim(k.batchLog(b.batchId), -BATCH_LOG_MAX, -1);
    }
    await m.exec();
  }

  /** Seconds a finished batch's records are kept. */
  get finishedTtl(): number {
    return this.finishedTtlSeconds;
  }

  async start(clipId: string): Promise<StartOutcome> {
    return (await this.script('lsStartClip')(this.keys.base, clipId, Date.now(), this.eventsMaxLen)) as StartOutcome;
  }

  /** `at` is when the render reported it (keeps the events' spacing exactly as throttled). */
  async progress(clipId: string, progress: ClipProgress, at: number = Date.now()): Promise<void> {
    await this.script('lsProgress')(this.keys.base, clipId, JSON.stringify(progress), at, this.eventsMaxLen);
  }

  async requeue(clipId: string): Promise<boolean> {
    return (await this.script('lsRequeueClip')(this.keys.base, clipId)) === 1;
  }

  /** Emits `queued(position)` unless the clip has left the queue meanwhile. */
  async announcePosition(clipId: string, position: number, etaSeconds: number | null): Promise<void> {
    await this.script('lsQueued')(this.keys.base, clipId, position, etaSeconds ?? '', Date.now(), this.eventsMaxLen);
  }

  async finish(clipId: string, ending: Ending): Promise<FinishOutcome> {
    let fields: Record<string, string>;
    let eventType: string;
    let eventData: object;
    switch (ending.status) {
      case 'done':
        fields = { output: JSON.stringify(ending.output) };
        eventType = 'clipDone';
        eventData = { output: ending.output };
        break;
      case 'failed':
        fields = { error: JSON.stringify(ending.error) };
        eventType = 'clipFailed';
        eventData = { reason: ending.error };
        break;
      case 'cancelled':
        fields = { error: JSON.stringify({ code: 'cancelled', message: 'Cancelled.' }), cancelledBy: ending.by };
        eventType = 'cancelled';
        eventData = { by: ending.by };
        break;
    }
    const reply = (await this.script('lsFinishClip')(
      this.keys.base,
      clipId,
      ending.status,
      JSON.stringify(fields),
      eventType,
      JSON.stringify(eventData),
      Date.now(),
      this.eventsMaxLen,
      this.finishedTtlSeconds,
    )) as (number | string)[];
    const code = Number(reply[0]);
    return { changed: code > 0, batchFinished: code === 2, freedInputs: reply.slice(1).map(String) };
  }

  /** Marks a clip so a worker that picks it up (or is rendering it) stops. Returns false when it already ended. */
  async requestCancel(clipId: string, by: string): Promise<boolean> {
    const status = await this.redis.hget(this.keys.clip(clipId), 'status');
    if (status === null || status === 'done' || status === 'failed' || status === 'cancelled') return false;
    await this.redis.hset(this.keys.clip(clipId), { cancelRequested: 1, cancelledBy: by });
    return true;
  }

  async cancelRequested(clipId: string): Promise<string | null> {
    const [flag, by] = await this.redis.hmget(this.keys.clip(clipId), 'cancelRequested', 'cancelledBy');
    return flag === '1' ? (by ?? 'unknown') : null;
  }

  async clipBatchId(clipId: string): Promise<string | null> {
    return this.redis.hget(this.keys.clip(clipId), 'batchId');
  }

  async batchExists(batchId: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.batch(batchId))) === 1;
  }

  async clipIds(batchId: string): Promise<string[]> {
    return this.redis.lrange(this.keys.batchClips(batchId), 0, -1);
  }

  async activeBatchIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.activeBatches());
  }

  /**
   * True while a batch that is running, or finished but not yet expired, references this output: retention
   * must not delete it (the bot may still be delivering it, its links still work).
   */
  async isOutputHeld(renderKey: string, now: number = Date.now()): Promise<boolean> {
    const [active, until] = await this.redis.multi().hexists(this.keys.activeOutputs(), renderKey).zscore(this.keys.heldOutputs(), renderKey).exec() ?? [];
    if (Number(active?.[1] ?? 0) === 1) return true;
    const score = until?.[1];
    return score !== null && score !== undefined && Number(score) > now;
  }

  /** Forgets holds of batches that expired. */
  async pruneHeldOutputs(now: number = Date.now()): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.heldOutputs(), '-inf', now);
  }

  /** Raw fields of a clip record (for the reconciler). */
  async clipFields<F extends string>(clipId: string, fields: F[]): Promise<Partial<Record<F, string>>> {
    const values = await this.redis.hmget(this.keys.clip(clipId), ...fields);
    const out: Partial<Record<F, string>> = {};
    fields.forEach((f, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out[f] = v;
    });
    return out;
  }

  /** Forgets a batch id whose record is gone. */
  async dropActiveBatch(batchId: string): Promise<void> {
    if (!(await this.batchExists(batchId))) await this.redis.srem(this.keys.activeBatches(), batchId);
  }

  /**
   * Sets every user's waiting-clip counter (and the global one) to the clips really waiting, `waiting` as counted
   * by the reconciler. Users who reserved after `cutoff` are left alone. Returns how many counters changed.
   */
  async fixPendingCounters(waiting: ReadonlyMap<string, number>, cutoff: number): Promise<number> {
    const prefix = `${this.keys.base}:user:`;
    const stored = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const k of keys) stored.set(k.slice(prefix.length), (await this.redis.hget(k, 'pending')) ?? '');
    } while (cursor !== '0');
    let fixed = 0;
    let total = 0;
    for (const user of new Set([...stored.keys(), ...waiting.keys()])) {
      const want = waiting.get(user) ?? 0;
      const have = stored.get(user) ?? '';
      if (have !== '' && Number(have) === want) {
        total += want;
        continue;
      }
      const ok = (await this.script('lsFixCounter')(this.keys.base, this.keys.user(user), 'pending', have, want, cutoff)) === 1;
      if (ok) {
        fixed++;
        total += want;
        if (want > 0) await this.redis.expire(this.keys.user(user), USER_KEY_TTL_SECONDS);
      } else {
        total += Number((await this.redis.hget(this.keys.user(user), 'pending')) ?? 0);
      }
    }
    const fair = (await this.redis.hget(this.keys.fair(), 'pending')) ?? '';
    if (fair !== String(total) && !(fair === '' && total === 0)) {
      await this.script('lsFixCounter')(this.keys.base, this.keys.fair(), 'pending', fair, total, 0);
    }
    return fixed;
  }

  async isInputReferenced(inputKey: string): Promise<boolean> {
    return Number((await this.redis.get(this.keys.inputRef(inputKey))) ?? '0') > 0;
  }

  async getClip(clipId: string): Promise<ClipState | null> {
    const h = await this.redis.hgetall(this.keys.clip(clipId));
    return h.clipId ? parseClip(h) : null;
  }

  async getBatch(batchId: string): Promise<BatchState | null> {
    const h = await this.redis.hgetall(this.keys.batch(batchId));
    if (!h.batchId) return null;
    const ids = await this.clipIds(batchId);
    const p = this.redis.pipeline();
    for (const id of ids) p.hgetall(this.keys.clip(id));
    const rows = (await p.exec()) ?? [];
    const clips: ClipState[] = [];
    for (const [err, row] of rows) {
      if (!err && row && typeof row === 'object' && (row as Record<string, string>).clipId) clips.push(parseClip(row as Record<string, string>));
    }
    return {
      batchId: h.batchId,
      owner: JSON.parse(h.owner ?? '{}') as Owner,
      replyTo: JSON.parse(h.replyTo ?? 'null') as ReplyTo | null,
      ...(h.locale ? { locale: h.locale } : {}),
      options: JSON.parse(h.options ?? '{}') as RenderClipOptions,
      audio: h.audio ?? '',
      status: h.status === 'finished' ? 'finished' : 'running',
      createdAt: Number(h.createdAt),
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
      summary: {
        total: Number(h.total ?? 0),
        done: Number(h.done ?? 0),
        failed: Number(h.failed ?? 0),
        cancelled: Number(h.cancelled ?? 0),
      },
      clips: clips.sort((a, b) => a.index - b.index),
      lastEventId: h.lastEventId ?? null,
    };
  }

  /** Exponential moving average of seconds per clip, for ETAs. */
  async recordRenderSeconds(seconds: number): Promise<void> {
    const prev = Number((await this.redis.hget(this.keys.stats(), 'avgSeconds')) ?? 'NaN');
    const next = Number.isFinite(prev) ? prev * 0.8 + seconds * 0.2 : seconds;
    await this.redis.hset(this.keys.stats(), 'avgSeconds', next.toFixed(3));
  }

  async averageRenderSeconds(): Promise<number | null> {
    const v = Number((await this.redis.hget(this.keys.stats(), 'avgSeconds')) ?? 'NaN');
    return Number.isFinite(v) ? v : null;
  }
}

function parseJson<T>(s: string | undefined): T | null {
  if (!s) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}

function parseClip(h: Record<string, string>): ClipState {
  return {
    clipId: h.clipId ?? '',
    batchId: h.batchId ?? '',
    index: Number(h.index ?? 0),
    template: h.template ?? '',
    status: (h.status ?? 'queued') as ClipStatus,
    attempts: Number(h.attempts ?? 0),
    progress: parseJson<ClipProgress>(h.progress),
    output: parseJson<ClipOutput>(h.output),
    error: parseJson<ClipFailure>(h.error),
    createdAt: Number(h.createdAt ?? 0),
    startedAt: h.startedAt ? Number(h.startedAt) : null,
    finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
  };
}
