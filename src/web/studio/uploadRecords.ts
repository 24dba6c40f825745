import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shortenFileName, wellFormed } from '../../format.js';

/** One studio upload as the studio sees it (api.md §3). */
export interface StudioUpload {
  id: string;
  ownerRef: string;
  kind: 'audio' | 'template';
  label: string;
  bytes: number;
  status: 'uploading' | 'ready' | 'refused';
  seconds?: number;
  width?: number;
  height?: number;
  isImage?: boolean;
  refusal?: { code: string; message: string; params?: Record<string, string | number | boolean> };
  createdAt: number;
  /** ffprobe's container name of a ready upload (picks the Content-Type it is served with). */
  format?: string;
  /** A JPEG thumbnail was made for it. */
  hasThumb?: boolean;
}

export type UploadKind = StudioUpload['kind'];

/** Folder names and the start of every upload id: the first 16 hex digits of sha256(userRef). */
const OWNER_HASH_LENGTH = 16;
const ID_PATTERN = /^[0-9a-f]{40}$/;
const OWNER_DIR_PATTERN = /^[0-9a-f]{16}$/;

export function ownerHash(ownerRef: string): string {
  return createHash('sha256').update(`lipsync-studio-uploads\0${ownerRef}`).digest('hex').slice(0, OWNER_HASH_LENGTH);
}

/** A new upload id: the owner's hash then 24 random hex digits, so an id says which folder it lives in. */
export function newUploadId(ownerRef: string): string {
  return ownerHash(ownerRef) + randomBytes(12).toString('hex');
}

export function isUploadId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The id belongs to this user (by its prefix; the record's ownerRef is checked too where a record is read). */
export function idBelongsTo(id: string, ownerRef: string): boolean {
  return isUploadId(id) && id.startsWith(ownerHash(ownerRef));
}

/**
 * The files of uploads under one root: `<root>/<ownerHash>/<id>` (the bytes, written by @tus/file-store),
 * `<id>.json` (tus's own metadata), `<id>.record.json` (ours) and `<id>.thumb.jpg`. Every path is built from a
 * checked id, never from anything else a client sent.
 */
export class UploadFiles {
  constructor(readonly root: string) {}

  /** The id @tus/file-store knows the upload by (a path relative to the root). */
  tusId(id: string): string {
    return `${id.slice(0, OWNER_HASH_LENGTH)}/${id}`;
  }

  /** The public id of a tus id, or null when it is not one of ours. */
  idOfTusId(tusId: string): string | null {
    const [dir, id, ...rest] = tusId.split('/');
    return rest.length === 0 && id !== undefined && isUploadId(id) && dir === id.slice(0, OWNER_HASH_LENGTH) ? id : null;
  }

  dirOf(id: string): string {
    if (!isUploadId(id)) throw new Error(`not an upload id: ${id}`);
    return path.join(this.root, id.slice(0, OWNER_HASH_LENGTH));
  }

  dataPath(id: string): string {
    return path.join(this.dirOf(id), id);
  }

  thumbPath(id: string): string {
    return path.join(this.dirOf(id), `${id}.thumb.jpg`);
  }

  private recordPath(id: string): string {
    return path.join(this.dirOf(id), `${id}.record.json`);
  }

  async read(id: string): Promise<StudioUpload | null> {
    if (!isUploadId(id)) return null;
    try {
      return JSON.parse(await readFile(this.recordPath(id), 'utf8')) as StudioUpload;
    } catch {
      return null;
    }
  }

  /** Written whole through a rename, so a reader never sees half a record. */
  async write(record: StudioUpload): Promise<void> {
    const file = this.recordPath(record.id);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, file);
  }

  /** Every record of one user, newest first. */
  async listOwner(ownerRef: string): Promise<StudioUpload[]> {
    return this.listDir(path.join(this.root, ownerHash(ownerRef)));
  }

  /** Every record of every user (sweeps). */
  async listAll(): Promise<StudioUpload[]> {
    const all: StudioUpload[] = [];
    for (const folder of await this.ownerFolders()) all.push(...(await this.listDir(folder)));
    return all;
  }

  /** The users' folders under the root (anything else there is not ours to read). */
  private async ownerFolders(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.filter((name) => OWNER_DIR_PATTERN.test(name)).map((name) => path.join(this.root, name));
  }

  private async listDir(dir: string): Promise<StudioUpload[]> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const records: StudioUpload[] = [];
    for (const name of names) {
      const m = /^([0-9a-f]{40})\.record\.json$/.exec(name);
      if (!m?.[1]) continue;
      const record = await this.read(m[1]);
      if (record) records.push(record);
    }
    return records.sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Files older than `cutoffMs` that belong to no record (a record that was never written, or temp files left by a
   * crash): removed, with the user folders left empty. Returns how many files went.
   */
  async removeOrphans(cutoffMs: number): Promise<number> {
    let removed = 0;
    for (const folder of await this.ownerFolders()) {
      const names = await readdir(folder).catch(() => [] as string[]);
      const recorded = new Set(names.filter((n) => n.endsWith('.record.json')).map((n) => n.slice(0, 40)));
      for (const name of names) {
        const id = /^([0-9a-f]{40})(\.|$)/.exec(name)?.[1];
        if (!id || (recorded.has(id) && !name.endsWith('.tmp'))) continue;
        const file = path.join(folder, name);
        const st = await stat(file).catch(() => null);
        if (!st?.isFile() || st.mtimeMs >= cutoffMs) continue;
        await rm(file, { force: true });
        removed++;
      }
      // Succeeds only when nothing is left in it.
      await rmdir(folder).catch(() => undefined);
    }
    return removed;
  }

  /** Removes the bytes, tus's metadata, our record and the thumbnail (whichever exist). */
  async remove(id: string): Promise<void> {
    const dir = this.dirOf(id);
    await Promise.all(
      [id, `${id}.json`, `${id}.record.json`, `${id}.thumb.jpg`].map((name) => rm(path.join(dir, name), { force: true })),
    );
  }
}

/** The queue's own cap on labels (displayLabel), so a card and the batch made from it show the same name. */
const MAX_LABEL_CHARS = 80;

/**
 * The name a user sees for an upload, from the browser's `filename` metadata: only a label, never a path (the
 * part after the last slash, control characters removed, at most MAX_LABEL_CHARS characters); `fallback` when
 * nothing is left.
 */
export function uploadLabel(filename: string | null | undefined, fallback: string): string {
  const base = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const clean = wellFormed(base.normalize('NFC'))
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '')
    .trim();
  const label = shortenFileName(clean, MAX_LABEL_CHARS).trim();
  return label === '' || label === '.' || label === '..' ? fallback : label;
}
