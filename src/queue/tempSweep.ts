import { createHash } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';

/**
 * Temp files and folders that a process killed by SIGKILL (or the OOM killer) cannot clean up: frame spills and
 * ffmpeg sockets of the render child, half-finished copies into storage. Names carry the owning process id (and,
 * in folders other machines may share, a tag of the host), so a sweep removes them as soon as their owner is
 * gone, and anything matching that is older than `maxAgeMs` regardless (an owner's pid may have been reused).
 */

/** A kind of temp entry: `pattern` matches its name; group `pid` (and `host`, when present) name its owner. */
export type TempPattern = RegExp;

/** Short tag of this machine for names in folders several machines share (DATA_DIR on NFS). */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** Render-side temp entries (pipeline TEMP_DIR or the OS temp dir): frame spills and ffmpeg frame sockets. */
export const renderTempPatterns: readonly TempPattern[] = [
  /^lipsync-spill-(?<pid>\d+)-[A-Za-z0-9]{6}$/,
  /^lipsync-(?<pid>\d+)-[0-9a-f]{12}\.sock$/,
  // A worker's folder for one clip's fetched inputs and its output before the upload (worker.ts).
  /^lipsync-work-(?<pid>\d+)-[A-Za-z0-9]{6}$/,
  // Spills named before they carried a pid: by age only.
  /^lipsync-spill-[A-Za-z0-9]{6}$/,
];

/** A bot's per-command download folders (Discord `/lipsync` attachments, slash.ts): `slash-<pid>-<random>`. */
export const botTempPatterns: readonly TempPattern[] = [/^slash-(?<pid>\d+)-[A-Za-z0-9]{6}$/, /^slash-[A-Za-z0-9]{6}$/];

/** Half-finished copies in DATA_DIR/tmp (storage.ts names them `in-<host>-<pid>-<random>`). */
export const storageTempPatterns: readonly TempPattern[] = [/^in-(?<host>[0-9a-f]{8})-(?<pid>\d+)-[0-9a-f]+$/, /^in-[0-9a-f]{16}$/];

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface TempSweepOptions {
  maxAgeMs: number;
  now?: number;
  isAlive?: (pid: number) => boolean;
}

/** Removes the stale entries of `dir` that match one of `patterns`; returns the names removed. Never throws for a missing dir. */
export async function sweepTempDir(dir: string, patterns: readonly TempPattern[], options: TempSweepOptions): Promise<string[]> {
  const now = options.now ?? Date.now();
  const isAlive = options.isAlive ?? isProcessAlive;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = patterns.map((p) => p.exec(name)).find((m) => m !== null);
    if (!match) continue;
    const pid = match.groups?.pid ? Number(match.groups.pid) : null;
    const host = match.groups?.host ?? HOST_TAG;
    const st = await lstat(path.join(dir, name)).catch(() => null);
    if (!st) continue;
    let stale = now - st.mtimeMs > options.maxAgeMs;
    if (!stale && pid !== null && host === HOST_TAG && pid !== process.pid) stale = !isAlive(pid);
    if (pid === process.pid && host === HOST_TAG) stale = false;
    if (!stale) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

export interface TempSweeperTarget {
  dir: string;
  patterns: readonly TempPattern[];
}

/** Sweeps every target now and then every `intervalMs` until stopped. Errors are logged, never thrown. */
export function startTempSweeper(targets: readonly TempSweeperTarget[], options: { intervalMs: number; maxAgeMs: number; log: Logger }): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      for (const t of targets) {
        try {
          const removed = await sweepTempDir(t.dir, t.patterns, { maxAgeMs: options.maxAgeMs });
          if (removed.length > 0) options.log.info({ dir: t.dir, removed: removed.length }, 'removed temp files of stopped processes');
        } catch (err) {
          options.log.warn({ err, dir: t.dir }, 'temp sweep failed');
        }
      }
    });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
