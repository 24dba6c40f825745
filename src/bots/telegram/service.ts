import { loadBotsConfig } from '../../config/bots.js';
import { loadConfig } from '../../config/index.js';
import type { Service } from '../../queue/index.js';
import { botService, type BotServiceContext } from '../core/runtime.js';
import { linksFromSigner, type DownloadLinks } from '../core/delivery.js';
import type { StudioLinks } from '../core/studio.js';
import { studioLinksFor } from '../studioLinks.js';
import { loadWebConfig } from '../../config/web.js';
import { createLinkSigner } from '../../web/links.js';
import { TelegramBot } from './bot.js';

export interface TelegramServiceOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Download links. Default: signed with the web server's settings when LINK_SECRET is set (see docs/web.md),
   * else none (attachments only, and the bot says so).
   */
  links?: DownloadLinks | null;
  /** Studio sign-in links (/studio). Default: signed like the links above when LINK_SECRET is set, else none. */
  studio?: StudioLinks | null;
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

/** Studio sign-in links the web server accepts, when a shared LINK_SECRET makes them verifiable there. */
export function defaultStudio(env: NodeJS.ProcessEnv): StudioLinks | null {
  if (!env.LINK_SECRET?.trim()) return null;
  return studioLinksFor(loadWebConfig(env));
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
  const studio = options.studio !== undefined ? options.studio : defaultStudio(env);
  return botService(ctx, { platform: 'telegram', botName: 'The Telegram bot', pipeline: app.pipeline }, (runtime, log) =>
    new TelegramBot({
      settings,
      queue: runtime.queue,
      tracking: runtime.tracking,
      sessionPersistence: runtime.sessions,
      inspector: runtime.inspector,
      links,
      studio,
      limits: runtime.limits,
      tempDir: bots.tempDir,
      sessionIdleMs: bots.sessionIdleMs,
      commandRate: bots.commandRate,
      defaultLocale: app.defaultLocale,
      log,
      ...(ctx.onFatal ? { onFatal: ctx.onFatal } : {}),
      ...(options.positionRefreshMs !== undefined ? { positionRefreshMs: options.positionRefreshMs } : {}),
      ...(options.albumQuietMs !== undefined ? { albumQuietMs: options.albumQuietMs } : {}),
    }),
  );
}
