import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isLocale, type Locale } from '../../i18n/index.js';
import { userRef } from '../../queue/keys.js';
import type { Owner } from '../../queue/types.js';

/** A signed-in studio browser. `id` is the cookie's value; only its hash is stored. */
export interface StudioSession {
  id: string;
  owner: Owner;
  ownerRef: string;
  locale: Locale;
  /** Sent back in X-CSRF-Token on every state-changing request. */
  csrf: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export const SESSION_TTL_SECONDS = 12 * 3600;
/** base64url of 32 random bytes. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface StudioSessions {
  /**
   * Records a sign-in link's nonce until the link's expiry; false when it was used before (one use per link).
   * Atomic (SET NX), so two tabs racing on the same link get one session between them.
   */
  consumeNonce(nonce: string, expiresAtSeconds: number): Promise<boolean>;
  /** True when a sign-in link's nonce was used already (without using it). */
  nonceUsed(nonce: string): Promise<boolean>;
  create(owner: Owner, locale: Locale): Promise<StudioSession>;
  /** The session for a cookie value, or null (unknown, expired, malformed). */
  get(id: string): Promise<StudioSession | null>;
  setLocale(id: string, locale: Locale): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface StudioSessionsOptions {
  redis: Redis;
  /** Key namespace, e.g. the queue's prefix ("lipsync"); keys live under `<prefix>:studio:`. */
  prefix: string;
  ttlSeconds?: number;
  /** Milliseconds clock (tests). */
  now?: () => number;
}

interface StoredSession {
  owner: Owner;
  locale: Locale;
  csrf: string;
  createdAt: number;
}

/** Sessions in Redis, 12 h from sign-in (not sliding: a stolen cookie dies on schedule). */
export function createStudioSessions(o: StudioSessionsOptions): StudioSessions {
  const ttl = o.ttlSeconds ?? SESSION_TTL_SECONDS;
  const now = o.now ?? Date.now;
  const base = `${o.prefix}:studio`;
  // The stored key is a hash of the cookie: reading Redis (a dump, a MONITOR) does not hand out live sessions.
  const sessionKey = (id: string) => `${base}:session:${createHash('sha256').update(id).digest('hex')}`;
  const nonceKey = (nonce: string) => `${base}:nonce:${createHash('sha256').update(nonce).digest('hex')}`;

  async function get(id: string): Promise<StudioSession | null> {
    if (!SESSION_ID_PATTERN.test(id)) return null;
    const raw = await o.redis.get(sessionKey(id));
    if (raw === null) return null;
    let stored: StoredSession;
    try {
      stored = JSON.parse(raw) as StoredSession;
    } catch {
      return null;
    }
    if (!stored.owner || typeof stored.csrf !== 'string') return null;
    return {
      id,
      owner: stored.owner,
      ownerRef: userRef(stored.owner),
      locale: isLocale(stored.locale) ? stored.locale : 'en',
      csrf: stored.csrf,
      createdAt: stored.createdAt,
    };
  }

  return {
    async consumeNonce(nonce, expiresAtSeconds) {
      const seconds = Math.max(1, Math.ceil(expiresAtSeconds - now() / 1000));
      return (await o.redis.set(nonceKey(nonce), '1', 'EX', seconds, 'NX')) === 'OK';
    },
    async nonceUsed(nonce) {
      return (await o.redis.exists(nonceKey(nonce))) === 1;
    },
    async create(owner, locale) {
      const id = randomBytes(32).toString('base64url');
      const stored: StoredSession = {
        // Studio batches belong to the person, never to the chat the link was asked for in.
        owner: { platform: owner.platform, userId: owner.userId },
        locale,
        csrf: randomBytes(32).toString('base64url'),
        createdAt: now(),
      };
      await o.redis.set(sessionKey(id), JSON.stringify(stored), 'EX', ttl);
      return { id, owner: stored.owner, ownerRef: userRef(stored.owner), locale, csrf: stored.csrf, createdAt: stored.createdAt };
    },
    get,
    async setLocale(id, locale) {
      const session = await get(id);
      if (!session) return;
      const stored: StoredSession = { owner: session.owner, locale, csrf: session.csrf, createdAt: session.createdAt };
      // KEEPTTL: changing the language does not extend the session.
      await o.redis.set(sessionKey(id), JSON.stringify(stored), 'KEEPTTL', 'XX');
    },
    async delete(id) {
      if (SESSION_ID_PATTERN.test(id)) await o.redis.del(sessionKey(id));
    },
  };
}
