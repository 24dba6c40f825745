import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  isInputKey,
  isRenderKey,
  safeExtension,
  StorageUnavailableError,
  type ByteRange,
  type LocalInput,
  type OutputReader,
  type Storage,
  type StorageArea,
  type StoredEntry,
  type StoredInput,
  type StoredStat,
} from './storage.js';
import { withStoreRetry, type RetryPolicy } from './storeRetry.js';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix without leading or trailing slash ("" for the bucket's root). */
  prefix: string;
  region: string;
  /** Custom endpoint (MinIO, R2, B2, Garage, Ceph…); the AWS endpoint of `region` when unset. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Tests only: explicit keys. Otherwise the SDK's standard chain (AWS_* variables, profiles, instance roles). */
  credentials?: S3ClientConfig['credentials'];
  /** Our retries around whole operations (the SDK retries each request too). */
  retry?: Partial<RetryPolicy>;
  /** Multipart part size; parts in flight are bounded, so memory stays at about queueSize × partSize. */
  partSizeBytes?: number;
  queueSize?: number;
}

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const DEFAULT_QUEUE_SIZE = 4;

/**
 * Inputs and outputs in an S3-compatible bucket, under lifecycle-friendly prefixes:
 *   PREFIX/inputs/<h0h1>/<sha256>.<ext>     uploaded once by whoever received them (bot, web, CLI)
 *   PREFIX/outputs/<k0k1>/<renderKey>.mp4   uploaded by the worker that rendered them
 * An object's LastModified is its age for retention: a cache hit copies the object onto itself to refresh it.
 * Uploads stream from disk (multipart, CRC32 per part, the sha256 of the whole file in the metadata, size checked
 * after the upload); downloads stream to disk or to the HTTP client. Memory does not grow with the file.
 */
export class S3Storage implements Storage {
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly retry: Partial<RetryPolicy>;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.retry = options.retry ?? {};
    this.partSize = Math.max(5 * 1024 * 1024, options.partSizeBytes ?? DEFAULT_PART_SIZE);
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 3,
      retryMode: 'standard',
      // A store that is down should fail fast and let the worker delay the clip; a stalled transfer is cut.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  get description(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  private base(area: StorageArea): string {
    return this.prefix ? `${this.prefix}/${area}/` : `${area}/`;
  }

  private inputObject(key: string): string {
    if (!isInputKey(key)) throw new Error(`invalid input key: ${key}`);
    return `${this.base('inputs')}${key.slice(0, 2)}/${key}`;
  }

  private outputObject(renderKey: string): string {
    if (!isRenderKey(renderKey)) throw new Error(`invalid render key: ${renderKey}`);
    return `${this.base('outputs')}${renderKey.slice(0, 2)}/${renderKey}.mp4`;
  }

  private run<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withStoreRetry(what, op, this.retry);
  }

  private async head(object: string): Promise<(StoredStat & { metadata: Record<string, string>; contentType?: string }) | null> {
    return this.run('stat', async () => {
      try {
        const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: object }));
        return { bytes: r.ContentLength ?? 0, mtimeMs: r.LastModified?.getTime() ?? 0, metadata: r.Metadata ?? {}, contentType: r.ContentType };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
  }

  /**
   * Copies an object onto itself so its LastModified (the age retention reads) is now. Some S3-compatible stores
   * keep the old date on an in-place copy: there the object goes through a temporary copy, so it is rewritten.
   */
  private async refresh(object: string): Promise<void> {
    const current = await this.head(object);
    if (!current) return;
    const copy = (from: string, to: string) =>
      this.run('refresh', () =>
        this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: to,
            CopySource: `${this.bucket}/${from}`,
            MetadataDirective: 'REPLACE',
            Metadata: { ...current.metadata, touched: String(Date.now()) },
            ...(current.contentType ? { ContentType: current.contentType } : {}),
          }),
        ),
      );
    await copy(object, object);
    const after = await this.head(object);
    if (!after || after.mtimeMs > current.mtimeMs || Date.now() - current.mtimeMs < 1_000) return;
    const temporary = `${object}.touch-${randomBytes(6).toString('hex')}`;
    try {
      await copy(object, temporary);
      await copy(temporary, object);
    } finally {
      await this.run('remove', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: temporary }))).catch(() => undefined);
    }
  }

  /** Streams a local file into `object` (multipart for big files) and checks the stored size. */
  private async upload(object: string, localFile: string, contentType: string, sha256: string): Promise<StoredStat> {
    const size = (await stat(localFile)).size;
    await this.run('upload', async () => {
      const upload = new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: object,
          Body: createReadStream(localFile),
          ContentType: contentType,
          Metadata: { sha256 },
          ChecksumAlgorithm: 'CRC32',
        },
        partSize: this.partSize,
        queueSize: this.queueSize,
        leavePartsOnError: false,
      });
      await upload.done();
    });
    const stored = await this.head(object);
    if (!stored || stored.bytes !== size) throw new Error(`upload of ${object} stored ${stored?.bytes ?? 'nothing'} of ${size} bytes`);
    return { bytes: stored.bytes, mtimeMs: stored.mtimeMs };
  }

  async putInput(sourcePath: string, label?: string): Promise<StoredInput> {
    const { hash, bytes } = await hashFile(sourcePath);
    const key = `${hash}.${safeExtension(label ?? sourcePath)}`;
    const object = this.inputObject(key);
    const existing = await this.head(object);
    // Same bytes already stored: refresh its age (releaseInputs compares it with the batch's creation).
    if (existing && existing.bytes === bytes) await this.refresh(object);
    else await this.upload(object, sourcePath, 'application/octet-stream', hash);
    return { key, hash, bytes };
  }

  async hasInput(key: string): Promise<boolean> {
    return (await this.head(this.inputObject(key))) !== null;
  }

  async statInput(key: string): Promise<StoredStat | null> {
    const h = await this.head(this.inputObject(key));
    return h ? { bytes: h.bytes, mtimeMs: h.mtimeMs } : null;
  }

  async fetchInput(key: string, localDir: string): Promise<LocalInput> {
    const object = this.inputObject(key);
    const dest = path.join(localDir, key);
    const part = `${dest}.${randomBytes(4).toString('hex')}.part`;
    try {
      await this.run('download', async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: object }));
        if (!r.Body) throw new Error(`empty body for ${object}`);
        await pipeline(r.Body as Readable, createWriteStream(part));
      });
      await rename(part, dest);
    } finally {
      await rm(part, { force: true });
    }
    return { path: dest, release: () => rm(dest, { force: true }) };
  }

  async putOutput(renderKey: string, localFile: string): Promise<StoredStat> {
    const { hash } = await hashFile(localFile);
    return this.upload(this.outputObject(renderKey), localFile, 'video/mp4', hash);
  }

  async openOutput(renderKey: string, range?: ByteRange): Promise<OutputReader | null> {
    if (!isRenderKey(renderKey)) return null;
    const object = this.outputObject(renderKey);
    return this.run('read', async () => {
      try {
        const r = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: object, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        );
        if (!r.Body) return null;
        const total = /\/(\d+)$/.exec(r.ContentRange ?? '')?.[1];
        return { stream: r.Body as Readable, size: total !== undefined ? Number(total) : (r.ContentLength ?? 0), mtimeMs: r.LastModified?.getTime() ?? 0 };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    });
  }

  async statOutput(renderKey: string): Promise<StoredStat | null> {
    const h = await this.head(this.outputObject(renderKey));
    return h ? { bytes: h.bytes, mtimeMs: h.mtimeMs } : null;
  }

  outputLocation(renderKey: string): string {
    return `s3://${this.bucket}/${this.outputObject(renderKey)}`;
  }

  async touchOutput(renderKey: string): Promise<void> {
    await this.refresh(this.outputObject(renderKey)).catch(() => undefined);
  }

  /** Every object under a key prefix, page by page. */
  private async listObjects(prefix: string): Promise<{ key: string; bytes: number; mtimeMs: number }[]> {
    const out: { key: string; bytes: number; mtimeMs: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.run('list', () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, bytes: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async list(area: StorageArea): Promise<StoredEntry[]> {
    const entries: StoredEntry[] = [];
    for (const o of await this.listObjects(this.base(area))) {
      const name = o.key.slice(o.key.lastIndexOf('/') + 1);
      const key = area === 'inputs' ? (isInputKey(name) ? name : null) : (/^([0-9a-f]{64})\.mp4$/.exec(name)?.[1] ?? null);
      if (key === null) continue;
      entries.push({ area, key, path: `s3://${this.bucket}/${o.key}`, bytes: o.bytes, mtimeMs: o.mtimeMs });
    }
    return entries;
  }

  async remove(area: StorageArea, key: string): Promise<void> {
    const object = area === 'inputs' ? this.inputObject(key) : this.outputObject(key);
    await this.run('remove', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object })));
  }

  /** Unfinished multipart uploads of killed workers (their parts cost storage but are not listed as objects). */
  async sweepStrays(olderThanMs: number, now = Date.now()): Promise<number> {
    try {
      const r = await this.run('list uploads', () =>
        this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix ? `${this.prefix}/` : undefined })),
      );
      for (const u of r.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || now - u.Initiated.getTime() <= olderThanMs) continue;
        await this.run('abort upload', () => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId })));
      }
    } catch (err) {
      // Some S3-compatible stores do not list uploads: their lifecycle rule (AbortIncompleteMultipartUpload) does it.
      if (err instanceof StorageUnavailableError) throw err;
    }
    // Parts are not in the object listing (nor in usageBytes), so nothing counted there was freed.
    return 0;
  }

  async usageBytes(): Promise<number> {
    const all = await this.listObjects(this.prefix ? `${this.prefix}/` : '');
    return all.reduce((sum, o) => sum + o.bytes, 0);
  }

  /**
   * The store sends `disposition; filename="…"` back as the response's header. The name is reduced to letters,
   * digits, space, dot, dash and underscore: it travels in the signed query, where stores disagree on encoding
   * anything else (quotes, apostrophes, parentheses, non-ASCII).
   */
  async presignOutput(renderKey: string, expiresSeconds: number, options: { fileName?: string; disposition?: 'inline' | 'attachment' } = {}): Promise<string> {
    const disposition = options.fileName ? `${options.disposition ?? 'inline'}; filename="${options.fileName.replace(/[^A-Za-z0-9 ._-]/g, '_')}"` : undefined;
    return getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.outputObject(renderKey),
        ResponseContentType: 'video/mp4',
        ...(disposition ? { ResponseContentDisposition: disposition } : {}),
      }),
      // SigV4 allows at most 7 days.
      { expiresIn: Math.max(1, Math.min(Math.floor(expiresSeconds), 7 * 86_400)) },
    );
  }

  async ping(): Promise<void> {
    await this.run('ping', () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.base('outputs'), MaxKeys: 1 })));
  }

  close(): void {
    this.client.destroy();
  }
}

/** sha256 and length of a local file, streamed. */
export async function hashFile(file: string): Promise<{ hash: string; bytes: number }> {
  const hasher = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    bytes += chunk.length;
  }
  return { hash: hasher.digest('hex'), bytes };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
