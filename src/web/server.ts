import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { WebConfig } from '../config/web.js';
import type { Logger } from '../log.js';
import type { Storage } from '../queue/index.js';
import { DEFAULT_LOCALE, type Locale } from '../i18n/index.js';
import type { WebContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import type { HealthProbe } from './health.js';
import { contentSecurityPolicy } from './html.js';
import { createLinkSigner } from './links.js';
import type { WebMetrics } from './metrics.js';
import { registerRequestLog, safeRequestSerializer } from './requestLog.js';
import { batchRoutes } from './routes/batch.js';
import { clipRoutes } from './routes/clip.js';
import { opsRoutes } from './routes/health.js';
import { zipRoutes } from './routes/zip.js';
import type { BatchSource } from './source.js';
import { registerStudio, type StudioDeps } from './studio/plugin.js';

/** The studio's own parts (sessions' Redis, queue, uploads, live events, limits); the rest comes from the server's deps. */
export type StudioWiring = Omit<StudioDeps, 'publicUrl' | 'secret' | 'storage' | 'presign' | 'metrics' | 'defaultLocale' | 'log' | 'now'>;

export interface WebServerDeps {
  config: WebConfig;
  source: BatchSource;
  storage: Storage;
  /** Clip downloads redirect to the store's presigned URL (S3_PRESIGN=1 with an S3 store). */
  presign?: boolean;
  metrics: WebMetrics;
  health: HealthProbe;
  log: Logger;
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** DEFAULT_LOCALE: pages for browsers whose Accept-Language names none of our catalogs. */
  defaultLocale?: Locale;
  /** The web studio (/studio); absent: the server has only the signed links, health and metrics. */
  studio?: StudioWiring;
}

/** The fastify app with every route plugin registered; not listening yet (tests use inject or listen on port 0). */
export async function buildWebServer(deps: WebServerDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    loggerInstance: deps.log.child({ service: 'web' }, { serializers: { req: safeRequestSerializer } }) as FastifyBaseLogger,
    // fastify's own request lines carry the full URL (signatures included); requestLog.ts logs instead.
    logController: new LogController({ disableRequestLogging: true }),
    // A hop count trusts that many proxies nearest to us (what proxy-addr does for a number).
    trustProxy: typeof deps.config.trustProxy === 'number' ? trustHops(deps.config.trustProxy) : deps.config.trustProxy,
    // The download routes take no body and the studio's JSON routes raise their own limit (16 KB, api.ts); tus
    // upload bodies are streamed by the uploads' content-type parser. A small default makes junk cheap to refuse.
    bodyLimit: 1024,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  const ctx = webContext(deps, now);

  const csp = contentSecurityPolicy(new URL(deps.config.publicUrl).origin);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply
      .header('X-Content-Type-Options', 'nosniff')
      // Signed links must not leak to other sites through Referer.
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Robots-Tag', 'noindex, nofollow')
      .header('X-Frame-Options', 'DENY')
      .header('Content-Security-Policy', csp);
    return payload;
  });
  registerRequestLog(app, deps.metrics);
  registerErrorHandling(app, deps.defaultLocale ?? deps.config.defaultLocale);
  await app.register(rateLimit, { global: false });
  await app.register(clipRoutes, ctx);
  await app.register(batchRoutes, ctx);
  await app.register(zipRoutes, ctx);
  await app.register(opsRoutes, { ...ctx, trusted: false });
  if (deps.studio) {
    await registerStudio(app, {
      ...deps.studio,
      publicUrl: deps.config.publicUrl,
      secret: deps.config.linkSecret,
      storage: deps.storage,
      presign: deps.presign === true,
      metrics: deps.metrics,
      defaultLocale: ctx.defaultLocale ?? DEFAULT_LOCALE,
      log: deps.log,
      now,
    });
  }
  return app;
}

/** What every route plugin of both listeners is given. */
function webContext(deps: WebServerDeps, now: () => number): WebContext {
  return {
    config: deps.config,
    source: deps.source,
    storage: deps.storage,
    presign: deps.presign === true,
    metrics: deps.metrics,
    health: deps.health,
    now,
    defaultLocale: deps.defaultLocale ?? deps.config.defaultLocale ?? DEFAULT_LOCALE,
    links: createLinkSigner({ secret: deps.config.linkSecret, ttlSeconds: deps.config.linkTtlSeconds, publicUrl: deps.config.publicUrl, now }),
  };
}

/**
 * The ops listener's app (OPS_PORT, bound to 127.0.0.1): the detailed /healthz and /metrics, nothing else, so
 * a monitoring agent on the machine needs no token and the public port shows no paths or error text.
 */
export async function buildOpsServer(deps: WebServerDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    loggerInstance: deps.log.child({ service: 'web-ops' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  const ctx = webContext(deps, now);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });
  await app.register(opsRoutes, { ...ctx, trusted: true });
  return app;
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
