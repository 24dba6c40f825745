import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DEFAULT_LOCALE, localeFromAcceptLanguage, webWordsFor, type Locale, type WebWords } from '../i18n/index.js';
import { messagePage } from './html.js';

type Words = { title: string; detail: string };

/**
 * An answer other than success, with the words a person sees. Thrown by routes; mapped to HTTP in one place.
 * `title` and `detail` are English (logs, tests); `words` gives them in the reader's language (Accept-Language).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    readonly words?: (w: WebWords) => Words,
  ) {
    super(`${statusCode} ${title}`);
  }

  /** An error worded from the catalog (English for `title`/`detail`). */
  static of(statusCode: number, pick: (w: WebWords) => Words, headers: Record<string, string> = {}): HttpError {
    const english = pick(webWordsFor('en'));
    return new HttpError(statusCode, english.title, english.detail, headers, pick);
  }
}

export const notFound = (detail?: (w: WebWords) => string) =>
  HttpError.of(404, (w) => ({ title: w.errors.notFound.title, detail: detail ? detail(w) : w.errors.notFound.detail }));
export const forbidden = () => HttpError.of(403, (w) => w.errors.forbidden);

export function expired(expiresAt: number): HttpError {
  return HttpError.of(410, (w) => ({ title: w.errors.expiredTitle, detail: w.errors.expired(w.dateTime(expiresAt * 1000)) }));
}

/** The reader's language: the browser's Accept-Language, else DEFAULT_LOCALE. */
export function requestLocale(headers: { 'accept-language'?: string | string[] | undefined }, fallback: Locale = DEFAULT_LOCALE): Locale {
  return localeFromAcceptLanguage(headers['accept-language'], fallback);
}

function sendIn(reply: FastifyReply, err: HttpError, fallback: Locale): FastifyReply {
  const locale = requestLocale(reply.request.headers, fallback);
  const w = webWordsFor(locale);
  const words = err.words ? err.words(w) : { title: err.title, detail: err.detail };
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply
    .code(err.statusCode)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .header('Content-Language', locale)
    .header('Vary', 'Accept-Language')
    .send(reply.request.method === 'HEAD' ? '' : messagePage(words.title, words.detail, w.lang));
}

/**
 * The one place errors become status codes. Schema failures on ids read as "no such link" (404), on the
 * signature fields as "not valid" (403); nothing about the request URL goes into the log (it holds signatures).
 */
export function registerErrorHandling(app: FastifyInstance, defaultLocale: Locale = DEFAULT_LOCALE): void {
  const send = (reply: FastifyReply, err: HttpError) => sendIn(reply, err, defaultLocale);
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return send(reply, error);
    if (error.validation) {
      return send(reply, error.validationContext === 'params' ? notFound() : forbidden());
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      return send(reply, HttpError.of(429, (w) => w.errors.tooMany));
    }
    if (status >= 400 && status < 500) {
      return send(reply, HttpError.of(status, (w) => w.errors.badRequest));
    }
    request.log.error({ err: error, route: request.routeOptions.url, method: request.method }, 'request failed');
    return send(reply, HttpError.of(500, (w) => w.errors.internal));
  });
  app.setNotFoundHandler((_request, reply) => send(reply, notFound()));
}
