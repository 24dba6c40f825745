// Which CLI entry the launcher runs: the compiled dist/cli/main.js when it exists and is newer than every file under
// src/ (built by `npm install`'s prepare script), else the TypeScript sources through tsx (development).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** @param {string} root the package root @returns {{ kind: 'dist' | 'src', file: string }} */
export function pickEntry(root) {
  const dist = path.join(root, 'dist', 'cli', 'main.js');
  const src = path.join(root, 'src', 'cli', 'main.ts');
  let distMtime;
  try {
    distMtime = statSync(dist).mtimeMs;
  } catch {
    return { kind: 'src', file: src };
  }
  let srcMtime = 0;
  try {
    srcMtime = newestMtimeMs(path.join(root, 'src'));
  } catch {
    // no sources (an installed package): the build is all there is
  }
  return distMtime >= srcMtime ? { kind: 'dist', file: dist } : { kind: 'src', file: src };
}
