import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import type { QueueConfig } from '../config/queue.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { createRedis, warnIfEvicting, waitForRedis } from './redis.js';
import { installHint } from './redisServer.js';
import { createChildRenderer, type ChildRenderer } from './renderProcess.js';
import { QUEUE_NAME } from './keys.js';
import { startReconciler } from './reconcile.js';
import { startRetention } from './retention.js';
import { renderTempPatterns, startTempSweeper, storageTempPatterns } from './tempSweep.js';
import { StateStore } from './state.js';
import { openStorage } from './openStorage.js';
import type { Storage } from './storage.js';
import { startWorker, type WorkerHandle } from './worker.js';
import { finishedTtlSeconds } from './queue.js';
import type { Service } from './services.js';

/** How often each worker repairs records a killed process left half-written, and how old they must be. */
const RECONCILE_INTERVAL_MS = 60_000;
const RECONCILE_GRACE_MS = 120_000;
/** Temp files of killed processes: looked for this often; anything matching is removed after a day regardless. */
const TEMP_SWEEP_INTERVAL_MS = 10 * 60_000;
const TEMP_MAX_AGE_MS = 24 * 3_600_000;

/** Where the render child puts spills and sockets (TEMP_DIR, else the OS temp dir). */
function renderTempDir(log: Logger): string {
  try {
    return loadConfig().pipeline.tempDir ?? os.tmpdir();
  } catch (err) {
    log.debug({ err }, 'pipeline settings unreadable; sweeping the OS temp dir');
    return os.tmpdir();
  }
}

export interface WorkerService extends Service {
  /** Abort the current clip now and requeue it (second Ctrl-C). */
  abortCurrent(): void;
}

/** The GPU worker as a service: Redis connection, render child process, BullMQ worker, retention timer. */
export function workerService(config: QueueConfig, redisUrl: () => string | undefined, log: Logger): WorkerService {
  let redis: Redis | null = null;
  let renderer: ChildRenderer | null = null;
  let handle: WorkerHandle | null = null;
  let retention: { stop(): Promise<void> } | null = null;
  let reconciler: { stop(): Promise<void> } | null = null;
  let jobs: Queue | null = null;
  let sweeper: { stop(): Promise<void> } | null = null;
  let storage: Storage | null = null;
  return {
    name: 'worker',
    async start() {
      const url = redisUrl();
      redis = createRedis(url);
      redis.on('error', (err) => log.debug({ err }, 'redis connection error'));
      try {
        await waitForRedis(redis, 10_000);
      } catch {
        throw new ConfigError(`Cannot reach Redis at ${url ?? 'redis://127.0.0.1:6379'}. ${installHint}`);
      }
      await warnIfEvicting(redis, log);
      storage = openStorage(config.storage);
      sweeper = startTempSweeper(
        [
          { dir: renderTempDir(log), patterns: renderTempPatterns },
          { dir: path.join(config.dataDir, 'tmp'), patterns: storageTempPatterns },
        ],
        { intervalMs: TEMP_SWEEP_INTERVAL_MS, maxAgeMs: TEMP_MAX_AGE_MS, log },
      );
      renderer = createChildRenderer({ log });
      handle = await startWorker({ redis, config, render: renderer.render, storage, workDir: renderTempDir(log), log });
      log.info({ storage: storage.description }, 'storage');
      const state = new StateStore(redis, config.prefix, config.eventsMaxLen, finishedTtlSeconds(config));
      retention = startRetention(
        storage,
        {
          isInputReferenced: (key) => state.isInputReferenced(key),
          isOutputHeld: async (key, now) => {
            await state.pruneHeldOutputs(now);
            return state.isOutputHeld(key, now);
          },
        },
        config.retention,
        log,
      );
      jobs = new Queue(QUEUE_NAME, { connection: redis, prefix: config.prefix });
      reconciler = startReconciler(state, jobs, storage, { intervalMs: RECONCILE_INTERVAL_MS, graceMs: RECONCILE_GRACE_MS, log });
    },
    async stop() {
      await handle?.close();
      await retention?.stop();
      await reconciler?.stop();
      await sweeper?.stop();
      await jobs?.close();
      await renderer?.close();
      redis?.disconnect();
      storage?.close?.();
      storage = null;
      handle = null;
      renderer = null;
      retention = null;
      reconciler = null;
      sweeper = null;
      jobs = null;
      redis = null;
    },
    abortCurrent() {
      handle?.abortCurrent();
    },
  };
}
