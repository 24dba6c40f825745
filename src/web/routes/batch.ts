import type { FastifyPluginAsync } from 'fastify';
import type { Position } from '../../queue/index.js';
import type { WebContext } from '../context.js';
import { notFound } from '../errors.js';
import { renderResultsPage } from '../page.js';
import { registerSignedRoute } from '../signedRoute.js';

/** GET /b/:id — the results page of a batch. */
export const batchRoutes: FastifyPluginAsync<WebContext> = async (app, ctx) => {
  registerSignedRoute(app, ctx, {
    url: '/b/:id',
    kind: 'batch',
    perMinute: ctx.config.rateLimit.downloadsPerMinute,
    handler: async (request, reply, expiresAt) => {
      const batch = await ctx.source.getBatch(request.params.id);
      if (!batch) throw notFound('This batch is unknown or no longer stored.');
      let positions: Position[] = [];
      if (batch.status === 'running') {
        positions = await ctx.source.positions(batch.batchId).catch((err: unknown) => {
          request.log.debug({ err }, 'could not read positions');
          return [];
        });
      }
      const body = renderResultsPage({ batch, positions, links: ctx.links, expiresAt });
      reply.type('text/html; charset=utf-8').header('Cache-Control', 'private, no-store');
      return reply.send(request.method === 'HEAD' ? undefined : body);
    },
  });
};
