import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ClipState, Storage } from '../../queue/index.js';
import { isRenderKey, StorageUnavailableError } from '../../queue/storage.js';
import type { WebContext } from '../context.js';
import type { WebMetrics } from '../metrics.js';
import { refusalText } from '../../i18n/index.js';
import { HttpError, notFound } from '../errors.js';
import { isNotModified, isPreconditionFailed, validatorsFor } from '../http/conditional.js';
import { contentDisposition, safeBaseName } from '../http/fileNames.js';
import { rangeNotSatisfiable, requestedBytes, spanHeaders } from '../http/range.js';
import { registerSignedRoute } from '../signedRoute.js';

export const clipGone = () => HttpError.of(410, (w) => w.errors.clipGone);

/** A finished clip's stored MP4 (size and age, for validators), by its storage key: never by anything from the URL. */
export async function statClipFile(storage: Storage, clip: ClipState): Promise<{ size: number; mtimeMs: number; key: string } | null> {
  if (clip.status !== 'done' || !clip.output || !isRenderKey(clip.output.key)) return null;
  const st = await storage.statOutput(clip.output.key).catch(storeDown);
  return st ? { size: st.bytes, mtimeMs: st.mtimeMs, key: clip.output.key } : null;
}

/** The object store not answering is temporary: 503, so clients and proxies try again later. */
function storeDown(err: unknown): never {
  if (err instanceof StorageUnavailableError) throw HttpError.of(503, (w) => w.errors.storageDown);
  throw err;
}

function notReady(clip: ClipState): HttpError {
  const failure = clip.error;
  if (clip.status === 'failed') {
    return HttpError.of(404, (w) => ({ title: w.errors.clipFailedTitle, detail: failure ? refusalText(w.lang, failure) : w.errors.clipFailedDetail }));
  }
  if (clip.status === 'cancelled') return HttpError.of(404, (w) => w.errors.clipCancelled);
  return HttpError.of(409, (w) => w.errors.stillRendering);
}

export interface ClipFileDeps {
  storage: Storage;
  presign?: boolean;
  metrics: WebMetrics;
}

export interface ClipFileOptions {
  /** Content-Disposition attachment instead of inline. */
  download: boolean;
  /** Cache-Control max-age (private), seconds. */
  maxAgeSeconds: number;
  /** How long a presigned store URL may live (no longer than the permission to read it). */
  presignSeconds: number;
}

/**
 * Answers GET/HEAD for one clip's MP4: ranges (seeking), validators and conditional requests, or a redirect to the
 * store's presigned URL. Throws HttpError (404/409/410/503) for a clip that is not (or no longer) there. Shared by
 * the signed link (/c/:id) and the studio (/studio/api/clips/:id/file), which check access before calling it.
 */
export async function sendClipFile(request: FastifyRequest, reply: FastifyReply, deps: ClipFileDeps, clip: ClipState, o: ClipFileOptions): Promise<FastifyReply> {
  if (clip.status !== 'done') throw notReady(clip);
  const file = await statClipFile(deps.storage, clip);
  if (!file) throw clipGone();
  const v = validatorsFor(file.key, file.size, file.mtimeMs);
  const name = `${safeBaseName(clip.template, `clip-${clip.index + 1}`)}.mp4`;
  const disposition = o.download ? 'attachment' : 'inline';
  reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', v.etag)
    .header('Last-Modified', v.lastModified)
    .header('Cache-Control', `private, max-age=${Math.max(0, Math.floor(o.maxAgeSeconds))}`)
    .header('Content-Disposition', contentDisposition(disposition, name));

  if (isPreconditionFailed(request.headers, v)) {
    return reply.code(412).header('Content-Length', '0').send();
  }
  if (isNotModified(request.headers, v)) {
    return reply.code(304).send();
  }
  reply.type('video/mp4');
  const span = requestedBytes(request.headers, v, file.size);
  if (span.kind === 'unsatisfiable') return rangeNotSatisfiable(reply.removeHeader('Content-Disposition'), file.size);
  const { start, end } = span;
  spanHeaders(reply, span, file.size);
  if (request.method === 'HEAD' || span.length === 0) return reply.send();
  if (deps.presign && deps.storage.presignOutput) {
    // The store serves the bytes (Range included); its URL expires no later than the permission to read it.
    const url = await deps.storage.presignOutput(file.key, Math.max(1, Math.floor(o.presignSeconds)), { fileName: name, disposition });
    deps.metrics.downloadStarted('clip');
    return reply.code(302).removeHeader('Content-Length').removeHeader('Content-Range').header('Cache-Control', 'private, no-store').header('Location', url).send();
  }
  const opened = await deps.storage.openOutput(file.key, { start, end }).catch(storeDown);
  if (!opened) throw clipGone();
  if (opened.size !== file.size) {
    // Replaced between the two looks (a re-render): the headers sent would not match these bytes.
    opened.stream.destroy();
    throw HttpError.of(503, (w) => w.errors.clipChanging);
  }
  deps.metrics.downloadStarted('clip');
  return reply.send(opened.stream);
}

/** GET/HEAD /c/:id — one clip's MP4, with ranges (seeking), validators and conditional requests. */
export const clipRoutes: FastifyPluginAsync<WebContext> = async (app, ctx) => {
  registerSignedRoute(app, ctx, {
    url: '/c/:id',
    kind: 'clip',
    perMinute: ctx.config.rateLimit.downloadsPerMinute,
    handler: async (request, reply, expiresAt) => {
      const clip = await ctx.source.getClip(request.params.id);
      if (!clip) throw notFound();
      const remaining = expiresAt - Math.floor(ctx.now() / 1000);
      return sendClipFile(request, reply, ctx, clip, {
        download: request.query.dl === '1',
        maxAgeSeconds: Math.min(86_400, remaining),
        presignSeconds: remaining,
      });
    },
  });
};

