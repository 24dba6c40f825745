import { createHmac, randomBytes } from 'node:crypto';
import type { Owner } from '../../queue/types.js';
import { sameSecret } from '../sameSecret.js';

/**
 * One-use sign-in links for the web studio, handed out by the chat bots (`/studio`, `/lipsync-studio`) and the CLI
 * (`lipsync studio-link`). Pure: no I/O. The token carries its claims in the clear (base64url JSON) and an
 * HMAC-SHA256 over them with LINK_SECRET, domain-separated from the download links (links.ts) so no download
 * signature can ever pass as a sign-in. One use is the server's job: it records the nonce until the expiry.
 */
export interface StudioSignInClaims {
  owner: Owner;
  locale?: string;
  /** Unix seconds. */
  expiresAt: number;
  nonce: string;
}

export interface StudioSignInOptions {
  secret: string;
  /** Base URL, e.g. "https://clips.example.com" (a trailing slash is ignored). */
  publicUrl: string;
  /** Default DEFAULT_SIGN_IN_TTL_SECONDS (chats); the CLI passes its --ttl (default 3600). */
  ttlSeconds?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export type SignInCheck = { ok: true; claims: StudioSignInClaims } | { ok: false; reason: 'invalid' | 'expired' };

export const DEFAULT_SIGN_IN_TTL_SECONDS = 900;
export const STUDIO_LOGIN_PATH = '/studio/login';

const DOMAIN = 'lipsync-studio-signin-v1\n';
/** Claims are a few hundred bytes; anything much longer is junk (refused before decoding). */
const MAX_TOKEN_LENGTH = 2048;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
const FIELD_MAX = 128;

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(DOMAIN).update(payload).digest('base64url');
}

/** https://host/studio/login?t=<token> for this owner, valid for ttlSeconds from now. */
export function studioSignInUrl(o: StudioSignInOptions, owner: Owner, locale?: string): string {
  if (o.secret.length === 0) throw new Error('studioSignInUrl: empty secret');
  const now = o.now ?? Date.now;
  const claims: StudioSignInClaims = {
    owner: owner.chatId === undefined ? { platform: owner.platform, userId: owner.userId } : { platform: owner.platform, userId: owner.userId, chatId: owner.chatId },
    ...(locale === undefined ? {} : { locale }),
    expiresAt: Math.floor(now() / 1000) + (o.ttlSeconds ?? DEFAULT_SIGN_IN_TTL_SECONDS),
    nonce: randomBytes(16).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const base = o.publicUrl.replace(/\/+$/, '');
  return `${base}${STUDIO_LOGIN_PATH}?t=${payload}.${sign(o.secret, payload)}`;
}

/**
 * Checks a token's signature first (an edited expiry reads as tampered, never as expired), then the claims' shape,
 * then the expiry. Constant-time comparison of the encoded signatures.
 */
export function verifyStudioSignIn(secret: string, token: string, nowSeconds: number): SignInCheck {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return { ok: false, reason: 'invalid' };
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  if (!sameSecret(token.slice(dot + 1), sign(secret, payload))) return { ok: false, reason: 'invalid' };
  const claims = parseClaims(payload);
  if (!claims) return { ok: false, reason: 'invalid' };
  if (claims.expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isField(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= FIELD_MAX;
}

/** Signed claims are ours, but an old or foreign format must still not reach the server as a half-typed object. */
function parseClaims(payload: string): StudioSignInClaims | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const c = raw as Record<string, unknown>;
  const owner = c.owner as Record<string, unknown> | null | undefined;
  if (typeof owner !== 'object' || owner === null || !isField(owner.platform) || !isField(owner.userId)) return null;
  if (owner.chatId !== undefined && !isField(owner.chatId)) return null;
  if (typeof c.expiresAt !== 'number' || !Number.isSafeInteger(c.expiresAt)) return null;
  if (!isField(c.nonce)) return null;
  if (c.locale !== undefined && !isField(c.locale)) return null;
  return {
    owner: owner.chatId === undefined ? { platform: owner.platform, userId: owner.userId } : { platform: owner.platform, userId: owner.userId, chatId: owner.chatId as string },
    ...(c.locale === undefined ? {} : { locale: c.locale as string }),
    expiresAt: c.expiresAt,
    nonce: c.nonce,
  };
}
