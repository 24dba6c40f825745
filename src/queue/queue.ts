import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/queue.js';
import { InputError } from '../errors.js';
import { shortenFileName, wellFormed } from '../format.js';
import type { Logger } from '../log.js';
import { probeAudioSeconds } from './audioDuration.js';
import { renderKey } from './dedup.js';
import { subscribeEvents, type QueueEvent, type SubscribeOptions, type Subscription } from './events.js';
import { priorityRange } from './fairness.js';
import { IntakeGate, type IntakeReservation, type IntakeWant } from './intake.js';
import { clipIdFor, newId, QUEUE_NAME, userRef } from './keys.js';
import { checkBatchLimits, queueFullError } from './limits.js';
import { etaSeconds, positionsOf } from './positions.js';
import { releaseInputs } from './release.js';
import { StateStore } from './state.js';
import { openStorage } from './openStorage.js';
import type { OutputReader, Storage, StoredInput } from './storage.js';
import type {
  BatchLogEntry,
  BatchPage,
  BatchState,
  ClipState,
  ClipJobData,
  ClipJobResult,
  Owner,
  Position,
  QueuedClip,
  SubmitBatchRequest,
  SubmitBatchResult,
} from './types.js';

export interface RenderQueueDeps {
  /** A client made by createRedis() (BullMQ needs maxRetriesPerRequest: null). Not closed by close(). */
  redis: Redis;
  config: QueueConfig;
  storage?: Storage;
  /** Audio length probe (default: ffprobe). */
  probeAudio?: (file: string, label: string) => Promise<number>;
  log?: Logger;
}

/** Keep finished batch records (and their Redis job entries) as long as their outputs. */
export function finishedTtlSeconds(config: QueueConfig): number {
  return Math.max(60, Math.round(config.retention.outputTtlMs / 1000));
}

export function clipJobOptions(config: QueueConfig): JobsOptions {
  const ttl = finishedTtlSeconds(config);
  return {
    attempts: config.worker.attempts,
    backoff: { type: 'exponential', delay: config.worker.backoffMs },
    removeOnComplete: { age: ttl, count: 5_000 },
    removeOnFail: { age: ttl, count: 5_000 },
  };
}

/** The submit side of the queue: used by the bots, the CLI and the web server. Never renders. */
export class RenderQueue {
  readonly queue: Queue<ClipJobData, ClipJobResult>;
  readonly state: StateStore;
  readonly storage: Storage;
  /** Admission before downloads: quota and byte-budget reservations, and the download/probe slots. */
  readonly intake: IntakeGate;
  private readonly config: QueueConfig;
  private readonly redis: Redis;
  private readonly probeAudio: (file: string, label: string) => Promise<number>;
  private readonly cacheSalt: string;
  /** Opened here from the settings (closed with the queue), not passed in by the caller. */
  private readonly ownsStorage: boolean;

  constructor(deps: RenderQueueDeps) {
    this.config = deps.config;
    this.redis = deps.redis;
    this.ownsStorage = deps.storage === undefined;
    this.storage = deps.storage ?? openStorage(deps.config.storage);
    this.probeAudio = deps.probeAudio ?? probeAudioSeconds;
    this.cacheSalt = deps.config.cacheSalt;
    this.queue = new Queue<ClipJobData, ClipJobResult>(QUEUE_NAME, {
      connection: deps.redis,
      prefix: deps.config.prefix,
      defaultJobOptions: clipJobOptions(deps.config),
    });
    this.state = new StateStore(deps.redis, deps.config.prefix, deps.config.eventsMaxLen, finishedTtlSeconds(deps.config));
    this.intake = new IntakeGate(deps.redis, deps.config.prefix, this.storage, deps.config.intake, deps.config.limits.maxWaitingPerUser);
  }

  /**
   * Call before downloading a user's files: reserves `want.clips` of the user's waiting-clip quota and `want.bytes`
   * of the disk budget, or throws InputError 'queue-full' / 'busy'. Release it when the files are submitted or
   * dropped (it expires by itself after QUEUE_RESERVATION_TTL_MINUTES if the holder dies).
   */
  reserveIntake(owner: Owner, want: IntakeWant): Promise<IntakeReservation> {
    return this.intake.reserve(userRef(owner), want, this.isPrivileged(owner));
  }

  /** Runs a download (and its probe) in one of the process-wide slots (QUEUE_MAX_CONCURRENT_DOWNLOADS). */
  withIntakeSlot<T>(fn: () => Promise<T>): Promise<T> {
    return this.intake.slot(fn);
  }

  /** Admins and the local operator (CLI) may cancel anything and are not held to per-user limits. */
  isPrivileged(who: Owner): boolean {
    return who.platform === 'cli' || this.config.adminIds.includes(userRef(who));
  }

  async submitBatch(req: SubmitBatchRequest): Promise<SubmitBatchResult> {
    const exempt = this.isPrivileged(req.owner);
    const limits = this.config.limits;
    const audioLabel = displayLabel(req.audio.label, 'audio');
    checkBatchLimits(limits, req.videos.length, 0, exempt);
    const audioSeconds = req.audioSeconds ?? (await this.probeAudio(req.audio.path, audioLabel));
    checkBatchLimits(limits, req.videos.length, audioSeconds, exempt);

    const options = req.options ?? {};
    const user = userRef(req.owner);
    // The quota is taken before anything is copied: a user at the limit must not leave files behind per try.
    // Every template counts until the copies show which are cached; those are given back below.
    const reservation = await this.state.reserve(user, req.videos.length, exempt ? null : limits.maxWaitingPerUser);
    if (reservation.firstPriority === null) {
      throw queueFullError(reservation.pendingBefore, req.videos.length, limits.maxWaitingPerUser);
    }
    let unclaimed = req.videos.length;
    const batchId = newId('b');
    // Set once the inputs are stored: releaseInputs only deletes inputs older than their batch.
    let createdAt = 0;
    let audio: StoredInput;
    let clips: { clipId: string; index: number; template: string; templateKey: string; renderKey: string; cached: boolean }[];
    let toRender: typeof clips;
    let priorityOf: Map<string, number>;
    const templates: { input: StoredInput; label: string }[] = [];
    try {
      audio = await this.storage.putInput(req.audio.path, req.audio.label ?? req.audio.path);
      for (const [i, v] of req.videos.entries()) {
        const input = await this.storage.putInput(v.path, v.label ?? v.path);
        templates.push({ input, label: displayLabel(v.label, `video ${i + 1}`) });
      }
      const audioHash = audio.hash;
      clips = await Promise.all(
        templates.map(async (t, index) => {
          const key = renderKey(audioHash, t.input.hash, options, this.cacheSalt);
          const cached = (await this.storage.statOutput(key)) !== null;
          // Refreshed at once, so a retention pass that listed it as old sees it is in use before deleting it.
          if (cached) await this.storage.touchOutput(key);
          return { clipId: clipIdFor(batchId, index), index, template: t.label, templateKey: t.input.key, renderKey: key, cached };
        }),
      );
      toRender = clips.filter((c) => !c.cached);
      const cachedCount = clips.length - toRender.length;
      if (cachedCount > 0) {
        await this.state.unreserve(user, cachedCount);
        unclaimed -= cachedCount;
      }
      createdAt = Date.now();
      const priorities = priorityRange(reservation.firstPriority, toRender.length);
      priorityOf = new Map(toRender.map((c, i) => [c.clipId, priorities[i] ?? 1]));
      await this.state.createBatch(
        {
          batchId,
          owner: req.owner,
          replyTo: req.replyTo ?? null,
          ...(req.locale ? { locale: req.locale } : {}),
          options,
          audio: audioLabel,
          audioKey: audio.key,
          inputKeys: [audio.key, ...templates.map((t) => t.input.key)],
          clips: clips.map((c) => ({ ...c, priority: priorityOf.get(c.clipId) ?? 0 })),
          createdAt,
        },
        user,
      );
    } catch (err) {
      await this.state.unreserve(user, unclaimed).catch(() => undefined);
      throw err;
    }

    try {
      await this.queue.addBulk(
        toRender.map((c) => ({
          name: 'clip',
          data: {
            clipId: c.clipId,
            batchId,
            audioKey: audio.key,
            templateKey: c.templateKey,
            renderKey: c.renderKey,
            options,
            audioLabel,
            templateLabel: c.template,
          },
          opts: { jobId: c.clipId, priority: priorityOf.get(c.clipId) ?? 1 },
        })),
      );
    } catch (err) {
      await this.failUnqueued(toRender.map((c) => c.clipId));
      throw err;
    }

    for (const c of clips.filter((x) => x.cached)) {
      const stat = await this.storage.statOutput(c.renderKey);
      await this.storage.touchOutput(c.renderKey);
      const outcome = await this.state.finish(c.clipId, {
        status: 'done',
        output: { key: c.renderKey, path: this.storage.outputLocation(c.renderKey), bytes: stat?.bytes ?? 0, cached: true },
      });
      if (outcome.batchFinished) await releaseInputs(this.storage, this.state, outcome.freedInputs, createdAt);
    }

    const positions = await this.announcePositions(toRender.map((c) => c.clipId));
    const posOf = new Map(positions.map((p) => [p.clipId, p]));
    const result: QueuedClip[] = clips.map((c) => {
      const p = posOf.get(c.clipId);
      return {
        clipId: c.clipId,
        template: c.template,
        status: c.cached ? 'done' : (p?.status ?? 'queued'),
        position: p?.position ?? null,
        etaSeconds: p?.etaSeconds ?? null,
        cached: c.cached,
      };
    });
    return { batchId, clips: result };
  }

  /** Place in line and ETA for clips (by id); clips that are not waiting get position null. */
  async positions(clipIds: string[]): Promise<Position[]> {
    if (clipIds.length === 0) return [];
    const [pos, avg, workers] = await Promise.all([
      positionsOf(this.redis, this.queue, clipIds),
      this.state.averageRenderSeconds(),
      this.queue.getWorkersCount().catch(() => 1),
    ]);
    const statuses = await Promise.all(clipIds.map((id) => this.redis.hget(this.state.keys.clip(id), 'status')));
    return clipIds.map((clipId, i) => {
      const status = (statuses[i] ?? 'queued') as Position['status'];
      const position = status === 'queued' ? (pos.get(clipId) ?? null) : null;
      return { clipId, status, position, etaSeconds: etaSeconds(position, avg, workers) };
    });
  }

  async batchPositions(batchId: string): Promise<Position[]> {
    return this.positions(await this.state.clipIds(batchId));
  }

  /** A finished clip's MP4 as a stream, from whichever store holds it (bots deliver through this, never a path). */
  openOutput(renderKey: string): Promise<OutputReader | null> {
    return this.storage.openOutput(renderKey);
  }

  getBatch(batchId: string): Promise<BatchState | null> {
    return this.state.getBatch(batchId);
  }

  getClip(clipId: string): Promise<ClipState | null> {
    return this.state.getClip(clipId);
  }

  /** Batches not finished yet, e.g. for a bot that restarts and must carry on editing its messages. */
  async listActiveBatches(): Promise<BatchState[]> {
    const ids = await this.state.activeBatchIds();
    const batches = await Promise.all(ids.map((id) => this.state.getBatch(id)));
    return batches.filter((b): b is BatchState => b !== null).sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Cancels a whole batch or one clip. Waiting clips are removed at once; an active clip is signalled over
   * Redis and its worker aborts the render. Only the owner, an admin or the local operator may cancel.
   */
  async cancel(target: string, by: Owner): Promise<{ batchId: string; cancelled: number }> {
    let batchId: string | null = target;
    let clipIds: string[];
    if (await this.state.batchExists(target)) {
      clipIds = await this.state.clipIds(target);
    } else {
      batchId = await this.state.clipBatchId(target);
      clipIds = [target];
    }
    const batch = batchId ? await this.state.getBatch(batchId) : null;
    if (!batchId || !batch) throw notFoundError();
    this.checkOwner(batch, by);
    const who = userRef(by);
    let cancelled = 0;
    for (const clipId of clipIds) {
      if (!(await this.state.requestCancel(clipId, who))) continue;
      cancelled++;
      const removed = await this.queue.remove(clipId);
      const jobState = removed === 1 ? 'removed' : await this.queue.getJobState(clipId);
      if (jobState === 'active') {
        await this.redis.publish(this.state.keys.cancelChannel(), clipId);
        continue;
      }
      const outcome = await this.state.finish(clipId, { status: 'cancelled', by: who });
      if (outcome.batchFinished) await releaseInputs(this.storage, this.state, outcome.freedInputs, batch.createdAt);
    }
    return { batchId, cancelled };
  }

  /** One page (1-based) of a user's batches, newest first: running ones and finished ones not yet expired. */
  async listBatches(owner: Owner, page: number, perPage = 20): Promise<BatchPage> {
    const size = Math.min(Math.max(1, Math.floor(perPage)), 100);
    const offset = (Math.max(1, Math.floor(page)) - 1) * size;
    const { total, batchIds } = await this.state.history.page(userRef(owner), offset, size);
    const batches = await Promise.all(batchIds.map((id) => this.state.getBatch(id)));
    return { total, batches: batches.filter((b): b is BatchState => b !== null) };
  }

  /** What happened to each clip of a batch, oldest first (empty when the batch is gone). */
  batchLog(batchId: string): Promise<BatchLogEntry[]> {
    return this.state.history.log(batchId);
  }

  /**
   * Deletes a batch for good: its unfinished clips are cancelled, its records go, and so do its output files,
   * except those another existing batch references (outputs are shared by content). Owner, admin or operator only.
   */
  async deleteBatch(batchId: string, by: Owner): Promise<void> {
    const batch = await this.state.getBatch(batchId);
    if (!batch) throw notFoundError();
    this.checkOwner(batch, by);
    if (batch.status === 'running') {
      // Waiting clips end now; an active one is told to stop and its ending finds no record (settled below).
      await this.cancel(batchId, by).catch((err: unknown) => {
        if (!(err instanceof InputError && err.code === 'not-found')) throw err;
      });
    }
    const { freedInputs, freeOutputs } = await this.state.history.deleteRecords(batchId);
    await releaseInputs(this.storage, this.state, freedInputs, batch.createdAt);
    for (const key of freeOutputs) await this.storage.remove('outputs', key);
  }

  /**
   * Renders a failed clip again: a fresh job with the clip's stored inputs, queued fairly as a new submission
   * would be; the batch runs again until the clip ends. InputError 'not-retryable' for any clip not failed.
   */
  async retryClip(clipId: string, by: Owner): Promise<void> {
    const clip = await this.state.getClip(clipId);
    const batch = clip ? await this.state.getBatch(clip.batchId) : null;
    if (!clip || !batch) throw notFoundError();
    this.checkOwner(batch, by);
    const raw = await this.state.clipFields(clipId, ['templateKey', 'renderKey', 'user']);
    const audioKey = await this.redis.hget(this.state.keys.batch(batch.batchId), 'audioKey');
    const finishedWithHold = batch.status === 'running' || (await this.state.history.holdsInputs(batch.batchId));
    if (clip.status !== 'failed' || !raw.templateKey || !raw.renderKey || !raw.user || !audioKey || !finishedWithHold) throw notRetryableError();
    if (!(await this.storage.hasInput(audioKey)) || !(await this.storage.hasInput(raw.templateKey))) throw notRetryableError();
    // The failed job keeps the clip's id in BullMQ until it is removed; a new one cannot be added before.
    await this.removeEndedJob(clipId);

    const limits = this.config.limits;
    const reservation = await this.state.reserve(raw.user, 1, this.isPrivileged(by) ? null : limits.maxWaitingPerUser);
    if (reservation.firstPriority === null) throw queueFullError(reservation.pendingBefore, 1, limits.maxWaitingPerUser);
    const priority = priorityRange(reservation.firstPriority, 1)[0] ?? 1;
    const outcome = await this.state.history.retry(clipId, priority).catch(async (err: unknown) => {
      await this.state.unreserve(raw.user!, 1).catch(() => undefined);
      throw err;
    });
    if (outcome !== 'ok') {
      await this.state.unreserve(raw.user, 1);
      if (outcome === 'missing') throw notFoundError();
      throw notRetryableError();
    }
    const data: ClipJobData = {
      clipId,
      batchId: batch.batchId,
      audioKey,
      templateKey: raw.templateKey,
      renderKey: raw.renderKey,
      options: batch.options,
      audioLabel: batch.audio,
      templateLabel: clip.template,
    };
    try {
      await this.queue.add('clip', data, { jobId: clipId, priority });
    } catch (err) {
      await this.failUnqueued([clipId]);
      throw err;
    }
    await this.announcePositions([clipId]);
  }

  /** Clips whose jobs could not be added end as failed ('queue-unavailable'), so their batch does not wait for them. */
  private async failUnqueued(clipIds: readonly string[]): Promise<void> {
    for (const clipId of clipIds) {
      await this.state
        .finish(clipId, { status: 'failed', error: { code: 'queue-unavailable', message: 'The render queue is unavailable. Please try again later.' } })
        .catch(() => undefined);
    }
  }

  /** Places in line of clips just queued, each announced (a 'queued' event) to whoever follows the batch. */
  private async announcePositions(clipIds: string[]): Promise<Position[]> {
    const positions = await this.positions(clipIds);
    for (const p of positions) {
      if (p.position !== null) await this.state.announcePosition(p.clipId, p.position, p.etaSeconds);
    }
    return positions;
  }

  /** A failed job may still be on its way out of 'active' for a moment after its clip failed. */
  private async removeEndedJob(clipId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const jobState = await this.queue.getJobState(clipId);
      if (jobState === 'unknown') return;
      if (jobState !== 'active') {
        await this.queue.remove(clipId);
        return;
      }
      if (attempt >= 50) throw notRetryableError();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private checkOwner(batch: BatchState, by: Owner): void {
    if (!this.isPrivileged(by) && userRef(by) !== userRef(batch.owner)) {
      throw new InputError('not-owner', 'Only the person who started this batch can cancel it.');
    }
  }

  subscribe(onEvent: (event: QueueEvent) => void | Promise<void>, options: SubscribeOptions = {}): Promise<Subscription> {
    return subscribeEvents(this.redis, this.config.prefix, onEvent, options);
  }

  async close(): Promise<void> {
    await this.queue.close();
    if (this.ownsStorage) this.storage.close?.();
  }
}

function notFoundError(): InputError {
  return new InputError('not-found', "I can't find that batch or clip. It may have finished a while ago.");
}

function notRetryableError(): InputError {
  return new InputError('not-retryable', 'Only a failed clip can be rendered again, and only while its batch is still kept.');
}

/** Printable name for a user's file: no control characters or paths, bounded length. Display only. */
export function displayLabel(label: string | undefined, fallback: string): string {
  const base = (label ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = shortenFileName(wellFormed(base).replace(/[\u0000-\u001f\u007f]/g, '').trim(), 80).trim();
  return clean === '' ? fallback : clean;
}
