import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from './clock.js';
import { emptySession, type SessionState } from './session.js';

/** Sessions are per user per chat per topic, so two people in one group never mix their inputs. */
export function sessionKey(platform: string, chatId: string, threadId: string | undefined, userId: string): string {
  return [platform, chatId, threadId ?? '-', userId].join(':');
}

export interface Session {
  key: string;
  state: SessionState;
  /** Folder holding this session's downloads. */
  dir: string;
  lastUsed: number;
}

/**
 * Live sessions in memory, each with its own temp folder and its own lock: work for one session runs one step
 * at a time (an album's downloads, then Render), while other users' sessions proceed in parallel.
 * Idle sessions are dropped with their files.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private seq = 0;

  constructor(
    private readonly baseDir: string,
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {}

  /** Runs `fn` with the session, after any earlier work on it finished. */
  async with<T>(key: string, fn: (s: Session) => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => fn(await this.open(key)));
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  peek(key: string): Session | undefined {
    return this.sessions.get(key);
  }

  private async open(key: string): Promise<Session> {
    let s = this.sessions.get(key);
    if (!s) {
      const dir = path.join(this.baseDir, `s${++this.seq}-${this.clock.now().toString(36)}`);
      await mkdir(dir, { recursive: true });
      s = { key, state: emptySession(), dir, lastUsed: this.clock.now() };
      this.sessions.set(key, s);
    }
    s.lastUsed = this.clock.now();
    return s;
  }

  /** Drops sessions idle for longer than the limit (not while they are busy). */
  async sweep(): Promise<number> {
    const cutoff = this.clock.now() - this.idleMs;
    let dropped = 0;
    for (const [key, s] of this.sessions) {
      if (s.lastUsed > cutoff || this.locks.has(key) || s.state.submitting) continue;
      this.sessions.delete(key);
      await rm(s.dir, { recursive: true, force: true });
      dropped++;
    }
    return dropped;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.locks.values()]);
    for (const s of this.sessions.values()) await rm(s.dir, { recursive: true, force: true });
    this.sessions.clear();
  }
}
