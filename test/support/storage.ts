import { LocalStorage, type Storage } from '../../src/queue/storage.js';

/** Where a local store keeps an output (tests that write or read the file directly run on local storage). */
export function localOutputPath(storage: Storage, renderKey: string): string {
  if (!(storage instanceof LocalStorage)) throw new Error(`expected local storage, got ${storage.description}`);
  return storage.outputPath(renderKey);
}
