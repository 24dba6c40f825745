#!/usr/bin/env node
// Launcher: the compiled CLI when the build is current (fast start), else the TypeScript sources through tsx.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pickEntry } from './entry.js';

const entry = pickEntry(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
if (entry.kind === 'src') {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(pathToFileURL(entry.file).href);
