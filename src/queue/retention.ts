import type { RetentionSettings } from '../config/queue.js';
import type { Logger } from '../log.js';
import type { Storage, StoredEntry } from './storage.js';

export interface RetentionReport {
  removedOutputs: number;
  removedInputs: number;
  freedBytes: number;
  /** Bytes still stored afterwards (inputs + outputs). */
  totalBytes: number;
}

/** What retention asks the queue's records before it deletes anything. */
export interface RetentionRefs {
  /** A running batch still needs this input. */
  isInputReferenced(key: string): Promise<boolean>;
  /** A running or unexpired batch references this output (StateStore.isOutputHeld); none: nothing is held. */
  isOutputHeld?(renderKey: string, now: number): Promise<boolean>;
}

/** Temp files of killed renders and half-finished copies are removed after this long. */
const STRAY_AGE_MS = 24 * 3_600_000;

/**
 * One retention pass:
 *  1. outputs older than the TTL go (a cache hit refreshes an output's age);
 *  2. inputs no running batch references go once older than the grace period (normally they are deleted
 *     as soon as their batch ends; this catches submissions that failed half-way);
 *  3. while inputs + outputs exceed the disk cap, the oldest outputs go.
 * Inputs a running batch still needs (or a submission may be about to, within the grace period) are never removed,
 * nor outputs a running or unexpired batch references (undelivered clips, working links): the cap gives way to
 * them, and the intake's disk budget turns new work away instead. The listing is minutes old by the time a file
 * is deleted, so each file is looked at again right before: a cache hit may have refreshed it meanwhile.
 */
export async function runRetention(
  storage: Storage,
  refs: RetentionRefs | ((key: string) => Promise<boolean>),
  settings: RetentionSettings,
  now: number = Date.now(),
): Promise<RetentionReport> {
  const { isInputReferenced, isOutputHeld } = typeof refs === 'function' ? { isInputReferenced: refs, isOutputHeld: undefined } : refs;
  const report: RetentionReport = { removedOutputs: 0, removedInputs: 0, freedBytes: 0, totalBytes: 0 };
  const remove = async (e: StoredEntry) => {
    await storage.remove(e.area, e.key);
    report.freedBytes += e.bytes;
    if (e.area === 'outputs') report.removedOutputs++;
    else report.removedInputs++;
  };
  /** Still the file that was listed (not refreshed, not replaced) and nobody holds it now. */
  const stillRemovable = async (e: StoredEntry): Promise<boolean> => {
    const current = e.area === 'outputs' ? await storage.statOutput(e.key) : await storage.statInput(e.key);
    if (!current || current.mtimeMs !== e.mtimeMs) return false;
    if (e.area === 'inputs') return !(await isInputReferenced(e.key));
    return !(await isOutputHeld?.(e.key, Date.now()));
  };

  const outputs: StoredEntry[] = [];
  for (const e of await storage.list('outputs')) {
    if (now - e.mtimeMs > settings.outputTtlMs && (await stillRemovable(e))) await remove(e);
    else outputs.push(e);
  }
  const inputs: StoredEntry[] = [];
  for (const e of await storage.list('inputs')) {
    if (await isInputReferenced(e.key)) {
      inputs.push(e);
    } else if (now - e.mtimeMs > settings.inputGraceMs && (await stillRemovable(e))) {
      await remove(e);
    } else {
      inputs.push(e);
    }
  }
  report.freedBytes += await storage.sweepStrays(STRAY_AGE_MS, now);

  let total = [...outputs, ...inputs].reduce((sum, e) => sum + e.bytes, 0);
  if (settings.diskCapBytes > 0 && total > settings.diskCapBytes) {
    for (const e of outputs.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
      if (total <= settings.diskCapBytes) break;
      if (!(await stillRemovable(e))) continue;
      await remove(e);
      total -= e.bytes;
    }
  }
  report.totalBytes = total;
  return report;
}

/** Runs retention now and then every `intervalMs` until stopped. Errors are logged, never thrown. */
export function startRetention(
  storage: Storage,
  refs: RetentionRefs | ((key: string) => Promise<boolean>),
  settings: RetentionSettings,
  log: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      try {
        const report = await runRetention(storage, refs, settings);
        if (report.removedInputs + report.removedOutputs > 0) log.info(report, 'retention removed old files');
      } catch (err) {
        log.error({ err }, 'retention pass failed');
      }
    });
  };
  tick();
  const timer = setInterval(tick, settings.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
