import type { FastifyPluginAsync } from 'fastify';
import type { WebContext } from '../context.js';

/** GET /healthz (JSON; 503 when Redis is unreachable) and GET /metrics (Prometheus text format). */
export const opsRoutes: FastifyPluginAsync<WebContext> = async (app, ctx) => {
  app.get('/healthz', async (_request, reply) => {
    const report = await ctx.health.check();
    return reply
      .code(report.status === 'down' ? 503 : 200)
      .header('Cache-Control', 'no-store')
      .send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await ctx.metrics.scrape();
    return reply.header('Cache-Control', 'no-store').type(contentType).send(body);
  });
};
