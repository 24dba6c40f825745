import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { catalogFor, matchLocale, type Locale } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import type { Storage } from '../../queue/storage.js';
import { requestLocale } from '../errors.js';
import { html, page, studioContentSecurityPolicy } from '../html.js';
import type { WebMetrics } from '../metrics.js';
import { registerStudioApi, type StudioLimits } from './api.js';
import { studioAssetRoutes } from './assets.js';
import { createStudioAuth, STUDIO_PATH, type StudioAuthService } from './auth.js';
import type { StudioEvents } from './events.js';
import { renderStudioPage, renderStudioSignedOut } from './page.js';
import type { StudioQueue } from './queuePort.js';
import { createStudioSessions, SESSION_TTL_SECONDS, type StudioSessions } from './sessions.js';
import { verifyStudioSignIn } from './signIn.js';
import type { StudioUploads } from './uploads.js';
import { howToSignIn, studioAuthWords } from './words.js';
import { loopModes } from '../../config/index.js';

export interface StudioDeps {
  /** PUBLIC_URL (cookie Secure when https; its path prefixes the cookie path and redirects). */
  publicUrl: string;
  /** LINK_SECRET: verifies sign-in links. */
  secret: string;
  redis: Redis;
  /** Redis key namespace (the queue's prefix). */
  prefix: string;
  queue: StudioQueue;
  uploads: StudioUploads;
  events: StudioEvents;
  storage: Storage;
  presign?: boolean;
  metrics: WebMetrics;
  limits: StudioLimits;
  defaultLocale: Locale;
  log: Logger;
  /** Per user and minute (defaults 120 API requests, 20 batch starts). */
  rateLimit?: { apiPerMinute?: number; startsPerMinute?: number; signInsPerMinute?: number };
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** Sessions other than the Redis ones made from `redis` + `prefix` (tests). */
  sessions?: StudioSessions;
}

/** What registerStudio made, for the service that owns it. */
export interface StudioHandle {
  auth: StudioAuthService;
  sessions: StudioSessions;
}

function htmlPage(reply: FastifyReply, status: number, locale: Locale, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .header('Content-Language', locale)
    .header('Vary', 'Accept-Language, Cookie')
    .type('text/html; charset=utf-8')
    .send(body);
}

/** A short page about a sign-in link (403 tampered, 410 expired or used), saying how to get a new one. */
function signInProblemPage(locale: Locale, kind: 'invalid' | 'expired'): string {
  const w = studioAuthWords(locale);
  const title = kind === 'invalid' ? w.signIn.invalidTitle : w.signIn.expiredTitle;
  const text = kind === 'invalid' ? w.signIn.invalidText : w.signIn.expiredText;
  return page(title, html`<h1>${title}</h1><p>${text}</p><p>${howToSignIn(w)}</p>`, catalogFor(locale).web.lang);
}

/** The sign-in's last step after a cross-site click: on to the studio at once, with a link for browsers that wait. */
function continuePage(locale: Locale, studioPath: string): string {
  const title = catalogFor(locale).studio.page.title;
  return page(title, html`<h1><a href="${studioPath}">${title}</a></h1>`, catalogFor(locale).web.lang);
}

/**
 * Mounts the studio on the web server: sign-in (/studio/login), the page (/studio), sign-out, the assets, the JSON
 * API with live events, and the uploads' routes — all in one scope with the studio's CSP. Every /studio/api route
 * needs a session; every state-changing one X-CSRF-Token too.
 */
export async function registerStudio(app: FastifyInstance, deps: StudioDeps): Promise<StudioHandle> {
  const now = deps.now ?? Date.now;
  const publicUrl = new URL(deps.publicUrl);
  const studioPath = `${publicUrl.pathname.replace(/\/+$/, '')}${STUDIO_PATH}`;
  const sessions = deps.sessions ?? createStudioSessions({ redis: deps.redis, prefix: deps.prefix, now });
  const auth = createStudioAuth({
    sessions,
    secure: publicUrl.protocol === 'https:',
    maxAgeSeconds: SESSION_TTL_SECONDS,
    cookiePath: studioPath,
    defaultLocale: deps.defaultLocale,
  });
  const csp = studioContentSecurityPolicy(publicUrl.origin);

  await app.register(async (scope) => {
    // Runs after the server's own onSend (parent hooks first): the studio's CSP replaces the download pages' one.
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Content-Security-Policy', csp);
      return payload;
    });
    scope.addHook('preClose', async () => deps.events.close());
    scope.addHook('onClose', async () => deps.uploads.close());

    scope.get<{ Querystring: { t?: string } }>(
      '/studio/login',
      {
        config: { rateLimit: { max: deps.rateLimit?.signInsPerMinute ?? 30, timeWindow: 60_000 } },
        schema: { querystring: { type: 'object', properties: { t: { type: 'string', maxLength: 4096 } } } },
      },
      async (request, reply) => {
        const browser = requestLocale(request.headers, deps.defaultLocale);
        const check = verifyStudioSignIn(deps.secret, request.query.t ?? '', Math.floor(now() / 1000));
        if (!check.ok) return htmlPage(reply, check.reason === 'expired' ? 410 : 403, browser, signInProblemPage(browser, check.reason));
        const { claims } = check;
        if (!(await sessions.consumeNonce(claims.nonce, claims.expiresAt))) return htmlPage(reply, 410, browser, signInProblemPage(browser, 'expired'));
        const locale = matchLocale(claims.locale) ?? browser;
        const session = await sessions.create(claims.owner, locale);
        request.log.info({ platform: session.owner.platform }, 'studio sign-in');
        auth.setCookie(reply, session);
        // A link clicked on another site (Telegram Web, Discord in a browser): browsers do not send a SameSite=Strict
        // cookie on a redirect that a cross-site navigation started, so the page would say "not signed in". A page of
        // ours moving on (Refresh, no script) is a same-site navigation and carries the cookie.
        if (request.headers['sec-fetch-site'] === 'cross-site') {
          return htmlPage(reply.header('Refresh', `0;url=${studioPath}`), 200, locale, continuePage(locale, studioPath));
        }
        return reply.code(303).header('Cache-Control', 'no-store').header('Location', studioPath).send();
      },
    );

    scope.get('/studio', async (request, reply) => {
      const session = await auth.sessionOf(request);
      if (!session) {
        const browser = requestLocale(request.headers, deps.defaultLocale);
        return htmlPage(reply, 401, browser, renderStudioSignedOut(catalogFor(browser)));
      }
      const body = renderStudioPage({
        words: catalogFor(session.locale),
        locale: session.locale,
        csrf: session.csrf,
        me: { owner: { platform: session.owner.platform, userId: session.owner.userId }, limits: deps.limits, loopModes },
      });
      return htmlPage(reply, 200, session.locale, body);
    });

    scope.post('/studio/logout', { preHandler: auth.requireCsrf }, async (request, reply) => {
      if (request.studio) await sessions.delete(request.studio.id);
      auth.clearCookie(reply);
      return reply.code(303).header('Cache-Control', 'no-store').header('Location', studioPath).send();
    });

    await studioAssetRoutes(scope);

    await scope.register(async (apiScope) => {
      await registerStudioApi(apiScope, {
        queue: deps.queue,
        uploads: deps.uploads,
        events: deps.events,
        auth,
        sessions,
        storage: deps.storage,
        presign: deps.presign === true,
        metrics: deps.metrics,
        limits: deps.limits,
        rateLimit: { apiPerMinute: deps.rateLimit?.apiPerMinute ?? 120, startsPerMinute: deps.rateLimit?.startsPerMinute ?? 20 },
        defaultLocale: deps.defaultLocale,
        log: deps.log,
      });
      await deps.uploads.register(apiScope, auth);
    });
  });
  return { auth, sessions };
}
