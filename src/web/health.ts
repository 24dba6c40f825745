import type { StatsFs } from 'node:fs';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { RenderQueue, Storage } from '../queue/index.js';
import { livenessReport, type LivenessState } from './liveness.js';

export interface HealthReport {
  /**
   * ok: everything fine; degraded: downloads work but renders or chats may not (no worker, low disk, a bot not
   * connected); down: Redis unreachable.
   */
  status: 'ok' | 'degraded' | 'down';
  redis: { ok: boolean; latencyMs: number | null; error?: string };
  worker: { count: number; heartbeatAgeSeconds: number | null; stale: boolean };
  disk: { path: string; freeBytes: number | null; totalBytes: number | null; low: boolean };
  /** The store of inputs and outputs (absent when the probe was given none). Down: clips wait, downloads fail. */
  storage?: { ok: boolean; location: string; latencyMs: number | null; error?: string };
  /** Chat bots running in this process (Telegram polling, Discord gateway), by platform. */
  bots: Record<string, LivenessState>;
  uptimeSeconds: number;
}

export interface HealthProbe {
  check(): Promise<HealthReport>;
}

export interface HealthDeps {
  redis: Redis;
  queue: RenderQueue;
  dataDir: string;
  storage?: Storage;
  minFreeDiskBytes: number;
  workerStaleSeconds: number;
  timeoutMs?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Worker liveness without a heartbeat key: BullMQ names every worker connection, and Redis CLIENT LIST
 * reports each connection's idle seconds. A live worker talks to Redis at least every few seconds (blocking
 * fetch timeouts, lock renewals), so the smallest idle time is the age of its last sign of life.
 */
export async function workerHeartbeat(queue: RenderQueue): Promise<{ count: number; heartbeatAgeSeconds: number | null }> {
  // Entries without an idle time are placeholders (e.g. a managed Redis that forbids CLIENT LIST).
  const clients = ((await queue.queue.getWorkers()) as Record<string, string>[]).filter((c) => Number.isFinite(Number(c.idle)));
  const idle = clients.map((c) => Number(c.idle));
  const names = new Set(clients.map((c) => c.rawname ?? c.name ?? ''));
  return { count: names.size, heartbeatAgeSeconds: idle.length > 0 ? Math.min(...idle) : null };
}

export function createHealthProbe(deps: HealthDeps): HealthProbe {
  const started = Date.now();
  const timeoutMs = deps.timeoutMs ?? 2_000;
  return {
    async check() {
      const t0 = performance.now();
      const redis: HealthReport['redis'] = await withTimeout(deps.redis.ping(), timeoutMs, 'PING').then(
        () => ({ ok: true, latencyMs: Math.round((performance.now() - t0) * 10) / 10 }),
        (err: unknown) => ({ ok: false, latencyMs: null, error: err instanceof Error ? err.message : String(err) }),
      );
      let worker: HealthReport['worker'] = { count: 0, heartbeatAgeSeconds: null, stale: true };
      if (redis.ok) {
        const hb = await withTimeout(workerHeartbeat(deps.queue), timeoutMs, 'CLIENT LIST').catch(() => null);
        if (hb) worker = { ...hb, stale: hb.heartbeatAgeSeconds === null || hb.heartbeatAgeSeconds > deps.workerStaleSeconds };
      }
      const disk: HealthReport['disk'] = await statfsNearest(deps.dataDir).then(
        (s) => {
          const freeBytes = s.bavail * s.bsize;
          return { path: deps.dataDir, freeBytes, totalBytes: s.blocks * s.bsize, low: freeBytes < deps.minFreeDiskBytes };
        },
        () => ({ path: deps.dataDir, freeBytes: null, totalBytes: null, low: true }),
      );
      let storage: HealthReport['storage'];
      if (deps.storage) {
        const s0 = performance.now();
        const location = deps.storage.description;
        storage = await withTimeout(deps.storage.ping(), timeoutMs, 'storage').then(
          () => ({ ok: true, location, latencyMs: Math.round((performance.now() - s0) * 10) / 10 }),
          (err: unknown) => ({ ok: false, location, latencyMs: null, error: err instanceof Error ? err.message : String(err) }),
        );
      }
      const bots = livenessReport();
      const botsOk = Object.values(bots).every((b) => b.ok);
      const storageOk = storage?.ok !== false;
      const status = !redis.ok ? 'down' : worker.stale || disk.low || !botsOk || !storageOk ? 'degraded' : 'ok';
      return { status, redis, worker, disk, ...(storage ? { storage } : {}), bots, uptimeSeconds: Math.round((Date.now() - started) / 1000) };
    },
  };
}

/** statfs of the directory or, before its first use, of the nearest parent that exists (same file system). */
async function statfsNearest(dir: string): Promise<StatsFs> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      return await statfs(current);
    } catch (err) {
      const parent = path.dirname(current);
      if (parent === current) throw err;
      current = parent;
    }
  }
}
