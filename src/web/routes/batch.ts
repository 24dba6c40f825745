import type { FastifyPluginAsync } from 'fastify';
import type { Position } from '../../queue/index.js';
import type { WebContext } from '../context.js';
import { notFound, requestLocale } from '../errors.js';
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
      if (!batch) throw notFound((w) => w.errors.batchUnknown);
      let positions: Position[] = [];
      if (batch.status === 'running') {
        positions = await ctx.source.positions(batch.batchId).catch((err: unknown) => {
          request.log.debug({ err }, 'could not read positions');
          return [];
        });
      }
      const locale = requestLocale(request.headers, ctx.defaultLocale);
      const body = renderResultsPage({ batch, positions, links: ctx.links, expiresAt, locale });
      reply.type('text/html; charset=utf-8').header('Cache-Control', 'private, no-store').header('Content-Language', locale).header('Vary', 'Accept-Language');
      return reply.send(request.method === 'HEAD' ? undefined : body);
    },
  });
};
