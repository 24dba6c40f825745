import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebContext } from './context.js';
import { expired, forbidden } from './errors.js';
import { EXPIRY_PATTERN, ID_PATTERN, SIGNATURE_PATTERN, verifyLink, type LinkKind } from './links.js';

/** Edge schemas for every signed route: ids and signature fields are checked before any handler runs. */
const signedRouteSchema = {
  params: {
    type: 'object',
    properties: { id: { type: 'string', pattern: ID_PATTERN } },
    required: ['id'],
    additionalProperties: false,
  },
  querystring: {
    type: 'object',
    properties: {
      e: { type: 'string', pattern: EXPIRY_PATTERN },
      s: { type: 'string', pattern: SIGNATURE_PATTERN },
      dl: { type: 'string', enum: ['1'] },
    },
    required: ['e', 's'],
  },
} as const;

export interface SignedParams {
  Params: { id: string };
  Querystring: { e: string; s: string; dl?: '1' };
}

/** Throws 403 for a tampered or foreign link, 410 for an expired one; returns the link's expiry (unix seconds). */
function requireSignature(request: FastifyRequest<SignedParams>, secret: string, kind: LinkKind, now: () => number): number {
  const check = verifyLink(secret, kind, request.params.id, request.query.e, request.query.s, Math.floor(now() / 1000));
  if (check.ok) return check.expiresAt;
  if (check.reason === 'expired') throw expired(check.expiresAt);
  throw forbidden();
}

export interface SignedRoute {
  url: string;
  kind: LinkKind;
  /** Requests per client IP and minute. */
  perMinute: number;
  /** Runs once the link is verified; `expiresAt` is its expiry (unix seconds). */
  handler: (request: FastifyRequest<SignedParams>, reply: FastifyReply, expiresAt: number) => Promise<unknown>;
}

/**
 * Registers GET and HEAD for a signed link: params and query checked by `signedRouteSchema`, rate-limited, and the
 * signature verified before the handler runs. HEAD is the route's own (fastify's automatic HEAD would run the whole
 * GET and throw the body away); handlers send no body for it.
 */
export function registerSignedRoute(app: FastifyInstance, ctx: WebContext, route: SignedRoute): void {
  app.route<SignedParams>({
    method: ['GET', 'HEAD'],
    url: route.url,
    schema: signedRouteSchema,
    config: { rateLimit: { max: route.perMinute, timeWindow: 60_000 } },
    handler: async (request, reply) => route.handler(request, reply, requireSignature(request, ctx.config.linkSecret, route.kind, ctx.now)),
  });
}
