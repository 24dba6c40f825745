import type { Command } from 'commander';
import { loadQueueConfig, type QueueConfig } from '../../config/queue.js';
import { loadWebConfig, storedLinkSecret, type WebConfig } from '../../config/web.js';
import { logger, type Logger } from '../../log.js';
import { ensureRedis, type RedisEndpoint } from '../../queue/redisServer.js';
import { ServiceGroup, stopOnSignals, type Service } from '../../queue/services.js';
import { workerService } from '../../queue/workerService.js';
import { createWebService } from '../../web/service.js';
import { linksFromSigner } from '../../bots/core/delivery.js';
import { createDiscordService } from '../../bots/discord/service.js';
import { createTelegramService } from '../../bots/telegram/service.js';
import { createLinkSigner } from '../../web/links.js';
import { studioLinksFor } from '../../bots/studioLinks.js';
import { flag } from '../../config/env.js';
import { exitOnConfigError } from '../configErrorExit.js';

export interface StartContext {
  queueConfig: QueueConfig;
  webConfig: WebConfig;
  /** The Redis URL in use once the redis service has started (also exported as REDIS_URL for in-process services). */
  redisUrl(): string | undefined;
  log: Logger;
  /** A service that cannot go on (a bot whose polling or gateway died for good): stop everything, exit non-zero. */
  onFatal(err: Error): void;
}

/** A service of `lipsync start`, or null when it is not configured (e.g. a bot without a token). */
export type ServiceFactory = (ctx: StartContext) => Service | null;

/**
 * Everything `lipsync start` runs, in start order (stopped in reverse). The web server and the bots append
 * their factories here; Redis always comes first.
 */
export const startServices: ServiceFactory[] = [
  (ctx) => workerService(ctx.queueConfig, ctx.redisUrl, ctx.log),
  (ctx) => createWebService({ config: ctx.webConfig, queueConfig: ctx.queueConfig, redisUrl: ctx.redisUrl, log: ctx.log }),
  // Bots return null when their token is not set. Their links are signed exactly like the web server checks them.
  (ctx) => createTelegramService(ctx, { links: botLinks(ctx.webConfig), studio: studioLinksFor(ctx.webConfig) }),
  (ctx) => createDiscordService(ctx, { links: botLinks(ctx.webConfig), studio: studioLinksFor(ctx.webConfig) }),
];

function botLinks(web: WebConfig) {
  return linksFromSigner(createLinkSigner({ secret: web.linkSecret, ttlSeconds: web.linkTtlSeconds, publicUrl: web.publicUrl }));
}

function redisService(config: QueueConfig, log: Logger, onUrl: (url: string) => void): Service {
  let endpoint: RedisEndpoint | null = null;
  return {
    name: 'redis',
    async start() {
      endpoint = await ensureRedis(config.redis, { dataDir: config.dataDir, log });
      onUrl(endpoint.url);
      if (endpoint.embedded) log.info({ url: endpoint.url }, 'local redis-server started');
    },
    async stop() {
      await endpoint?.stop();
    },
  };
}

/** `lipsync start`: Redis (found or launched), then every configured service, in one process tree. */
export async function runStart(env: NodeJS.ProcessEnv = process.env, exit: (code: number) => void = (code) => process.exit(code)): Promise<void> {
  const log = logger();
  const queueConfig = loadQueueConfig(env);
  if (!env.LINK_SECRET?.trim() && !flag.safeParse(env.WEB_DEV).data && env.NODE_ENV !== 'development') {
    // A newcomer's first start: make a secret once and keep it, so links survive restarts.
    const stored = storedLinkSecret(queueConfig.dataDir, true);
    if (stored) {
      env.LINK_SECRET = stored.secret;
      if (stored.created) log.warn({ file: stored.file }, 'LINK_SECRET was not set: generated one and stored it (mode 0600); set LINK_SECRET to use your own');
      else log.info({ file: stored.file }, 'using the LINK_SECRET stored in DATA_DIR');
    }
  }
  // Loaded before Redis starts so a bad LINK_SECRET fails at once.
  const webConfig = loadWebConfig(env);
  let url = queueConfig.redis.url;
  const group = new ServiceGroup(log);
  // A fatal service failure stops everything and exits 1, so systemd or Docker restarts the whole thing.
  let fatal = false;
  const onFatal = (err: Error) => {
    if (fatal) return;
    fatal = true;
    log.fatal({ err }, 'a service cannot go on: stopping everything (exit code 1) for the service manager to restart');
    void group
      .stop()
      .catch((e: unknown) => log.error({ err: e }, 'shutdown failed'))
      .finally(() => exit(1));
  };
  const ctx: StartContext = { queueConfig, webConfig, redisUrl: () => url, log, onFatal };
  const redis = redisService(queueConfig, log, (u) => {
    url = u;
    env.REDIS_URL = u;
  });
  stopOnSignals(() => group.stop(), log);
  // Factories run after Redis is up, so they see its URL.
  await group.start([redis]);
  const services = startServices.map((f) => f(ctx)).filter((s): s is Service => s !== null);
  await group.start(services);
  log.info({ services: ['redis', ...services.map((s) => s.name)] }, 'lipsync started');
}

export function register(program: Command): void {
  program
    .command('start')
    .description('Run everything on this machine: Redis (launched if needed), the render worker, and the configured web server and bots.')
    .action(async () => {
      try {
        await runStart();
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
