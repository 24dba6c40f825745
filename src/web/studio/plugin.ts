import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { verifyStudioSignIn, type StudioSignInClaims } from './signIn.js';
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

/** The page a link previewer or script gets: the link is used only when the button is pressed (a form POST, no script). */
function confirmPage(locale: Locale, token: string): string {
  const w = studioAuthWords(locale);
  return page(
    w.signIn.continueTitle,
    html`<h1>${w.signIn.continueTitle}</h1><p>${w.signIn.continueText}</p><form method="post" action="login"><input type="hidden" name="t" value="${token}"><button type="submit" id="sign-in-continue">${w.signIn.continueButton}</button></form>`,
    catalogFor(locale).web.lang,
  );
}

/** A browser opening the link as a page itself (Fetch Metadata), not a previewer, scanner or script fetching it. */
function isBrowserNavigation(headers: FastifyRequest['headers']): boolean {
  return headers['sec-fetch-mode'] === 'navigate' && headers['sec-fetch-dest'] === 'document';
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

    const signInLimit = { rateLimit: { max: deps.rateLimit?.signInsPerMinute ?? 30, timeWindow: 60_000 } };
    const tokenSchema = { type: 'object', properties: { t: { type: 'string', maxLength: 4096 } } } as const;

    const browserLocale = (request: FastifyRequest): Locale => requestLocale(request.headers, deps.defaultLocale);
    /** The link cannot sign anyone in: 403 when it is not ours (or not from our page), 410 when expired or used. */
    const refuseSignIn = (request: FastifyRequest, reply: FastifyReply, reason: 'invalid' | 'expired'): FastifyReply => {
      const locale = browserLocale(request);
      return htmlPage(reply, reason === 'expired' ? 410 : 403, locale, signInProblemPage(locale, reason));
    };
    const toStudio = (reply: FastifyReply): FastifyReply => reply.code(303).header('Cache-Control', 'no-store').header('Location', studioPath).send();
    const linkLocale = (request: FastifyRequest, claims: StudioSignInClaims): Locale => matchLocale(claims.locale) ?? browserLocale(request);

    /** Uses the link (once) and opens the session, setting its cookie on the reply; false when it was used before. */
    const signIn = async (request: FastifyRequest, reply: FastifyReply, claims: StudioSignInClaims): Promise<boolean> => {
      if (!(await sessions.consumeNonce(claims.nonce, claims.expiresAt))) return false;
      const session = await sessions.create(claims.owner, linkLocale(request, claims));
      request.log.info({ platform: session.owner.platform }, 'studio sign-in');
      auth.setCookie(reply, session);
      return true;
    };

    scope.get<{ Querystring: { t?: string } }>('/studio/login', { config: signInLimit, schema: { querystring: tokenSchema } }, async (request, reply) => {
      const check = verifyStudioSignIn(deps.secret, request.query.t ?? '', Math.floor(now() / 1000));
      if (!check.ok) return refuseSignIn(request, reply, check.reason);
      const { claims } = check;
      const locale = linkLocale(request, claims);
      // Link previewers, mail scanners and scripts fetch links too: only a browser opening the page itself uses the
      // link at once; anything else gets a page whose button does (POST), so a preview cannot burn the link.
      if (!isBrowserNavigation(request.headers)) {
        if (await sessions.nonceUsed(claims.nonce)) return refuseSignIn(request, reply, 'expired');
        return htmlPage(reply, 200, locale, confirmPage(locale, request.query.t ?? ''));
      }
      if (!(await signIn(request, reply, claims))) return refuseSignIn(request, reply, 'expired');
      // A link clicked on another site (Telegram Web, Discord in a browser): browsers do not send a SameSite=Strict
      // cookie on a redirect that a cross-site navigation started, so the page would say "not signed in". A page of
      // ours moving on (Refresh, no script) is a same-site navigation and carries the cookie.
      if (request.headers['sec-fetch-site'] === 'cross-site') {
        return htmlPage(reply.header('Refresh', `0;url=${studioPath}`), 200, locale, continuePage(locale, studioPath));
      }
      return toStudio(reply);
    });

    // The confirmation page's button. Only from our own page: another site must not sign a visitor in to someone's
    // session (login CSRF), so a cross-site POST is refused before the link is used.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    scope.post<{ Body: { t?: string } }>('/studio/login', { config: signInLimit, schema: { body: tokenSchema } }, async (request, reply) => {
      const origin = request.headers.origin;
      if ((origin !== undefined && origin !== publicUrl.origin) || request.headers['sec-fetch-site'] === 'cross-site') return refuseSignIn(request, reply, 'invalid');
      const check = verifyStudioSignIn(deps.secret, request.body?.t ?? '', Math.floor(now() / 1000));
      if (!check.ok) return refuseSignIn(request, reply, check.reason);
      if (!(await signIn(request, reply, check.claims))) return refuseSignIn(request, reply, 'expired');
      return toStudio(reply);
    });

    scope.get('/studio', async (request, reply) => {
      const session = await auth.sessionOf(request);
      if (!session) {
        const browser = browserLocale(request);
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
