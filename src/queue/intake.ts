import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { IntakeSettings } from '../config/queue.js';
import { InputError } from '../errors.js';
import { QueueKeys } from './keys.js';
import { queueFullError } from './limits.js';
import { reserveIntakeLua } from './scripts.js';
import type { Storage } from './storage.js';

/** What a caller is about to download: template clips it will submit, and bytes it will write. */
export interface IntakeWant {
  clips: number;
  bytes: number;
}

/** Held while files are downloaded and probed; release() is safe to call twice. Expires on its own after a crash. */
export interface IntakeReservation {
  readonly id: string;
  release(): Promise<void>;
}

/** The refusal when the disk budget is spent: a chat bot words it itself ("busy, try later"). */
export function busyError(): InputError {
  return new InputError('busy', 'The server is busy right now (storage is full). Please try again later.');
}

/** How long a measurement of DATA_DIR's usage is reused before it is taken again. */
const USAGE_REFRESH_MS = 10_000;

/**
 * Admission before anything is downloaded: an atomic per-user reservation of waiting clips (the same quota as
 * QUEUE_MAX_WAITING_PER_USER, counting what is being downloaded right now), a global byte budget (DATA_DIR's
 * measured usage + every download in flight), and a process-wide limit on downloads and probes at once.
 */
export class IntakeGate {
  private readonly keys: QueueKeys;
  private usage: { bytes: number; at: number; pending: Promise<number> | null } = { bytes: 0, at: -Infinity, pending: null };

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly storage: Storage,
    private readonly settings: IntakeSettings,
    private readonly maxWaitingPerUser: number,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new QueueKeys(prefix);
    if (!('lsReserveIntake' in redis)) redis.defineCommand('lsReserveIntake', { numberOfKeys: 0, lua: reserveIntakeLua });
  }

  /**
   * Reserves before downloading. Throws InputError 'queue-full' (the user's waiting clips plus this would pass the
   * limit) or 'busy' (the disk budget is spent). `exempt` users (admins, the local operator) skip the clip count.
   */
  async reserve(user: string, want: IntakeWant, exempt = false): Promise<IntakeReservation> {
    const id = `r${randomBytes(8).toString('hex')}`;
    const used = this.settings.diskBudgetBytes > 0 ? await this.usedBytes() : 0;
    const fn = (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>).lsReserveIntake!.bind(this.redis);
    const reply = (await fn(
      this.keys.base,
      id,
      user,
      Math.max(0, Math.round(want.clips)),
      Math.max(0, Math.round(want.bytes)),
      exempt ? -1 : this.maxWaitingPerUser,
      this.settings.diskBudgetBytes,
      used,
      this.now(),
      this.settings.reservationTtlMs,
    )) as [number, number];
    if (reply[0] === -1) throw queueFullError(reply[1], want.clips, this.maxWaitingPerUser);
    if (reply[0] === -2) throw busyError();
    let released = false;
    return {
      id,
      release: async () => {
        if (released) return;
        released = true;
        await this.redis.hdel(this.keys.intake(), id);
      },
    };
  }

  /** Bytes under DATA_DIR (inputs, temp files, outputs), measured at most every few seconds. */
  async usedBytes(): Promise<number> {
    const t = this.now();
    if (t - this.usage.at < USAGE_REFRESH_MS) return this.usage.bytes;
    this.usage.pending ??= this.storage
      .usageBytes()
      .then((bytes) => {
        this.usage = { bytes, at: this.now(), pending: null };
        return bytes;
      })
      .finally(() => {
        this.usage.pending = null;
      });
    return this.usage.pending;
  }

  /** Runs `fn` (a download and its probe) when one of the process-wide slots is free. */
  slot<T>(fn: () => Promise<T>): Promise<T> {
    return processSemaphore(this.settings.maxConcurrentDownloads).run(fn);
  }
}

/** A counting semaphore, first come first served. */
export class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(public limit: number) {}

  /** Callers waiting for a slot right now. */
  get waiting(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

let shared: Semaphore | null = null;

/** One semaphore per process, so two bots in one `lipsync start` share the limit. */
export function processSemaphore(limit: number): Semaphore {
  shared ??= new Semaphore(limit);
  shared.limit = Math.min(shared.limit, limit);
  return shared;
}
