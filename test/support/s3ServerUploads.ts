/**
 * Unfinished multipart uploads for the offline S3 server (loaded by s3ServerProcess.ts, so only that child process
 * sees these routes). @20minutes/s3rver keeps an upload in `<bucket>/._S3rver_uploads/<uploadId>/` (files `key`,
 * `metadata`, one per part) but answers ListMultipartUploads with 501 and AbortMultipartUpload with 405, and lets parts
 * land on an upload id it never issued. The storage backend sweeps stale uploads, so these three behave as S3's here:
 * - GET /bucket/?uploads[&prefix=]: every unfinished upload under the prefix, sorted by key, Initiated = when it was
 *   created (the mtime of its `key` file; a test may back-date it with utimes). No pagination: all in one page.
 * - DELETE /bucket/key?uploadId=: removes the upload and its parts (204).
 * - any other call naming an uploadId that does not exist for that key: 404 NoSuchUpload.
 * Each route is placed after s3rver's authentication, so every call is signature-checked like the rest.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface RouterContext {
  method: string;
  query: Record<string, string | string[] | undefined>;
  params: { bucket?: string; key?: string };
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
  body: unknown;
  status: number;
}
type Handler = (ctx: RouterContext, next: () => Promise<void>) => unknown;
interface Layer {
  path: string;
  methods: string[];
}
export interface KoaRouter {
  stack: Layer[];
  get(path: string, handler: Handler): unknown;
  all(path: string, handler: Handler): unknown;
}
type S3ErrorClass = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const OWNER = { ID: '123456789000', DisplayName: 'S3rver' };

export function addMultipartUploadRoutes(router: KoaRouter, S3Error: S3ErrorClass): void {
  const uploadsDir = (ctx: RouterContext): string => ctx.store.getResourcePath(ctx.params.bucket!, undefined, 'uploads');

  const listUploads: Handler = async (ctx, next) => {
    if (!('uploads' in ctx.query)) return next();
    const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
    const dir = uploadsDir(ctx);
    const ids = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    const uploads: { key: string; id: string; initiated: Date }[] = [];
    for (const id of ids) {
      const keyFile = path.join(dir, id, 'key');
      const [key, info] = await Promise.all([readFile(keyFile, 'utf8'), stat(keyFile)]);
      if (key.startsWith(prefix)) uploads.push({ key, id, initiated: info.mtime });
    }
    uploads.sort((a, b) => (a.key === b.key ? a.initiated.getTime() - b.initiated.getTime() : a.key < b.key ? -1 : 1));
    ctx.body = {
      ListMultipartUploadsResult: {
        '@': { xmlns: XMLNS },
        Bucket: ctx.params.bucket,
        KeyMarker: '',
        UploadIdMarker: '',
        Prefix: prefix,
        MaxUploads: 1000,
        IsTruncated: false,
        Upload: uploads.map((u) => ({
          Key: u.key,
          UploadId: u.id,
          Initiator: OWNER,
          Owner: OWNER,
          StorageClass: 'STANDARD',
          Initiated: u.initiated.toISOString(),
        })),
      },
    };
  };

  const checkUpload: Handler = async (ctx, next) => {
    const id = ctx.query.uploadId;
    if (id === undefined) return next();
    const dir = typeof id === 'string' && /^[0-9a-f]+$/.test(id) ? path.join(uploadsDir(ctx), id) : undefined;
    const key = dir ? await readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined) : undefined;
    if (!dir || key !== ctx.params.key) {
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: String(id) });
    }
    if (ctx.method !== 'DELETE') return next();
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
  };

  router.get('/:bucket', listUploads);
  router.all('/:bucket/:key+', checkUpload);
  // Koa-router runs matching layers in stack order: move both in front of s3rver's own handlers for those paths
  // (after its authentication and bucket checks, which are path-only `use` layers without methods).
  const added = router.stack.splice(-2, 2);
  for (const layer of added) {
    const at = router.stack.findIndex((l) => l.path === layer.path && l.methods.length > 0);
    if (at < 0) throw new Error(`@20minutes/s3rver changed: no route for ${layer.path} to put the multipart upload handler before`);
    router.stack.splice(at, 0, layer);
  }
}
