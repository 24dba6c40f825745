import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebMetrics } from './metrics.js';

/** The request path without its query string: signatures and expiries never reach a log line. */
export function loggablePath(request: Pick<FastifyRequest, 'url'>): string {
  const path = request.url.split('?', 1)[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/** pino serializer for `req`, replacing fastify's (which logs the full URL). */
export function safeRequestSerializer(request: FastifyRequest): Record<string, unknown> {
  return { method: request.method, path: loggablePath(request), remoteAddress: request.ip };
}

/** One log line and one metric per answered request, with the route pattern rather than the URL. */
export function registerRequestLog(app: FastifyInstance, metrics: WebMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequest(route, request.method, reply.statusCode, seconds);
    request.log.info(
      {
        method: request.method,
        path: loggablePath(request),
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        bytes: Number(reply.getHeader('content-length') ?? NaN) || undefined,
        range: request.headers.range !== undefined ? String(request.headers.range).slice(0, 64) : undefined,
      },
      'request',
    );
  });
}
