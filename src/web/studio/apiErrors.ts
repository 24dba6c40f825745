import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../errors.js';
import { refusalText, webWordsFor, type Locale } from '../../i18n/index.js';
import { HttpError, requestLocale } from '../errors.js';
import { fill, studioAuthWords, type StudioAuthWords } from './words.js';

/** A refusal of the studio API: its HTTP status, a stable code, and the sentence in the reader's language. */
export class StudioApiError extends Error {
  override readonly name = 'StudioApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    readonly text: (w: StudioAuthWords, locale: Locale) => string,
  ) {
    super(`${statusCode} ${code}`);
  }
}

/** Missing and not yours read the same (404): ids of other people's batches are not confirmed. */
export const studioNotFound = () => new StudioApiError(404, 'not-found', (w) => w.errors.notFound);

/** Error answers of the signed links (HttpError) mapped to codes the page can act on. */
const httpErrorCodes: Record<number, string> = { 404: 'not-found', 409: 'not-ready', 410: 'gone', 503: 'unavailable' };

/** InputErrors of the queue that mean "no such batch or clip for you". */
const notFoundCodes = new Set(['not-found', 'not-owner']);

function readerLocale(request: FastifyRequest, fallback: Locale): Locale {
  return request.studio?.locale ?? requestLocale(request.headers, fallback);
}

function send(reply: FastifyReply, status: number, code: string, error: string): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').type('application/json; charset=utf-8').send({ error, code });
}

/**
 * The studio API's one place where errors become answers: JSON `{ error, code }` in the session's language (or the
 * browser's before sign-in). Registered on the API's own scope, so the signed links keep their HTML pages.
 */
export function registerStudioApiErrors(app: FastifyInstance, fallback: Locale): void {
  app.setErrorHandler((error: FastifyError | StudioApiError | HttpError | InputError, request, reply) => {
    const locale = readerLocale(request, fallback);
    const w = studioAuthWords(locale);
    if (error instanceof StudioApiError) return send(reply, error.statusCode, error.code, error.text(w, locale));
    if (error instanceof InputError) {
      if (notFoundCodes.has(error.code)) return send(reply, 404, 'not-found', w.errors.notFound);
      return send(reply, 400, error.code, refusalText(locale, error));
    }
    if (error instanceof HttpError) {
      const words = error.words ? error.words(webWordsFor(locale)) : { title: error.title, detail: error.detail };
      for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      return send(reply, error.statusCode, httpErrorCodes[error.statusCode] ?? 'error', words.detail);
    }
    if (error.validation) {
      if (error.validationContext === 'params') return send(reply, 404, 'not-found', w.errors.notFound);
      return send(reply, 400, 'bad-request', w.errors.badRequest);
    }
    const status = error.statusCode ?? 500;
    if (status === 429) return send(reply, 429, 'rate-limited', w.errors.tooMany);
    if (status >= 400 && status < 500) return send(reply, status, 'bad-request', w.errors.badRequest);
    request.log.error({ err: error, route: request.routeOptions.url, method: request.method }, 'studio request failed');
    return send(reply, 500, 'internal', w.errors.internal);
  });
}

/** An upload that cannot go into a batch, worded with its label. */
export function uploadProblem(
  code: 'upload-missing' | 'upload-not-ready' | 'upload-refused' | 'upload-wrong-kind',
  name: string,
  refusal?: { code: string; message: string; params?: Readonly<Record<string, string | number | boolean>> },
): StudioApiError {
  return new StudioApiError(400, code, (w, locale) => {
    switch (code) {
      case 'upload-missing':
        return w.errors.uploadMissing;
      case 'upload-not-ready':
        return fill(w.errors.uploadNotReady, { name });
      case 'upload-refused':
        return fill(w.errors.uploadRefused, { name, reason: refusal ? refusalText(locale, refusal) : '' });
      case 'upload-wrong-kind':
        return fill(w.errors.uploadWrongKind, { name });
    }
  });
}
