import type { Redis } from 'ioredis';
import type { ChatAddress } from './platform.js';
import type { SessionState } from './session.js';

/** Who a session belongs to and where to talk to them: enough to tell them after a restart that it was kept. */
export interface SessionOwner {
  address: ChatAddress;
  userId: string;
  userName: string;
  isGroup: boolean;
  /** The user's language when they last spoke to us (src/i18n locale). */
  locale?: string;
}

/** A session as stored between restarts: its inputs (paths under the session's folder) and its owner. */
export interface SessionRecord {
  state: SessionState;
  dir: string;
  owner: SessionOwner | null;
}

/** Where sessions outlive the process. Records expire on their own after the session idle time. */
export interface SessionPersistence {
  save(key: string, record: SessionRecord, ttlMs: number): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every stored session (not expired). */
  all(): Promise<Map<string, SessionRecord>>;
}

/** One Redis string per session, `<prefix>:bots:<platform>:session:<key>`, with the idle time as its TTL. */
export class RedisSessionPersistence implements SessionPersistence {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    platform: string,
  ) {
    this.base = `${prefix}:bots:${platform}:session:`;
  }

  async save(key: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.redis.set(this.base + key, JSON.stringify(record), 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async remove(key: string): Promise<void> {
    await this.redis.del(this.base + key);
  }

  async all(): Promise<Map<string, SessionRecord>> {
    const out = new Map<string, SessionRecord>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.base}*`, 'COUNT', 200);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await this.redis.mget(...keys);
      keys.forEach((k, i) => {
        const v = values[i];
        if (!v) return;
        try {
          out.set(k.slice(this.base.length), JSON.parse(v) as SessionRecord);
        } catch {
          // A damaged record is skipped; it expires with its TTL.
        }
      });
    } while (cursor !== '0');
    return out;
  }
}
