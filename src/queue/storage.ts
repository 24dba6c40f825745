import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
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
  /** Where it lives: a local path, or the object's s3:// URL. For logs and the CLI, never opened by anyone. */
  path: string;
  bytes: number;
  mtimeMs: number;
}

export interface StoredStat {
  bytes: number;
  mtimeMs: number;
}

/** An inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A readable output: `size` is the whole object's, `stream` yields `range` (or everything). */
export interface OutputReader {
  stream: Readable;
  size: number;
  mtimeMs: number;
}

/** An input made readable on this machine for a render; `release()` removes any copy made for it. */
export interface LocalInput {
  path: string;
  release(): Promise<void>;
}

/** The store did not answer (down, unreachable, throttling) after retries: the work should wait, not fail. */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}

/**
 * Where inputs and outputs live. Everything is addressed by hashes we compute, so no name chosen by a user
 * ever reaches a path or an object key. Two implementations: LocalStorage below (one machine, or a shared mount)
 * and S3Storage (s3Storage.ts: any S3-compatible store, so hosts share nothing but Redis and the bucket). The rest
 * of the code does not know which one runs: a render fetches its inputs to a local folder, uploads its output,
 * and readers (web downloads, ZIPs, bot delivery) open outputs as streams.
 */
export interface Storage {
  /** Human-readable location of the store (no credentials), for logs and `lipsync storage check`. */
  readonly description: string;
  /** Stores a local file under its content key (a no-op upload when the same bytes are already there). */
  putInput(sourcePath: string, label?: string): Promise<StoredInput>;
  hasInput(key: string): Promise<boolean>;
  statInput(key: string): Promise<StoredStat | null>;
  /** A local path of the input for a render: the stored file itself (local), or a copy downloaded into `localDir`. */
  fetchInput(key: string, localDir: string): Promise<LocalInput>;
  /** Stores a finished local MP4 as the output of a render key (streamed; atomic for readers). */
  putOutput(renderKey: string, localFile: string): Promise<StoredStat>;
  /** Opens an output for reading, optionally one byte range of it; null when it is not stored. */
  openOutput(renderKey: string, range?: ByteRange): Promise<OutputReader | null>;
  statOutput(renderKey: string): Promise<StoredStat | null>;
  /** Where an output lives (local path or s3:// URL), for ClipOutput.path and the CLI. */
  outputLocation(renderKey: string): string;
  /** Marks an output as freshly used, so retention keeps it for another TTL. */
  touchOutput(renderKey: string): Promise<void>;
  list(area: StorageArea): Promise<StoredEntry[]>;
  remove(area: StorageArea, key: string): Promise<void>;
  /** Stray files (temp files of killed renders, unfinished uploads) older than `olderThanMs`; removes them, returns bytes freed. */
  sweepStrays(olderThanMs: number, now?: number): Promise<number>;
  /** Bytes the store takes (local: everything under its root; S3: every object under the prefix). */
  usageBytes(): Promise<number>;
  /** A URL the client can fetch the output from directly, valid `expiresSeconds`; absent when the store has none. */
  presignOutput?(renderKey: string, expiresSeconds: number, options?: { fileName?: string; disposition?: 'inline' | 'attachment' }): Promise<string>;
  /** Resolves when the store answers (for /healthz); throws StorageUnavailableError otherwise. */
  ping(): Promise<void>;
  /** Releases connections (the S3 client's sockets); nothing to do for local storage. */
  close?(): void;
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

  get description(): string {
    return `file://${this.root}`;
  }

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

  async statInput(key: string): Promise<StoredStat | null> {
    const s = await statOrNull(this.inputPath(key));
    return s ? { bytes: s.size, mtimeMs: s.mtimeMs } : null;
  }

  /** The stored file itself: no copy, nothing to release. */
  async fetchInput(key: string): Promise<LocalInput> {
    const file = this.inputPath(key);
    if (!(await statOrNull(file))) throw new Error(`input not stored: ${key}`);
    return { path: file, release: async () => undefined };
  }

  /** Moves the render's file into place (a copy through tmp/ when it sits on another filesystem). */
  async putOutput(renderKey: string, localFile: string): Promise<StoredStat> {
    const dest = this.outputPath(renderKey);
    await mkdir(path.dirname(dest), { recursive: true });
    try {
      await rename(localFile, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const tmpDir = path.join(this.root, 'tmp');
      await mkdir(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, `in-${HOST_TAG}-${process.pid}-${randomBytes(8).toString('hex')}`);
      try {
        await copyFile(localFile, tmp);
        await rename(tmp, dest);
      } finally {
        await rm(tmp, { force: true });
      }
    }
    const s = await stat(dest);
    return { bytes: s.size, mtimeMs: s.mtimeMs };
  }

  async openOutput(renderKey: string, range?: ByteRange): Promise<OutputReader | null> {
    let file: string;
    try {
      file = this.outputPath(renderKey);
    } catch {
      return null;
    }
    const fh = await open(file, 'r').catch(() => null);
    if (!fh) return null;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new Error('not a file');
      // The stream owns the descriptor from here (autoClose), so a file removed meanwhile still reads whole.
      const stream = fh.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { stream, size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      await fh.close().catch(() => undefined);
      return null;
    }
  }

  outputLocation(renderKey: string): string {
    return this.outputPath(renderKey);
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  outputPath(renderKey: string): string {
    if (!isRenderKey(renderKey)) throw new Error(`invalid render key: ${renderKey}`);
    return path.join(this.shardDir('outputs', renderKey), `${renderKey}.mp4`);
  }

  async statOutput(renderKey: string): Promise<StoredStat | null> {
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
