import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { messagePage } from './html.js';

/** An answer other than success, with the words a person sees. Thrown by routes; mapped to HTTP in one place. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly title: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${statusCode} ${title}`);
  }
}

export const notFound = (detail = 'There is nothing here. Check that you copied the whole link.') =>
  new HttpError(404, 'Not found', detail);
export const forbidden = () =>
  new HttpError(403, 'Link not valid', 'This link is incomplete or has been changed. Use the link exactly as you received it.');

export function expired(expiresAt: number): HttpError {
  const when = new Date(expiresAt * 1000).toUTCString();
  return new HttpError(
    410,
    'Link expired',
    `This link expired on ${when}. Download links only last a limited time, and old clips are deleted. Ask the bot for the batch again, or render it again.`,
  );
}

function send(reply: FastifyReply, err: HttpError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply
    .code(err.statusCode)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(reply.request.method === 'HEAD' ? '' : messagePage(err.title, err.detail));
}

/**
 * The one place errors become status codes. Schema failures on ids read as "no such link" (404), on the
 * signature fields as "not valid" (403); nothing about the request URL goes into the log (it holds signatures).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return send(reply, error);
    if (error.validation) {
      return send(reply, error.validationContext === 'params' ? notFound() : forbidden());
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      return send(reply, new HttpError(429, 'Too many requests', 'Too many downloads from your address. Please wait a minute and try again.'));
    }
    if (status >= 400 && status < 500) {
      return send(reply, new HttpError(status, 'Bad request', 'The request could not be understood.'));
    }
    request.log.error({ err: error, route: request.routeOptions.url, method: request.method }, 'request failed');
    return send(reply, new HttpError(500, 'Something went wrong', 'Something went wrong on our side. Please try again later.'));
  });
  app.setNotFoundHandler((_request, reply) => send(reply, notFound()));
}
