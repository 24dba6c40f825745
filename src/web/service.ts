import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { acceptedAudioSeconds, loadConfig, type MediaLimits } from '../config/index.js';
import type { QueueConfig } from '../config/queue.js';
import type { WebConfig } from '../config/web.js';
import { ConfigError } from '../errors.js';
import { redactSecrets, type Logger } from '../log.js';
import { createRedis, openStorage, RenderQueue, type Service, type Storage, type Subscription } from '../queue/index.js';
import { createHealthProbe } from './health.js';
import { createWebMetrics, type WebMetrics } from './metrics.js';
import { buildOpsServer, buildWebServer } from './server.js';
import { queueSource } from './source.js';
import type { StudioLimits } from './studio/api.js';
import { createStudioEvents, type StudioEvents } from './studio/events.js';
import { createStudioUploads, type StudioUploads } from './studio/uploads.js';

export interface WebServiceOptions {
  config: WebConfig;
  queueConfig: QueueConfig;
  /** Read at start: `lipsync start` knows the URL only once its Redis service is up. */
  redisUrl: () => string | undefined;
  log: Logger;
  storage?: Storage;
  now?: () => number;
  /** The chats' media caps, which the studio's uploads follow (default: read from the environment, as the bots do). */
  mediaLimits?: MediaLimits;
  /** The studio's uploads (tests); by default made here under DATA_DIR and closed with the server. */
  studioUploads?: StudioUploads;
}

export interface WebService extends Service {
  /** The listening address once started (e.g. http://127.0.0.1:8080), for tests and logs. */
  readonly address: string | null;
  /** The ops listener's address (OPS_PORT, on 127.0.0.1), when configured. */
  readonly opsAddress: string | null;
  readonly app: FastifyInstance | null;
  readonly metrics: WebMetrics | null;
}

const REDIS_WAIT_MS = 10_000;
const CLOSE_GRACE_MS = 5_000;
/** Studio uploads nobody finished or used (and audios beyond each user's newest few) go after a day. */
const UPLOAD_SWEEP_EVERY_MS = 3_600_000;
const UPLOAD_MAX_AGE_MS = 86_400_000;

/** MAX_FILE_MB and friends as the bots read them; an environment the pipeline refuses falls back to the defaults. */
function mediaLimitsFromEnv(log: Logger): MediaLimits {
  try {
    return loadConfig(process.env).pipeline.limits;
  } catch (err) {
    log.warn({ err }, 'studio: media settings unreadable; uploads use the default limits');
    return loadConfig({}).pipeline.limits;
  }
}

/** What the studio page shows and enforces: the queue's batch caps and the chats' media caps. */
export function studioLimits(queueConfig: QueueConfig, media: MediaLimits): StudioLimits {
  return {
    maxClips: queueConfig.limits.maxClipsPerBatch,
    maxAudioSeconds: acceptedAudioSeconds(queueConfig.limits, media),
    maxVideoSeconds: media.maxTemplateSeconds,
    maxFileBytes: media.maxFileBytes,
  };
}

/** The download server as a service of `lipsync start` (or alone, `lipsync web`). */
export function createWebService(options: WebServiceOptions): WebService {
  const { config, queueConfig, log } = options;
  let redis: Redis | null = null;
  let queue: RenderQueue | null = null;
  let app: FastifyInstance | null = null;
  let subscription: Subscription | null = null;
  let metrics: WebMetrics | null = null;
  let address: string | null = null;
  let ops: FastifyInstance | null = null;
  let opsAddress: string | null = null;
  /** The store this service opened itself (closed on stop); one passed in belongs to the caller. */
  let ownStorage: Storage | null = null;
  let studioEvents: StudioEvents | null = null;
  let uploads: StudioUploads | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;

  return {
    name: 'web',
    get address() {
      return address;
    },
    get opsAddress() {
      return opsAddress;
    },
    get app() {
      return app;
    },
    get metrics() {
      return metrics;
    },
    async start() {
      if (config.secretIsEphemeral) {
        log.warn('LINK_SECRET is not set: using a random secret for this run (development mode). Links stop working when the server restarts.');
      }
      const url = options.redisUrl();
      redis = createRedis(url);
      redis.on('error', (err) => log.debug({ err }, 'web: redis connection error'));
      try {
        await Promise.race([
          redis.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), REDIS_WAIT_MS).unref()),
        ]);
      } catch {
        throw new ConfigError(`The web server cannot reach Redis at ${redactSecrets(url ?? 'redis://127.0.0.1:6379')} (REDIS_URL). Is "lipsync start" or redis-server running?`);
      }
      const storage = options.storage ?? (ownStorage = openStorage(queueConfig.storage));
      queue = new RenderQueue({ redis, config: queueConfig, storage, log });
      const q = queue;
      metrics = createWebMetrics({
        queueDepth: () => q.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      });
      const m = metrics;
      const events = (studioEvents = createStudioEvents({ queue: q, log }));
      // One subscription for the whole service: metrics and the studio's live pages read the same events.
      subscription = await queue.subscribe(
        (event) => {
          m.observeEvent(event);
          events.onQueueEvent(event);
        },
        { log },
      );
      const media = options.mediaLimits ?? mediaLimitsFromEnv(log);
      const limits = studioLimits(queueConfig, media);
      uploads = options.studioUploads ?? createStudioUploads({
        dataDir: queueConfig.dataDir,
        minFreeDiskBytes: config.health.minFreeDiskBytes,
        limits: { ...media, maxAudioSeconds: limits.maxAudioSeconds },
        redis,
        log,
        ...(options.now ? { now: options.now } : {}),
      });
      const u = uploads;
      sweepTimer = setInterval(() => {
        u.sweep(UPLOAD_MAX_AGE_MS).catch((err: unknown) => log.warn({ err }, 'studio: upload sweep failed'));
      }, UPLOAD_SWEEP_EVERY_MS);
      sweepTimer.unref();
      const health = createHealthProbe({
        redis,
        queue,
        dataDir: queueConfig.dataDir,
        storage,
        minFreeDiskBytes: config.health.minFreeDiskBytes,
        workerStaleSeconds: config.health.workerStaleSeconds,
      });
      const presign = queueConfig.storage.kind === 's3' && queueConfig.storage.presign;
      const studio = { redis, prefix: queueConfig.prefix, queue: q, uploads, events, limits };
      const serverDeps = { config, source: queueSource(queue), storage, presign, metrics, health, log, now: options.now, studio };
      app = await buildWebServer(serverDeps);
      address = await app.listen({ host: config.host, port: config.port });
      if (config.ops.port !== undefined) {
        ops = await buildOpsServer(serverDeps);
        opsAddress = await ops.listen({ host: '127.0.0.1', port: config.ops.port });
        log.info({ address: opsAddress }, 'ops listener (/healthz, /metrics) listening');
      }
      log.info({ address, publicUrl: config.publicUrl, linkTtlSeconds: config.linkTtlSeconds }, 'web server listening');
    },
    async stop() {
      if (app) {
        const server = app.server;
        // Downloads in flight get a short grace, then their connections are cut.
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        await app.close().catch((err: unknown) => log.warn({ err }, 'web: close failed'));
        clearTimeout(cut);
      }
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = null;
      // Normally closed with the app (preClose/onClose); again here for a start that failed before the app existed.
      studioEvents?.close();
      await uploads?.close().catch(() => undefined);
      studioEvents = null;
      uploads = null;
      await ops?.close().catch((err: unknown) => log.warn({ err }, 'web: ops listener close failed'));
      ops = null;
      opsAddress = null;
      await subscription?.close().catch(() => undefined);
      await queue?.close().catch(() => undefined);
      redis?.disconnect();
      ownStorage?.close?.();
      ownStorage = null;
      app = null;
      subscription = null;
      queue = null;
      redis = null;
      address = null;
    },
  };
}
