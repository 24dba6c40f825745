import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import { userRef } from './keys.js';
import { releaseInputs } from './release.js';
import type { StateStore } from './state.js';
import type { Storage } from './storage.js';
import type { ClipJobData, ClipJobResult } from './types.js';

export interface ReconcileReport {
  /** Clips ended here because their job was gone or failed without the clip hearing of it. */
  endedClips: number;
  /** Batch ids in the active set without a record (expired or deleted by hand). */
  droppedBatches: number;
  /** Users whose waiting-clip counter did not match their clips. */
  fixedUsers: number;
}

export interface ReconcileOptions {
  /** Clips and counters younger than this are left alone: their submit may still be adding the jobs. */
  graceMs: number;
  now?: number;
  log?: Logger;
}

const lostMessage = 'This clip was lost by the render queue (a restart in the middle of it). Please send it again.';

/**
 * Repairs what a process killed half-way leaves behind, from the records in Redis and BullMQ's job states:
 *  - a submit that wrote its batch but not (all) its jobs, or a cancel that removed a job but did not end its clip:
 *    the clip has no job; it ends now (cancelled if a cancel was asked for, done if its output exists, else failed),
 *    so its batch can finish and the user's counter goes down;
 *  - a job BullMQ failed (stalled too often) while no worker listened: the clip fails;
 *  - users' waiting-clip counters that drifted (a submit that died between reserving and writing its batch) are
 *    set to the number of their clips that are really waiting.
 * Every change goes through the same Lua scripts as normal operation, so running it in several workers at once,
 * or while clips finish normally, ends each clip once.
 */
export async function reconcile(
  state: StateStore,
  queue: Queue<ClipJobData, ClipJobResult>,
  storage: Storage,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const now = options.now ?? Date.now();
  const cutoff = now - options.graceMs;
  const report: ReconcileReport = { endedClips: 0, droppedBatches: 0, fixedUsers: 0 };
  const waitingByUser = new Map<string, number>();

  for (const batchId of await state.activeBatchIds()) {
    const batch = await state.getBatch(batchId);
    if (!batch) {
      await state.dropActiveBatch(batchId);
      report.droppedBatches++;
      continue;
    }
    // A batch that runs for longer than the retention TTL stays in its user's history.
    await state.history.keepListed(userRef(batch.owner), batchId, batch.createdAt, state.finishedTtl);
    for (const clip of batch.clips) {
      if (clip.status === 'done' || clip.status === 'failed' || clip.status === 'cancelled') continue;
      const raw = await state.clipFields(clip.clipId, ['user', 'counted', 'renderKey', 'cancelRequested', 'cancelledBy']);
      const young = clip.createdAt > cutoff;
      const jobState = young ? null : await queue.getJobState(clip.clipId);
      if (jobState === 'unknown' || jobState === 'failed') {
        let outcome;
        if (raw.cancelRequested === '1') {
          outcome = await state.finish(clip.clipId, { status: 'cancelled', by: raw.cancelledBy ?? 'unknown' });
        } else {
          const existing = jobState === 'unknown' && raw.renderKey ? await storage.statOutput(raw.renderKey).catch(() => null) : null;
          outcome = existing
            ? await state.finish(clip.clipId, {
                status: 'done',
                output: { key: raw.renderKey!, path: storage.outputLocation(raw.renderKey!), bytes: existing.bytes, cached: true },
              })
            : await state.finish(clip.clipId, { status: 'failed', error: { code: 'lost', message: lostMessage } });
        }
        if (outcome.changed) {
          report.endedClips++;
          options.log?.warn({ clipId: clip.clipId, jobState }, 'reconciler ended a clip left behind');
        }
        if (outcome.batchFinished) await releaseInputs(storage, state, outcome.freedInputs, batch.createdAt);
        continue;
      }
      if (raw.counted === '1' && raw.user) waitingByUser.set(raw.user, (waitingByUser.get(raw.user) ?? 0) + 1);
    }
  }

  report.fixedUsers = await state.fixPendingCounters(waitingByUser, cutoff);
  await state.pruneHeldOutputs(now);
  // Failed batches that expired stop keeping their inputs for a retry; retention removes the files.
  await state.history.releaseExpiredInputHolds(now);
  return report;
}

/** Runs reconcile every `intervalMs` (first after one interval) until stopped. Errors are logged, never thrown. */
export function startReconciler(
  state: StateStore,
  queue: Queue<ClipJobData, ClipJobResult>,
  storage: Storage,
  options: { intervalMs: number; graceMs: number; log: Logger },
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        const r = await reconcile(state, queue, storage, { graceMs: options.graceMs, log: options.log });
        if (r.endedClips + r.droppedBatches + r.fixedUsers > 0) options.log.warn(r, 'reconciler repaired queue records');
      } catch (err) {
        options.log.error({ err }, 'reconcile pass failed');
      }
    });
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
