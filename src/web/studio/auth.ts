import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DEFAULT_LOCALE, type Locale } from '../../i18n/index.js';
import { requestLocale } from '../errors.js';
import type { StudioSession, StudioSessions } from './sessions.js';
import { studioAuthWords } from './words.js';
import { sameSecret } from '../sameSecret.js';

export type { StudioSession } from './sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by StudioAuth.requireSession on studio routes. */
    studio?: StudioSession;
  }
}

export const STUDIO_COOKIE = 'lipsync_studio';
export const STUDIO_PATH = '/studio';
export const CSRF_HEADER = 'x-csrf-token';

export interface StudioAuth {
  /** preHandler: 401 JSON `{error, code}` without a valid session cookie; sets request.studio. */
  requireSession: preHandlerAsyncHookHandler;
  /** preHandler for state-changing requests: requireSession + header `X-CSRF-Token` must equal session.csrf (403 otherwise). */
  requireCsrf: preHandlerAsyncHookHandler;
}

/** StudioAuth plus what the studio's own routes need (login, logout, the page). */
export interface StudioAuthService extends StudioAuth {
  /** The request's session, or null; never replies. */
  sessionOf(request: FastifyRequest): Promise<StudioSession | null>;
  setCookie(reply: FastifyReply, session: StudioSession): void;
  clearCookie(reply: FastifyReply): void;
}

export interface StudioAuthOptions {
  sessions: StudioSessions;
  /** The cookie is Secure when PUBLIC_URL is https. */
  secure: boolean;
  /** Max-Age of the cookie (the session's lifetime). */
  maxAgeSeconds: number;
  /** Cookie Path: "/studio", under PUBLIC_URL's path when a proxy serves us below one. */
  cookiePath?: string;
  defaultLocale?: Locale;
}

/** The value of one cookie in a Cookie header (first one wins), or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export function sessionCookie(value: string, o: { secure: boolean; maxAgeSeconds: number; path?: string }): string {
  return `${STUDIO_COOKIE}=${value}; Path=${o.path ?? STUDIO_PATH}; HttpOnly; SameSite=Strict; Max-Age=${o.maxAgeSeconds}${o.secure ? '; Secure' : ''}`;
}

export function createStudioAuth(o: StudioAuthOptions): StudioAuthService {
  const fallback = o.defaultLocale ?? DEFAULT_LOCALE;

  async function sessionOf(request: FastifyRequest): Promise<StudioSession | null> {
    if (request.studio) return request.studio;
    const id = cookieValue(request.headers.cookie, STUDIO_COOKIE);
    return id ? o.sessions.get(id) : null;
  }

  const requireSession: preHandlerAsyncHookHandler = async function (request, reply) {
    const session = await sessionOf(request);
    if (!session) {
      const w = studioAuthWords(requestLocale(request.headers, fallback));
      return reply.code(401).header('Cache-Control', 'no-store').send({ error: w.errors.noSession, code: 'no-session' });
    }
    request.studio = session;
  };

  const requireCsrf: preHandlerAsyncHookHandler = async function (request, reply) {
    await requireSession.call(this, request, reply);
    if (reply.sent || !request.studio) return reply;
    const header = request.headers[CSRF_HEADER];
    const given = Array.isArray(header) ? header[0] : header;
    if (typeof given !== 'string' || !sameSecret(given, request.studio.csrf)) {
      const w = studioAuthWords(request.studio.locale);
      return reply.code(403).header('Cache-Control', 'no-store').send({ error: w.errors.badCsrf, code: 'csrf' });
    }
  };

  return {
    requireSession,
    requireCsrf,
    sessionOf,
    setCookie(reply, session) {
      reply.header('Set-Cookie', sessionCookie(session.id, { secure: o.secure, maxAgeSeconds: o.maxAgeSeconds, path: o.cookiePath }));
    },
    clearCookie(reply) {
      reply.header('Set-Cookie', sessionCookie('', { secure: o.secure, maxAgeSeconds: 0, path: o.cookiePath }));
    },
  };
}
