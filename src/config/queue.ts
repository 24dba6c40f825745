import path from 'node:path';
import { z } from 'zod';
import { commaList, nonNegativeInt, optionalString, parseEnv, positiveInt, positiveNumber } from './env.js';
import { loadStorageConfig, type StorageSettings } from './storage.js';

/** An admin is named "platform:userId", e.g. "telegram:12345" or "discord:81234567890". */
const adminIds = commaList(/^[a-z]+:[^:\s]+$/, '"platform:userId" entries separated by commas, e.g. telegram:12345');

/** Every setting the queue, the worker and storage read from the environment. Documented in docs/queue.md. */
export const queueEnvSchema = z.object({
  REDIS_URL: optionalString.refine((v) => v === undefined || /^rediss?:\/\//.test(v), {
    message: 'expected a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
  }),
  REDIS_EMBEDDED: z.enum(['auto', 'never']).default('auto'),
  REDIS_SERVER_PATH: optionalString,
  DATA_DIR: z.string().trim().min(1).default('data'),
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." and "-" only')
    .default('lipsync'),

  QUEUE_MAX_CLIPS_PER_BATCH: positiveInt.default(10),
  QUEUE_MAX_WAITING_PER_USER: positiveInt.default(20),
  QUEUE_MAX_AUDIO_SECONDS: positiveNumber.default(300),
  QUEUE_ADMIN_IDS: adminIds,

  QUEUE_ATTEMPTS: positiveInt.default(3),
  QUEUE_BACKOFF_SECONDS: positiveNumber.default(10),
  QUEUE_LOCK_DURATION_MS: z.coerce.number().int().min(500).default(30_000),
  QUEUE_STALLED_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
  QUEUE_MAX_STALLED_COUNT: nonNegativeInt.default(2),
  QUEUE_EVENTS_MAXLEN: z.coerce.number().int().min(100).default(10_000),
  QUEUE_CACHE_SALT: z.string().default(''),
  QUEUE_DISK_BUDGET_MB: z.coerce.number().min(0).default(25_600),
  QUEUE_MAX_CONCURRENT_DOWNLOADS: positiveInt.default(4),
  QUEUE_RESERVATION_TTL_MINUTES: positiveNumber.default(15),

  WORKER_NAME: optionalString,
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  WORKER_CLIP_TIMEOUT_FACTOR: positiveNumber.default(10),
  WORKER_CLIP_TIMEOUT_MARGIN_SECONDS: positiveNumber.default(300),

  RETENTION_TTL_HOURS: positiveNumber.default(168),
  RETENTION_DISK_CAP_MB: z.coerce.number().min(0).default(20_480),
  RETENTION_INTERVAL_MINUTES: positiveNumber.default(60),
  RETENTION_INPUT_GRACE_MINUTES: positiveNumber.default(60),
});

export interface RedisSettings {
  /** undefined: nothing configured; use 127.0.0.1:6379 or (for `lipsync start`) launch an embedded redis-server. */
  url: string | undefined;
  embedded: 'auto' | 'never';
  serverPath: string | undefined;
}

export interface QueueLimits {
  maxClipsPerBatch: number;
  maxWaitingPerUser: number;
  maxAudioSeconds: number;
}

/** Admission before anything is downloaded (see intake.ts). */
export interface IntakeSettings {
  /** Budget for DATA_DIR (inputs, temp files, outputs) plus downloads in flight; 0 = no budget. */
  diskBudgetBytes: number;
  /** Downloads and probes running at once in one process. */
  maxConcurrentDownloads: number;
  /** A reservation whose holder crashed frees itself after this long. */
  reservationTtlMs: number;
}

export interface WorkerSettings {
  name: string | undefined;
  attempts: number;
  backoffMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  shutdownGraceMs: number;
  /** A clip may render for `marginMs` + `factor` × its length before it is failed as a timeout (never retried). */
  clipTimeout: ClipTimeoutSettings;
}

export interface ClipTimeoutSettings {
  factor: number;
  marginMs: number;
}

export interface RetentionSettings {
  outputTtlMs: number;
  /** 0 disables the cap. */
  diskCapBytes: number;
  intervalMs: number;
  inputGraceMs: number;
}

export interface QueueConfig {
  redis: RedisSettings;
  /** Absolute root of this process's local files (local storage, the bots' session files, tmp/). */
  dataDir: string;
  /** Where inputs and outputs live: DATA_DIR (default), another folder, or an S3-compatible bucket (STORAGE_URL). */
  storage: StorageSettings;
  /** Namespaces every Redis key (BullMQ's and ours), so several installs can share one Redis. */
  prefix: string;
  limits: QueueLimits;
  /** "platform:userId" entries allowed to cancel any batch and exempt from per-user limits. */
  adminIds: string[];
  worker: WorkerSettings;
  eventsMaxLen: number;
  /** Part of every render key: change it to stop reusing earlier outputs (e.g. after swapping the model). */
  cacheSalt: string;
  retention: RetentionSettings;
  intake: IntakeSettings;
}

/** Reads and validates the queue settings; every problem is reported together, naming the variable. */
export function loadQueueConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): QueueConfig {
  const e = parseEnv(queueEnvSchema, env, 'queue configuration', 'docs/queue.md');
  return {
    redis: { url: e.REDIS_URL, embedded: e.REDIS_EMBEDDED, serverPath: e.REDIS_SERVER_PATH },
    dataDir: path.resolve(cwd, e.DATA_DIR),
    storage: loadStorageConfig(env, path.resolve(cwd, e.DATA_DIR), cwd),
    prefix: e.QUEUE_PREFIX,
    limits: {
      maxClipsPerBatch: e.QUEUE_MAX_CLIPS_PER_BATCH,
      maxWaitingPerUser: e.QUEUE_MAX_WAITING_PER_USER,
      maxAudioSeconds: e.QUEUE_MAX_AUDIO_SECONDS,
    },
    adminIds: e.QUEUE_ADMIN_IDS,
    worker: {
      name: e.WORKER_NAME,
      attempts: e.QUEUE_ATTEMPTS,
      backoffMs: Math.round(e.QUEUE_BACKOFF_SECONDS * 1000),
      lockDurationMs: e.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: e.QUEUE_STALLED_INTERVAL_MS,
      maxStalledCount: e.QUEUE_MAX_STALLED_COUNT,
      shutdownGraceMs: Math.round(e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000),
      clipTimeout: { factor: e.WORKER_CLIP_TIMEOUT_FACTOR, marginMs: Math.round(e.WORKER_CLIP_TIMEOUT_MARGIN_SECONDS * 1000) },
    },
    eventsMaxLen: e.QUEUE_EVENTS_MAXLEN,
    cacheSalt: e.QUEUE_CACHE_SALT,
    retention: {
      outputTtlMs: Math.round(e.RETENTION_TTL_HOURS * 3_600_000),
      diskCapBytes: Math.round(e.RETENTION_DISK_CAP_MB * 1024 * 1024),
      intervalMs: Math.round(e.RETENTION_INTERVAL_MINUTES * 60_000),
      inputGraceMs: Math.round(e.RETENTION_INPUT_GRACE_MINUTES * 60_000),
    },
    intake: {
      diskBudgetBytes: Math.round(e.QUEUE_DISK_BUDGET_MB * 1024 * 1024),
      maxConcurrentDownloads: e.QUEUE_MAX_CONCURRENT_DOWNLOADS,
      reservationTtlMs: Math.round(e.QUEUE_RESERVATION_TTL_MINUTES * 60_000),
    },
  };
}

export const queueSettingNames = Object.keys(queueEnvSchema.shape);
