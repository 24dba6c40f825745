import path from 'node:path';
import { loadBotsConfig } from '../../config/bots.js';
import { loadDiscordConfig } from '../../config/discord.js';
import { loadConfig } from '../../config/index.js';
import type { Service } from '../../queue/index.js';
import { botService, type BotServiceContext } from '../core/runtime.js';
import type { DownloadLinks } from '../core/delivery.js';
import type { StudioLinks } from '../core/studio.js';
import { DiscordBot } from './bot.js';

export interface DiscordServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Download links from the web server, when it runs; null = attachments only. */
  links?: DownloadLinks | null;
  /** Studio sign-in links (/lipsync-studio), when the web server runs; null = the command says it is not available. */
  studio?: StudioLinks | null;
  /** Tests: how often queue positions are refreshed. */
  positionRefreshMs?: number;
}

/**
 * The Discord bot as a `lipsync start` service, or null when DISCORD_TOKEN is not set. Settings are read (and
 * validated, naming the variable) when the factory runs.
 */
export function createDiscordService(ctx: BotServiceContext, options: DiscordServiceOptions = {}): (Service & { readonly bot: DiscordBot | null }) | null {
  const env = options.env ?? process.env;
  const settings = loadDiscordConfig(env);
  if (!settings) return null;
  const bots = loadBotsConfig(env);
  const app = loadConfig(env);
  return botService(
    ctx,
    { platform: 'discord', botName: 'The Discord bot', pipeline: app.pipeline, maxClipsCap: 10 },
    (runtime, log) =>
      new DiscordBot({
        settings,
        queue: runtime.queue,
        tracking: runtime.tracking,
        sessionPersistence: runtime.sessions,
        inspector: runtime.inspector,
        links: options.links ?? null,
        studio: options.studio ?? null,
        limits: runtime.limits,
        tempDir: path.join(bots.tempDir, 'discord'),
        sessionIdleMs: bots.sessionIdleMs,
        commandRate: bots.commandRate,
        defaultLocale: app.defaultLocale,
        log,
        ...(ctx.onFatal ? { onFatal: ctx.onFatal } : {}),
        ...(options.positionRefreshMs !== undefined ? { positionRefreshMs: options.positionRefreshMs } : {}),
      }),
  );
}
