import { createHmac } from 'node:crypto';
import { sameSecret } from './sameSecret.js';

/**
 * Signed, expiring links. A link carries only an id, its expiry (unix seconds, `e`) and an HMAC-SHA256 (`s`)
 * over "kind, id, expiry": a clip link cannot be turned into another clip's link or into a batch link, and
 * the expiry cannot be moved. Nothing in a link is ever a file path.
 */
export type LinkKind = 'clip' | 'batch' | 'zip';

/** Batch and clip ids are made by the queue ("b…", "b…-3"): lowercase letters, digits and dashes. */
export const ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
const idRegex = new RegExp(ID_PATTERN);
export const EXPIRY_PATTERN = '^[0-9]{1,12}$';
/** base64url of 32 bytes, unpadded. */
export const SIGNATURE_PATTERN = '^[A-Za-z0-9_-]{43}$';
const signatureRegex = new RegExp(SIGNATURE_PATTERN);
const expiryRegex = new RegExp(EXPIRY_PATTERN);

const paths: Record<LinkKind, (id: string) => string> = {
  clip: (id) => `/c/${id}`,
  batch: (id) => `/b/${id}`,
  zip: (id) => `/b/${id}/zip`,
};

export function isValidId(id: string): boolean {
  return idRegex.test(id);
}

export function signLink(secret: string, kind: LinkKind, id: string, expiresAt: number): string {
  return createHmac('sha256', secret).update(`lipsync-link-v1\n${kind}\n${id}\n${expiresAt}`).digest('base64url');
}

export type LinkCheck = { ok: true; expiresAt: number } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'expired'; expiresAt: number };

/**
 * Checks a link's `e` and `s`. The signature is checked before the expiry, so an edited expiry reads as
 * tampered (403), never as a valid-but-expired link. The comparison is constant-time over the two encoded
 * strings (comparing decoded bytes would accept several spellings of the last base64 character).
 */
export function verifyLink(
  secret: string,
  kind: LinkKind,
  id: string,
  e: string | undefined,
  s: string | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): LinkCheck {
  if (typeof e !== 'string' || typeof s !== 'string' || !expiryRegex.test(e) || !signatureRegex.test(s) || !isValidId(id)) {
    return { ok: false, reason: 'invalid' };
  }
  const expiresAt = Number(e);
  if (!sameSecret(s, signLink(secret, kind, id, expiresAt))) return { ok: false, reason: 'invalid' };
  if (expiresAt <= nowSeconds) return { ok: false, reason: 'expired', expiresAt };
  return { ok: true, expiresAt };
}

export interface LinkSignerOptions {
  secret: string;
  ttlSeconds: number;
  /** Base URL, e.g. "https://clips.example.com" (a trailing slash is ignored). */
  publicUrl: string;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface LinkOptions {
  /** Unix seconds; default now + ttl. The results page gives its own expiry to the links it contains. */
  expiresAt?: number;
}

export interface LinkSigner {
  readonly ttlSeconds: number;
  /** The clip's MP4 (plays inline; add `&dl=1` or use downloadUrl to force a download). */
  clipUrl(clipId: string, options?: LinkOptions): string;
  /** Same file, served as an attachment. */
  downloadUrl(clipId: string, options?: LinkOptions): string;
  /** The batch's results page. */
  batchUrl(batchId: string, options?: LinkOptions): string;
  /** Every finished clip of the batch in one ZIP. */
  zipUrl(batchId: string, options?: LinkOptions): string;
  /** Unix seconds at which a link made now expires. */
  expiryFromNow(): number;
}

/** What the bots and the CLI use to hand out links. Pure: no I/O, no server needed. */
export function createLinkSigner(options: LinkSignerOptions): LinkSigner {
  if (options.secret.length === 0) throw new Error('createLinkSigner: empty secret');
  const base = options.publicUrl.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const expiryFromNow = () => Math.floor(now() / 1000) + options.ttlSeconds;
  const make = (kind: LinkKind, id: string, o: LinkOptions | undefined, extra = ''): string => {
    if (!isValidId(id)) throw new Error(`not a batch or clip id: ${JSON.stringify(id)}`);
    const e = o?.expiresAt ?? expiryFromNow();
    return `${base}${paths[kind](id)}?e=${e}&s=${signLink(options.secret, kind, id, e)}${extra}`;
  };
  return {
    ttlSeconds: options.ttlSeconds,
    clipUrl: (id, o) => make('clip', id, o),
    downloadUrl: (id, o) => make('clip', id, o, '&dl=1'),
    batchUrl: (id, o) => make('batch', id, o),
    zipUrl: (id, o) => make('zip', id, o),
    expiryFromNow,
  };
}
