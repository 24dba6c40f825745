import { loadBotsConfig } from '../../config/bots.js';
import { loadConfig } from '../../config/index.js';
import type { QueueConfig } from '../../config/queue.js';
import type { Logger } from '../../log.js';
import type { Service } from '../../queue/index.js';
import { connectBotRuntime, type BotRuntime } from '../core/runtime.js';
import { linksFromSigner, type DownloadLinks } from '../core/delivery.js';
import { loadWebConfig } from '../../config/web.js';
import { createLinkSigner } from '../../web/links.js';
import { TelegramBot } from './bot.js';

/** What `lipsync start` hands each service factory (structurally the same as its StartContext). */
export interface BotServiceContext {
  queueConfig: QueueConfig;
  redisUrl(): string | undefined;
  log: Logger;
}

export interface TelegramServiceOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Download links. Default: signed with the web server's settings when LINK_SECRET is set (see docs/web.md),
   * else none (attachments only, and the bot says so).
   */
  links?: DownloadLinks | null;
  /** Tests: how often queue positions are refreshed, and the album quiet time. */
  positionRefreshMs?: number;
  albumQuietMs?: number;
}

/** Links signed like the web server's, when a shared LINK_SECRET makes them verifiable there. */
export function defaultLinks(env: NodeJS.ProcessEnv): DownloadLinks | null {
  if (!env.LINK_SECRET?.trim()) return null;
  const web = loadWebConfig(env);
  return linksFromSigner(createLinkSigner({ secret: web.linkSecret, ttlSeconds: web.linkTtlSeconds, publicUrl: web.publicUrl }));
}

/**
 * The Telegram bot as a `lipsync start` service, or null when TELEGRAM_BOT_TOKEN is not set.
 * Settings are read (and validated, naming the variable) when the factory runs.
 */
export function createTelegramService(ctx: BotServiceContext, options: TelegramServiceOptions = {}): (Service & { readonly bot: TelegramBot | null }) | null {
  const env = options.env ?? process.env;
  const bots = loadBotsConfig(env);
  const settings = bots.telegram;
  if (!settings) return null;
  const app = loadConfig(env);
  const links = options.links !== undefined ? options.links : defaultLinks(env);
  const log = ctx.log.child({ service: 'telegram' });
  let runtime: BotRuntime | null = null;
  let bot: TelegramBot | null = null;
  return {
    name: 'telegram',
    get bot() {
      return bot;
    },
    async start() {
      runtime = await connectBotRuntime({
        platform: 'telegram',
        botName: 'The Telegram bot',
        redisUrl: ctx.redisUrl(),
        queueConfig: ctx.queueConfig,
        pipeline: app.pipeline,
        log,
      });
      bot = new TelegramBot({
        settings,
        queue: runtime.queue,
        tracking: runtime.tracking,
        inspector: runtime.inspector,
        links: links,
        limits: runtime.limits,
        tempDir: bots.tempDir,
        sessionIdleMs: bots.sessionIdleMs,
        log,
        ...(options.positionRefreshMs !== undefined ? { positionRefreshMs: options.positionRefreshMs } : {}),
        ...(options.albumQuietMs !== undefined ? { albumQuietMs: options.albumQuietMs } : {}),
      });
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
