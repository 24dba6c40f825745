import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, Queue, QueueEvents, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/queue.js';
import { CancelledError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RenderProgress } from '../pipeline/render/types.js';
import { ClipTimeLimit } from './clipTimeLimit.js';
import { QUEUE_NAME } from './keys.js';
import { etaSeconds, nextInLine, positionsOf } from './positions.js';
import { finishedTtlSeconds } from './queue.js';
import { releaseInputs } from './release.js';
import type { RenderFn } from './renderProtocol.js';
import { StateStore, type Ending } from './state.js';
import { openStorage } from './openStorage.js';
import { StorageUnavailableError, type LocalInput, type Storage } from './storage.js';
import { PROGRESS_INTERVAL_MS, Throttle } from './throttle.js';
import type { ClipJobData, ClipJobResult } from './types.js';

export interface WorkerDeps {
  /** Shared client from createRedis(); BullMQ duplicates it for its blocking reads. Not closed by close(). */
  redis: Redis;
  config: QueueConfig;
  /** renderClip, usually through createChildRenderer() so rendering stays off this event loop. */
  render: RenderFn;
  storage?: Storage;
  /** Where this worker keeps a clip's local files (inputs fetched from the store, the output before its upload). */
  workDir?: string;
  log: Logger;
}

export interface WorkerHandle {
  readonly worker: Worker<ClipJobData, ClipJobResult>;
  /**
   * Stops taking clips, lets the current one finish for the grace period, then aborts it and puts it back in
   * the queue (it is rendered again by the next worker). Resolves when the worker is idle and disconnected.
   */
  close(): Promise<void>;
  /** Aborts the current clip now and requeues it (a second Ctrl-C). */
  abortCurrent(): void;
}

type AbortReason = 'cancel' | 'shutdown' | 'timeout';

interface Current {
  clipId: string;
  abort(reason: AbortReason): void;
}

const internalFailure = 'Something went wrong on our side while rendering this clip. Please try again later.';
const inputsGone = 'The files for this clip are no longer stored. Please send them again.';
const timedOut = 'This clip took far longer to render than its length allows, so it was stopped. Please try a shorter audio or template.';
/** A clip that finds the object store down waits this long (at least) before a worker tries it again. */
const STORE_WAIT_MIN_MS = 1_000;
/** How many waiting clips get a fresh `queued(position)` event when the line moves. */
const ANNOUNCE_AHEAD = 50;

export async function startWorker(deps: WorkerDeps): Promise<WorkerHandle> {
  const { redis, config, render, log } = deps;
  const storage = deps.storage ?? openStorage(config.storage);
  const storeWaitMs = Math.max(STORE_WAIT_MIN_MS, config.worker.backoffMs);
  const state = new StateStore(redis, config.prefix, config.eventsMaxLen, finishedTtlSeconds(config));
  const queue = new Queue<ClipJobData, ClipJobResult>(QUEUE_NAME, { connection: redis, prefix: config.prefix });
  let current: Current | null = null;
  /** Set once the shutdown grace period is over: a clip that starts after that is requeued at once. */
  let graceOver = false;
  // Named like the render's other temp entries (tempSweep.ts) so a SIGKILLed worker's folder is swept.
  const workDir = await mkdtemp(path.join(deps.workDir ?? os.tmpdir(), `lipsync-work-${process.pid}-`));

  // Cross-process cancel: queue.cancel() publishes the clip id; a 1 s poll of the flag covers lost messages.
  const subscriber = redis.duplicate();
  await subscriber.subscribe(state.keys.cancelChannel());
  subscriber.on('message', (_channel: string, clipId: string) => {
    if (current?.clipId === clipId) current.abort('cancel');
  });

  async function end(data: ClipJobData, ending: Ending): Promise<void> {
    const outcome = await state.finish(data.clipId, ending);
    if (outcome.batchFinished) {
      const createdAt = Number((await redis.hget(state.keys.batch(data.batchId), 'createdAt')) ?? Date.now());
      // The clip has ended either way; inputs a store that is down kept are removed by retention later.
      await releaseInputs(storage, state, outcome.freedInputs, createdAt).catch((err: unknown) => {
        if (!(err instanceof StorageUnavailableError)) throw err;
        log.warn({ batchId: data.batchId, err: err.message }, 'object store unavailable: inputs left to retention');
      });
    }
  }

  /** A clip that went back to the queue gets a fresh `queued(position)`. */
  async function announceClip(clipId: string): Promise<void> {
    const [pos, avg, workers] = await Promise.all([
      positionsOf(redis, queue, [clipId]),
      state.averageRenderSeconds(),
      queue.getWorkersCount().catch(() => 1),
    ]);
    const p = pos.get(clipId) ?? null;
    if (p !== null) await state.announcePosition(clipId, p, etaSeconds(p, avg, workers));
  }

  async function announceLine(): Promise<void> {
    const ids = await nextInLine(redis, queue, ANNOUNCE_AHEAD);
    const [pos, avg, workers] = await Promise.all([
      positionsOf(redis, queue, ids),
      state.averageRenderSeconds(),
      queue.getWorkersCount().catch(() => 1),
    ]);
    for (const id of ids) {
      const p = pos.get(id) ?? null;
      if (p !== null) await state.announcePosition(id, p, etaSeconds(p, avg, workers));
    }
  }

  async function processClip(job: Job<ClipJobData, ClipJobResult>, token?: string): Promise<ClipJobResult> {
    const data = job.data;
    const ac = new AbortController();
    let reason: AbortReason | null = null;
    const me: Current = {
      clipId: data.clipId,
      abort(why) {
        reason ??= why;
        ac.abort();
      },
    };
    current = me;
    try {
      const started = await state.start(data.clipId);
      if (started === 'missing' || started === 'terminal') {
        log.info({ clipId: data.clipId, started }, 'clip already ended or expired; skipping');
        return { status: 'skipped' };
      }
      if (started === 'cancel') {
        await end(data, { status: 'cancelled', by: (await state.cancelRequested(data.clipId)) ?? 'unknown' });
        return { status: 'cancelled' };
      }
      void announceLine().catch((err: unknown) => log.debug({ err }, 'could not announce positions'));

      // Dedup: an identical clip rendered since submission (or this clip, before a crash) is reused.
      const existing = await storage.statOutput(data.renderKey);
      if (existing) {
        await storage.touchOutput(data.renderKey);
        await end(data, { status: 'done', output: { key: data.renderKey, path: storage.outputLocation(data.renderKey), bytes: existing.bytes, cached: true } });
        return { status: 'done' };
      }
      if (!(await storage.hasInput(data.audioKey)) || !(await storage.hasInput(data.templateKey))) {
        await end(data, { status: 'failed', error: { code: 'input-missing', message: inputsGone } });
        throw new UnrecoverableError(inputsGone);
      }

      // The output is rendered here, then stored; the name stays the same across attempts in this process.
      const outputPath = path.join(workDir, `${data.renderKey}.mp4`);
      const throttle = new Throttle(PROGRESS_INTERVAL_MS);
      // However its files describe themselves, a clip gets a wall-clock budget from its decoded length.
      const timeLimit = new ClipTimeLimit(config.worker.clipTimeout, () => me.abort('timeout'));
      const onProgress = (p: RenderProgress) => {
        if (p.clipSeconds) timeLimit.setClipSeconds(p.clipSeconds);
        const now = Date.now();
        if (!throttle.ready(now)) return;
        const progress = { stage: p.stage, framesDone: p.framesDone, framesTotal: p.framesTotal, fps: p.fps, etaSeconds: p.etaSeconds };
        state.progress(data.clipId, progress, now).catch((err: unknown) => log.debug({ err }, 'progress write failed'));
      };
      const poll = setInterval(() => {
        state.cancelRequested(data.clipId).then(
          (by) => by !== null && me.abort('cancel'),
          () => undefined,
        );
      }, 1_000);
      if (graceOver) me.abort('shutdown');
      const t0 = Date.now();
      let result: Awaited<ReturnType<typeof render>>;
      let stored: Awaited<ReturnType<Storage['putOutput']>>;
      const fetched: LocalInput[] = [];
      try {
        const audio = await storage.fetchInput(data.audioKey, workDir);
        fetched.push(audio);
        const template = await storage.fetchInput(data.templateKey, workDir);
        fetched.push(template);
        log.info({ clipId: data.clipId, attempt: job.attemptsMade + 1 }, 'rendering clip');
        result = await render(
          {
            audioPath: audio.path,
            templatePath: template.path,
            outputPath,
            audioLabel: data.audioLabel,
            templateLabel: data.templateLabel,
          },
          data.options,
          onProgress,
          ac.signal,
        );
        clearInterval(poll);
        stored = await storage.putOutput(data.renderKey, outputPath);
      } finally {
        clearInterval(poll);
        timeLimit.stop();
        for (const f of fetched) await f.release().catch(() => undefined);
        await rm(outputPath, { force: true }).catch(() => undefined);
      }
      await state.recordRenderSeconds((Date.now() - t0) / 1000);
      await end(data, {
        status: 'done',
        output: { key: data.renderKey, path: storage.outputLocation(data.renderKey), bytes: stored.bytes, cached: false, preview: result.preview },
      });
      log.info({ clipId: data.clipId, seconds: (Date.now() - t0) / 1000 }, 'clip done');
      return { status: 'done' };
    } catch (err) {
      if (err instanceof UnrecoverableError) throw err;
      if (err instanceof StorageUnavailableError && !ac.signal.aborted) {
        // The store is down: the clip waits (not a failed attempt) and is tried again after a pause.
        await state.requeue(data.clipId);
        await job.moveToDelayed(Date.now() + storeWaitMs, token);
        log.warn({ clipId: data.clipId, err: err.message, retryInMs: storeWaitMs }, 'object store unavailable: clip delayed');
        throw new DelayedError();
      }
      if (err instanceof CancelledError || ac.signal.aborted) {
        const cancelledBy = await state.cancelRequested(data.clipId);
        if (reason === 'shutdown' && cancelledBy === null) {
          // Put the clip back where it was; it does not count as a failed attempt.
          await state.requeue(data.clipId);
          await job.moveToWait(token);
          await announceClip(data.clipId).catch(() => undefined);
          log.info({ clipId: data.clipId }, 'shutting down: clip requeued');
          throw new WaitingError();
        }
        if (reason === 'timeout' && cancelledBy === null) {
          // Retrying would spend the same hours again: a clip this slow fails once, for good.
          await end(data, { status: 'failed', error: { code: 'timeout', message: timedOut } });
          log.warn({ clipId: data.clipId }, 'clip failed: it ran past its time limit');
          throw new UnrecoverableError(timedOut);
        }
        await end(data, { status: 'cancelled', by: cancelledBy ?? 'unknown' });
        log.info({ clipId: data.clipId, by: cancelledBy }, 'clip cancelled');
        return { status: 'cancelled' };
      }
      if (err instanceof InputError) {
        await end(data, { status: 'failed', error: { code: err.code, message: err.message, ...(err.params ? { params: err.params } : {}) } });
        log.info({ clipId: data.clipId, code: err.code }, 'clip failed: unusable input');
        throw new UnrecoverableError(err.message);
      }
      const attempts = job.opts.attempts ?? 1;
      const final = job.attemptsMade + 1 >= attempts;
      log.error({ err, clipId: data.clipId, attempt: job.attemptsMade + 1, attempts }, final ? 'clip failed' : 'clip failed; will retry');
      if (final) await end(data, { status: 'failed', error: { code: 'internal', message: internalFailure } });
      else await state.requeue(data.clipId);
      throw err;
    } finally {
      if (current === me) current = null;
    }
  }

  const worker = new Worker<ClipJobData, ClipJobResult>(QUEUE_NAME, processClip, {
    connection: redis,
    prefix: config.prefix,
    concurrency: 1,
    name: config.worker.name ?? `${os.hostname()}:${process.pid}`,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: config.worker.maxStalledCount,
    autorun: false,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  // A crashed worker's clip comes back: show it as waiting again until a worker picks it up.
  worker.on('stalled', (jobId) => {
    log.warn({ clipId: jobId }, 'clip stalled (its worker died); it will be rendered again');
    void state
      .requeue(jobId)
      .then(() => announceClip(jobId))
      .catch(() => undefined);
  });

  // Jobs failed by BullMQ itself (stalled too often) never reach processClip: end their clips here.
  const eventsConnection = redis.duplicate();
  const queueEvents = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix: config.prefix });
  queueEvents.on('failed', ({ jobId, failedReason }) => {
    void (async () => {
      const clip = await state.getClip(jobId);
      if (!clip || clip.status === 'done' || clip.status === 'failed' || clip.status === 'cancelled') return;
      if ((await queue.getJobState(jobId)) !== 'failed') return;
      log.error({ clipId: jobId, failedReason }, 'clip failed in the queue');
      await end({ clipId: jobId, batchId: clip.batchId } as ClipJobData, { status: 'failed', error: { code: 'internal', message: internalFailure } });
    })().catch((err: unknown) => log.error({ err }, 'could not reconcile a failed job'));
  });
  await queueEvents.waitUntilReady();

  void worker.run().catch((err: unknown) => log.error({ err }, 'worker stopped'));
  await worker.waitUntilReady();
  log.info({ prefix: config.prefix, dataDir: config.dataDir }, 'worker ready');

  let closed: Promise<void> | null = null;
  return {
    worker,
    abortCurrent() {
      current?.abort('shutdown');
    },
    close() {
      closed ??= (async () => {
        const grace = setTimeout(() => {
          graceOver = true;
          if (current) log.warn({ clipId: current.clipId }, 'grace period over: requeueing the current clip');
          current?.abort('shutdown');
        }, config.worker.shutdownGraceMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(grace);
        }
        await queueEvents.close();
        await queue.close();
        await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
        eventsConnection.disconnect();
        subscriber.disconnect();
        log.info('worker stopped');
      })();
      return closed;
    },
  };
}
