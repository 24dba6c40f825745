import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { WebContext } from '../context.js';
import { sameSecret } from '../sameSecret.js';

export interface OpsRouteOptions extends WebContext {
  /** The ops listener (127.0.0.1:OPS_PORT) serves the details to anyone who can reach it. */
  trusted: boolean;
}

/** `Authorization: Bearer <OPS_TOKEN>`, compared in constant time; false when no token is configured. */
export function hasOpsToken(request: FastifyRequest, token: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!m) return false;
  return sameSecret(m[1]!, token);
}

/**
 * GET /healthz and GET /metrics. The detailed health (paths, error text, worker and bot states) and the metrics
 * are for operators: on the ops listener, or with the ops token. Anyone else gets `{"status":"ok"}` (200) or
 * `{"status":"not ok"}` (503, Redis unreachable) and a 401 for /metrics.
 */
export const opsRoutes: FastifyPluginAsync<OpsRouteOptions> = async (app, options) => {
  const { trusted, ...ctx } = options;
  const isOperator = (request: FastifyRequest) => trusted || hasOpsToken(request, ctx.config.ops.token);
  app.get('/healthz', async (request, reply) => {
    const report = await ctx.health.check();
    reply.code(report.status === 'down' ? 503 : 200).header('Cache-Control', 'no-store');
    if (isOperator(request)) return reply.send(report);
    return reply.send({ status: report.status === 'down' ? 'not ok' : 'ok' });
  });
  app.get('/metrics', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    if (!isOperator(request)) return reply.code(401).header('WWW-Authenticate', 'Bearer').type('text/plain; charset=utf-8').send('Metrics need the ops token (OPS_TOKEN) or the ops port (OPS_PORT).\n');
    const { contentType, body } = await ctx.metrics.scrape();
    return reply.type(contentType).send(body);
  });
};
