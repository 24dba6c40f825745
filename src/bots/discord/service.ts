import path from 'node:path';
import type { Redis } from 'ioredis';
import { loadBotsConfig } from '../../config/bots.js';
import { loadDiscordConfig } from '../../config/discord.js';
import { loadConfig } from '../../config/index.js';
import type { QueueConfig } from '../../config/queue.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { resolveMediaBinaries } from '../../pipeline/media/binaries.js';
import { createRedis, RenderQueue, type Service } from '../../queue/index.js';
import { finishedTtlSeconds } from '../../queue/queue.js';
import { waitForRedis } from '../../queue/redis.js';
import type { DownloadLinks } from '../core/delivery.js';
import { probeInspector } from '../core/inspect.js';
import { RedisTrackingStore } from '../core/tracking.js';
import { DiscordBot } from './bot.js';

/** What `lipsync start` hands each service factory (structurally its StartContext). */
export interface DiscordServiceContext {
  queueConfig: QueueConfig;
  redisUrl(): string | undefined;
  log: Logger;
}

export interface DiscordServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Download links from the web server, when it runs; null = attachments only. */
  links?: DownloadLinks | null;
  /** Tests: how often queue positions are refreshed. */
  positionRefreshMs?: number;
}

/**
 * The Discord bot as a `lipsync start` service, or null when DISCORD_TOKEN is not set. Settings are read (and
 * validated, naming the variable) when the factory runs.
 */
export function createDiscordService(ctx: DiscordServiceContext, options: DiscordServiceOptions = {}): (Service & { readonly bot: DiscordBot | null }) | null {
  const env = options.env ?? process.env;
  const settings = loadDiscordConfig(env);
  if (!settings) return null;
  const bots = loadBotsConfig(env);
  const app = loadConfig(env);
  const log = ctx.log.child({ service: 'discord' });
  let redis: Redis | null = null;
  let queue: RenderQueue | null = null;
  let bot: DiscordBot | null = null;
  return {
    name: 'discord',
    get bot() {
      return bot;
    },
    async start() {
      const url = ctx.redisUrl();
      redis = createRedis(url);
      redis.on('error', (err) => log.debug({ err }, 'redis connection error'));
      try {
        await waitForRedis(redis, 10_000);
      } catch {
        throw new ConfigError(`The Discord bot cannot reach Redis at ${url ?? 'redis://127.0.0.1:6379'}.`);
      }
      const config = ctx.queueConfig;
      queue = new RenderQueue({ redis, config, log });
      const { ffprobe } = resolveMediaBinaries({ ffmpegPath: app.pipeline.ffmpegPath, ffprobePath: app.pipeline.ffprobePath });
      bot = new DiscordBot({
        settings,
        queue,
        tracking: new RedisTrackingStore(redis, config.prefix, 'discord', finishedTtlSeconds(config)),
        inspector: probeInspector({ ffprobe, timeoutMs: app.pipeline.probeTimeoutMs, limits: app.pipeline.limits }),
        links: options.links ?? null,
        limits: {
          maxClips: Math.min(10, config.limits.maxClipsPerBatch),
          maxAudioSeconds: Math.min(config.limits.maxAudioSeconds, app.pipeline.limits.maxAudioSeconds),
          maxTemplateSeconds: app.pipeline.limits.maxTemplateSeconds,
        },
        tempDir: path.join(bots.tempDir, 'discord'),
        sessionIdleMs: bots.sessionIdleMs,
        log,
        ...(options.positionRefreshMs !== undefined ? { positionRefreshMs: options.positionRefreshMs } : {}),
      });
      await bot.start();
    },
    async stop() {
      await bot?.stop();
      await queue?.close();
      redis?.disconnect();
      bot = null;
      queue = null;
      redis = null;
    },
  };
}
