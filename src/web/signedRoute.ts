import type { FastifyRequest } from 'fastify';
import { expired, forbidden } from './errors.js';
import { EXPIRY_PATTERN, ID_PATTERN, SIGNATURE_PATTERN, verifyLink, type LinkKind } from './links.js';

/** Edge schemas for every signed route: ids and signature fields are checked before any handler runs. */
export const signedRouteSchema = {
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
export function requireSignature(request: FastifyRequest<SignedParams>, secret: string, kind: LinkKind, now: () => number): number {
  const check = verifyLink(secret, kind, request.params.id, request.query.e, request.query.s, Math.floor(now() / 1000));
  if (check.ok) return check.expiresAt;
  if (check.reason === 'expired') throw expired(check.expiresAt);
  throw forbidden();
}
