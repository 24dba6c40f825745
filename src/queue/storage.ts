import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { HOST_TAG } from './tempSweep.js';

export type StorageArea = 'inputs' | 'outputs';

export interface StoredInput {
  /** "<sha256>.<ext>": the content address; the extension comes from an allow-list, never from the user verbatim. */
  key: string;
  /** sha256 of the content (hex). */
  hash: string;
  bytes: number;
}

export interface StoredEntry {
  area: StorageArea;
  key: string;
  path: string;
  bytes: number;
  mtimeMs: number;
}

/**
 * Where inputs and outputs live. Everything is addressed by hashes we compute, so no name chosen by a user
 * ever reaches a path. The local implementation below is enough for one machine or a shared mount; a
 * multi-machine object store implements the same calls (fetching to a local cache in `inputPath`).
 */
export interface Storage {
  putInput(sourcePath: string, label?: string): Promise<StoredInput>;
  inputPath(key: string): string;
  hasInput(key: string): Promise<boolean>;
  statInput(key: string): Promise<{ bytes: number; mtimeMs: number } | null>;
  /** Where the render writes (atomically) the MP4 for a render key. */
  outputPath(renderKey: string): string;
  statOutput(renderKey: string): Promise<{ bytes: number; mtimeMs: number } | null>;
  /** Marks an output as freshly used, so retention keeps it for another TTL. */
  touchOutput(renderKey: string): Promise<void>;
  list(area: StorageArea): Promise<StoredEntry[]>;
  remove(area: StorageArea, key: string): Promise<void>;
  /** Stray files (temp files of killed renders or copies) older than `olderThanMs`; removes them, returns bytes freed. */
  sweepStrays(olderThanMs: number, now?: number): Promise<number>;
  /** Bytes the store takes: everything under its root (inputs, outputs, temp files, the bots' session files…). */
  usageBytes(): Promise<number>;
}

const inputExtensions = new Set([
  'mp4', 'mov', 'm4v', 'mkv', 'webm', 'avi', 'gif',
  'png', 'jpg', 'jpeg', 'webp', 'bmp',
  'wav', 'mp3', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'flac',
]);
const inputKeyPattern = /^[0-9a-f]{64}\.[a-z0-9]{1,5}$/;
const renderKeyPattern = /^[0-9a-f]{64}$/;
const outputName = /^([0-9a-f]{64})\.mp4$/;

/** Extension kept for ffmpeg's benefit; anything not on the allow-list becomes "bin". */
export function safeExtension(label: string | undefined): string {
  const ext = path.extname(label ?? '').slice(1).toLowerCase();
  return inputExtensions.has(ext) ? ext : 'bin';
}

export function isInputKey(key: string): boolean {
  return inputKeyPattern.test(key);
}

export function isRenderKey(key: string): boolean {
  return renderKeyPattern.test(key);
}

/**
 * Layout under the root:
 *   inputs/<h0h1>/<sha256>.<ext>     uploaded audio and templates
 *   outputs/<k0k1>/<renderKey>.mp4   finished clips (renderKey = hash of inputs + options, see dedup.ts)
 *   tmp/                             copies in progress
 */
export class LocalStorage implements Storage {
  constructor(readonly root: string) {}

  private shardDir(area: StorageArea, key: string): string {
    return path.join(this.root, area, key.slice(0, 2));
  }

  async putInput(sourcePath: string, label?: string): Promise<StoredInput> {
    const tmpDir = path.join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Host and pid in the name: a sweep removes the copy as soon as this process is gone (tempSweep.ts).
    const tmp = path.join(tmpDir, `in-${HOST_TAG}-${process.pid}-${randomBytes(8).toString('hex')}`);
    const hasher = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hasher.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(createReadStream(sourcePath), tap, createWriteStream(tmp));
      const hash = hasher.digest('hex');
      const key = `${hash}.${safeExtension(label ?? sourcePath)}`;
      const dest = this.inputPath(key);
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(tmp, dest);
      return { key, hash, bytes };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  inputPath(key: string): string {
    if (!isInputKey(key)) throw new Error(`invalid input key: ${key}`);
    return path.join(this.shardDir('inputs', key), key);
  }

  async hasInput(key: string): Promise<boolean> {
    return (await statOrNull(this.inputPath(key))) !== null;
  }

  async statInput(key: string): Promise<{ bytes: number; mtimeMs: number } | null> {
    const s = await statOrNull(this.inputPath(key));
    return s ? { bytes: s.size, mtimeMs: s.mtimeMs } : null;
  }

  outputPath(renderKey: string): string {
    if (!isRenderKey(renderKey)) throw new Error(`invalid render key: ${renderKey}`);
    return path.join(this.shardDir('outputs', renderKey), `${renderKey}.mp4`);
  }

  async statOutput(renderKey: string): Promise<{ bytes: number; mtimeMs: number } | null> {
    const s = await statOrNull(this.outputPath(renderKey));
    return s ? { bytes: s.size, mtimeMs: s.mtimeMs } : null;
  }

  async touchOutput(renderKey: string): Promise<void> {
    const now = new Date();
    await utimes(this.outputPath(renderKey), now, now).catch(() => undefined);
  }

  async list(area: StorageArea): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    for (const file of await walk(path.join(this.root, area))) {
      const name = path.basename(file);
      const key = area === 'inputs' ? (isInputKey(name) ? name : null) : (outputName.exec(name)?.[1] ?? null);
      if (key === null) continue;
      const s = await statOrNull(file);
      if (s) out.push({ area, key, path: file, bytes: s.size, mtimeMs: s.mtimeMs });
    }
    return out;
  }

  async remove(area: StorageArea, key: string): Promise<void> {
    await rm(area === 'inputs' ? this.inputPath(key) : this.outputPath(key), { force: true });
  }

  async usageBytes(): Promise<number> {
    let total = 0;
    // Four levels: area/shard/file, and bot-sessions/<session>/file.
    for (const file of await walk(this.root, 4)) total += (await statOrNull(file))?.size ?? 0;
    return total;
  }

  async sweepStrays(olderThanMs: number, now = Date.now()): Promise<number> {
    let freed = 0;
    for (const area of ['inputs', 'outputs', 'tmp'] as const) {
      for (const file of await walk(path.join(this.root, area))) {
        const name = path.basename(file);
        const known = area === 'inputs' ? isInputKey(name) : area === 'outputs' ? outputName.test(name) : false;
        if (known) continue;
        const s = await statOrNull(file);
        if (s && now - s.mtimeMs > olderThanMs) {
          await rm(file, { force: true });
          freed += s.size;
        }
      }
    }
    return freed;
  }
}

async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await stat(file);
  } catch {
    return null;
  }
}

/** Files up to two levels down (area/shard/file), which is all the layout uses. */
async function walk(dir: string, depth = 2): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isFile()) files.push(p);
    else if (e.isDirectory() && depth > 1) files.push(...(await walk(p, depth - 1)));
  }
  return files;
}
