import { randomUUID } from 'node:crypto';
import { access, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../log.js';
import type { Clock } from './clock.js';
import { emptySession, type SessionState } from './session.js';
import type { SessionOwner, SessionPersistence } from './sessionPersistence.js';

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
  /** Who the session belongs to (from the last message), so a restarted bot can tell them it kept their inputs. */
  owner: SessionOwner | null;
}

export interface SessionStoreOptions {
  /** Folder with one sub-folder per session; only this store writes there. */
  baseDir: string;
  clock: Clock;
  idleMs: number;
  /** Keeps sessions across restarts (files stay in baseDir). Without it a stop deletes everything. */
  persistence?: SessionPersistence;
  log?: Logger;
}

const exists = (p: string) => access(p).then(
  () => true,
  () => false,
);

/**
 * Live sessions, each with its own folder and its own lock: work for one session runs one step at a time (an
 * album's downloads, then Render), while other users' sessions proceed in parallel. With persistence, each step's
 * result is saved (Redis, with the idle time as TTL) and a restarted bot resumes the sessions; idle sessions are
 * dropped with their files.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: SessionStoreOptions) {}

  /** Runs `fn` with the session, after any earlier work on it finished; saves the session afterwards. */
  async with<T>(key: string, fn: (s: Session) => Promise<T>, owner?: SessionOwner): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      const s = await this.open(key, owner);
      try {
        return await fn(s);
      } finally {
        await this.persist(s);
      }
    });
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

  /**
   * Loads the sessions saved before a restart whose files are still there, and deletes the folders of sessions that
   * expired meanwhile. Returns the sessions that hold inputs.
   */
  async resume(): Promise<Session[]> {
    const { persistence, baseDir, clock, idleMs } = this.options;
    if (!persistence) return [];
    const resumed: Session[] = [];
    const live = new Set([...this.sessions.values()].map((s) => s.dir));
    for (const [key, r] of await persistence.all()) {
      if (this.sessions.has(key) || path.dirname(r.dir) !== baseDir) continue;
      const audio = r.state.audio && (await exists(r.state.audio.path)) ? r.state.audio : null;
      const templates = [];
      for (const t of r.state.templates) if (await exists(t.path)) templates.push(t);
      if (!audio && templates.length === 0) {
        await persistence.remove(key);
        continue;
      }
      const s: Session = { key, state: { ...r.state, audio, templates, submitting: false }, dir: r.dir, lastUsed: clock.now(), owner: r.owner };
      this.sessions.set(key, s);
      live.add(s.dir);
      resumed.push(s);
    }
    const names = await readdir(baseDir).catch(() => [] as string[]);
    for (const name of names) {
      const dir = path.join(baseDir, name);
      if (live.has(dir)) continue;
      const st = await stat(dir).catch(() => null);
      if (st?.isDirectory() && st.mtimeMs < clock.now() - idleMs) await rm(dir, { recursive: true, force: true });
    }
    return resumed;
  }

  private async open(key: string, owner: SessionOwner | undefined): Promise<Session> {
    let s = this.sessions.get(key);
    if (!s) {
      const dir = path.join(this.options.baseDir, `s-${randomUUID()}`);
      await mkdir(dir, { recursive: true });
      s = { key, state: emptySession(), dir, lastUsed: this.options.clock.now(), owner: null };
      this.sessions.set(key, s);
    }
    if (owner) s.owner = owner;
    s.lastUsed = this.options.clock.now();
    return s;
  }

  /** Saves the session's inputs (none: forgets it), and keeps its folder fresh for the start-up clean-up. */
  private async persist(s: Session): Promise<void> {
    const { persistence, idleMs, log } = this.options;
    if (!persistence) return;
    const st = s.state;
    try {
      if (!st.audio && st.templates.length === 0) return await persistence.remove(s.key);
      await persistence.save(s.key, { state: { ...st, submitting: false }, dir: s.dir, owner: s.owner }, idleMs);
      const now = new Date();
      await utimes(s.dir, now, now).catch(() => undefined);
    } catch (err) {
      log?.error({ err }, 'saving a session failed');
    }
  }

  /** Drops sessions idle for longer than the limit (not while they are busy). */
  async sweep(): Promise<number> {
    const cutoff = this.options.clock.now() - this.options.idleMs;
    let dropped = 0;
    for (const [key, s] of this.sessions) {
      if (s.lastUsed > cutoff || this.locks.has(key) || s.state.submitting) continue;
      this.sessions.delete(key);
      await this.options.persistence?.remove(key).catch(() => undefined);
      await rm(s.dir, { recursive: true, force: true });
      dropped++;
    }
    return dropped;
  }

  /** Waits for work in progress; deletes the sessions' files unless they are kept for the next start. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.locks.values()]);
    for (const s of this.sessions.values()) {
      const kept = this.options.persistence && (s.state.audio || s.state.templates.length > 0);
      if (!kept) await rm(s.dir, { recursive: true, force: true });
    }
    this.sessions.clear();
  }
}
