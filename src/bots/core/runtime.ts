import type { Redis } from 'ioredis';
import { acceptedAudioSeconds, type PipelineConfig } from '../../config/index.js';
import type { QueueConfig } from '../../config/queue.js';
import { ConfigError } from '../../errors.js';
import { redactSecrets, type Logger } from '../../log.js';
import { resolveMediaBinaries } from '../../pipeline/media/binaries.js';
import { createRedis, RenderQueue, type Service } from '../../queue/index.js';
import { finishedTtlSeconds } from '../../queue/queue.js';
import { waitForRedis } from '../../queue/redis.js';
import type { CoreLimits } from './conversation.js';
import { probeInspector, type MediaInspector } from './inspect.js';
import { RedisSessionPersistence } from './sessionPersistence.js';
import { RedisTrackingStore } from './tracking.js';

/** What every chat adapter needs from the rest of the system, connected and ready. */
export interface BotRuntime {
  queue: RenderQueue;
  tracking: RedisTrackingStore;
  /** Sessions (inputs collected in chat) kept across restarts. */
  sessions: RedisSessionPersistence;
  inspector: MediaInspector;
  limits: CoreLimits;
  close(): Promise<void>;
}

export interface BotRuntimeOptions {
  /** Platform name, used in Redis keys and messages ("telegram", "discord"). */
  platform: string;
  /** Display name for errors ("The Telegram bot"). */
  botName: string;
  redisUrl: string | undefined;
  queueConfig: QueueConfig;
  pipeline: PipelineConfig;
  /** A platform cap on templates per batch (Discord's command options), applied on top of the queue's limit. */
  maxClipsCap?: number;
  log: Logger;
}

/** Connects to Redis (failing clearly when it is unreachable) and builds the queue, tracking and media checks. */
export async function connectBotRuntime(options: BotRuntimeOptions): Promise<BotRuntime> {
  const { queueConfig: config, pipeline, log } = options;
  const redis: Redis = createRedis(options.redisUrl);
  redis.on('error', (err) => log.debug({ err }, 'redis connection error'));
  try {
    await waitForRedis(redis, 10_000);
  } catch {
    redis.disconnect();
    throw new ConfigError(`${options.botName} cannot reach Redis at ${redactSecrets(options.redisUrl ?? 'redis://127.0.0.1:6379')}.`);
  }
  const queue = new RenderQueue({ redis, config, log });
  const { ffprobe } = resolveMediaBinaries({ ffmpegPath: pipeline.ffmpegPath, ffprobePath: pipeline.ffprobePath });
  return {
    queue,
    tracking: new RedisTrackingStore(redis, config.prefix, options.platform, finishedTtlSeconds(config)),
    sessions: new RedisSessionPersistence(redis, config.prefix, options.platform),
    inspector: probeInspector({ ffprobe, timeoutMs: pipeline.probeTimeoutMs, limits: pipeline.limits }),
    limits: {
      maxClips: Math.min(options.maxClipsCap ?? Infinity, config.limits.maxClipsPerBatch),
      maxAudioSeconds: acceptedAudioSeconds(config.limits, pipeline.limits),
      maxTemplateSeconds: pipeline.limits.maxTemplateSeconds,
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** What `lipsync start` hands each bot service factory (structurally its StartContext). */
export interface BotServiceContext {
  queueConfig: QueueConfig;
  redisUrl(): string | undefined;
  log: Logger;
  /**
   * A bot that cannot go on (Telegram polling stopped by 401/409, Discord's gateway closed for good) calls this
   * once; `lipsync start` stops everything and exits non-zero so the service manager sees it.
   */
  onFatal?: (err: Error) => void;
}

/** A chat adapter's bot, as far as running it as a service goes. */
export interface StartableBot {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A chat bot as a `lipsync start` service: start connects the shared runtime and starts the bot `createBot` builds
 * on it; stop stops both (safe after a failed or partial start).
 */
export function botService<B extends StartableBot>(
  ctx: BotServiceContext,
  runtimeOptions: Pick<BotRuntimeOptions, 'platform' | 'botName' | 'pipeline' | 'maxClipsCap'>,
  createBot: (runtime: BotRuntime, log: Logger) => B,
): Service & { readonly bot: B | null } {
  const log = ctx.log.child({ service: runtimeOptions.platform });
  let runtime: BotRuntime | null = null;
  let bot: B | null = null;
  return {
    name: runtimeOptions.platform,
    get bot() {
      return bot;
    },
    async start() {
      runtime = await connectBotRuntime({ ...runtimeOptions, redisUrl: ctx.redisUrl(), queueConfig: ctx.queueConfig, log });
      bot = createBot(runtime, log);
      await bot.start();
    },
    async stop() {
      await bot?.stop();
      await runtime?.close();
      bot = null;
      runtime = null;
    },
  };
}
