import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * True when the module with this `import.meta.url` was started directly (tsx scripts/x.ts), false when imported by
 * tests or benchmarks. argv[1] may be a symlink or relative path, so compare resolved file URLs.
 */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}
