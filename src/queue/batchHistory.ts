import type { Redis } from 'ioredis';
import { deleteBatchLua, pruneHistoryLua, releaseHeldInputsLua, retryClipLua } from './historyScripts.js';
import type { QueueKeys } from './keys.js';
import { defineLuaCommands, luaCommand, type LuaCommand } from './luaCommands.js';
import type { BatchLogEntry, BatchLogKind } from './types.js';

export type RetryOutcome = 'ok' | 'missing' | 'not-failed' | 'inputs-gone';

export interface DeletedRecords {
  /** Inputs no batch counts any more: delete them (releaseInputs). */
  freedInputs: string[];
  /** Outputs no other existing batch references: delete their files. */
  freeOutputs: string[];
}

const logKinds: ReadonlySet<string> = new Set<BatchLogKind>(['queued', 'started', 'done', 'failed', 'cancelled', 'retried', 'cached']);

/**
 * The records that let a user look back: a per-user index of batches (`history:<userRef>`, written with the batch,
 * pruned lazily when listed), each batch's log, and the holds that keep a failed batch's inputs for a retry.
 * Retry and delete of past batches change these records atomically (historyScripts.ts).
 */
export class BatchHistory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: QueueKeys,
    private readonly eventsMaxLen: number,
  ) {
    const scripts: Record<string, string> = {
      lsRetryClip: retryClipLua,
      lsDeleteBatch: deleteBatchLua,
      lsReleaseHeldInputs: releaseHeldInputsLua,
      lsPruneHistory: pruneHistoryLua,
    };
    defineLuaCommands(redis, scripts);
  }

  private script(name: string): LuaCommand {
    return luaCommand(this.redis, name);
  }

  /** Batch ids of one page of a user's history, newest first, and how many batches the user has in all. */
  async page(user: string, offset: number, count: number): Promise<{ total: number; batchIds: string[] }> {
    const total = Number(await this.script('lsPruneHistory')(this.keys.base, user));
    const batchIds = count > 0 && offset < total ? await this.redis.zrevrange(this.keys.history(user), offset, offset + count - 1) : [];
    return { total, batchIds };
  }

  /** Keeps a running batch listed (the index expires with the user's last finished batch otherwise). */
  async keepListed(user: string, batchId: string, createdAt: number, ttlSeconds: number): Promise<void> {
    await this.redis.multi().zadd(this.keys.history(user), createdAt, batchId).expire(this.keys.history(user), ttlSeconds).exec();
  }

  async log(batchId: string): Promise<BatchLogEntry[]> {
    const rows = await this.redis.lrange(this.keys.batchLog(batchId), 0, -1);
    return rows.map(parseLogEntry).filter((e): e is BatchLogEntry => e !== null);
  }

  /** Puts a failed clip back to 'queued' with this priority (reserved by the caller). */
  async retry(clipId: string, priority: number, at: number = Date.now()): Promise<RetryOutcome> {
    return (await this.script('lsRetryClip')(this.keys.base, clipId, priority, at)) as RetryOutcome;
  }

  async deleteRecords(batchId: string, at: number = Date.now()): Promise<DeletedRecords> {
    const [inputs, outputs] = (await this.script('lsDeleteBatch')(this.keys.base, batchId, at, this.eventsMaxLen)) as [string[], string[]];
    return { freedInputs: inputs.map(String), freeOutputs: outputs.map(String) };
  }

  /**
   * Ends the input holds of failed batches that expired: their inputs are no longer counted, and retention's sweep
   * of unreferenced inputs removes the files. Returns how many holds ended.
   */
  async releaseExpiredInputHolds(now: number = Date.now()): Promise<number> {
    const ids = await this.redis.zrangebyscore(this.keys.heldInputs(), '-inf', now);
    let released = 0;
    for (const id of ids) {
      await this.script('lsReleaseHeldInputs')(this.keys.base, id);
      released++;
    }
    return released;
  }

  /** True while a finished batch keeps its inputs for a retry. */
  async holdsInputs(batchId: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.heldInputs(), batchId)) !== null;
  }
}

function parseLogEntry(row: string): BatchLogEntry | null {
  let raw: unknown;
  try {
    raw = JSON.parse(row);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as Record<string, unknown>;
  if (typeof e.kind !== 'string' || !logKinds.has(e.kind) || typeof e.clipId !== 'string') return null;
  const entry: BatchLogEntry = { at: Number(e.at ?? 0), clipId: e.clipId, index: Number(e.index ?? 0), kind: e.kind as BatchLogKind };
  if (typeof e.code === 'string') entry.code = e.code;
  if (typeof e.params === 'object' && e.params !== null && !Array.isArray(e.params)) {
    const params: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(e.params)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = v;
    }
    entry.params = params;
  }
  return entry;
}
