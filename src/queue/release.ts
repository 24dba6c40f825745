import type { StateStore } from './state.js';
import type { Storage } from './storage.js';

/**
 * Deletes inputs no batch references any more, once their batch is done. An input stored again after the
 * batch was created (another submission of the same bytes, maybe not yet counted) is left to the retention
 * sweep, which only removes unreferenced inputs older than a grace period.
 */
export async function releaseInputs(storage: Storage, state: StateStore, inputKeys: string[], batchCreatedAt: number): Promise<number> {
  let removed = 0;
  for (const key of inputKeys) {
    if (await state.isInputReferenced(key)) continue;
    const mtimeMs = (await storage.statInput(key))?.mtimeMs ?? null;
    // File times have sub-millisecond digits; an input stored in the batch's own millisecond is the batch's.
    if (mtimeMs === null || Math.floor(mtimeMs) > batchCreatedAt) continue;
    await storage.remove('inputs', key);
    removed++;
  }
  return removed;
}
