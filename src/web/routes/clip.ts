import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { ClipState, Storage } from '../../queue/index.js';
import type { WebContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { isNotModified, isPreconditionFailed, rangeStillValid, validatorsFor } from '../http/conditional.js';
import { contentDisposition, safeBaseName } from '../http/fileNames.js';
import { parseRange } from '../http/range.js';
import { registerSignedRoute } from '../signedRoute.js';

export const clipGone = () =>
  new HttpError(410, 'Clip no longer stored', 'This clip has been deleted to free space. Ask the bot for the batch again, or render it again.');

/** Opens a finished clip's MP4 by its storage key (never by anything from the URL). Null when it is gone. */
export async function openClipFile(storage: Storage, clip: ClipState): Promise<{ fh: FileHandle; size: number; mtimeMs: number; key: string } | null> {
  if (clip.status !== 'done' || !clip.output) return null;
  let file: string;
  try {
    file = storage.outputPath(clip.output.key);
  } catch {
    return null;
  }
  let fh: FileHandle | null = null;
  try {
    fh = await open(file, 'r');
    const st = await fh.stat();
    if (!st.isFile()) throw new Error('not a file');
    return { fh, size: st.size, mtimeMs: st.mtimeMs, key: clip.output.key };
  } catch {
    await fh?.close().catch(() => undefined);
    return null;
  }
}

function notReady(clip: ClipState): HttpError {
  if (clip.status === 'failed') return new HttpError(404, 'Clip failed', clip.error?.message ?? 'This clip could not be rendered.');
  if (clip.status === 'cancelled') return new HttpError(404, 'Clip cancelled', 'This clip was cancelled before it was rendered.');
  return new HttpError(409, 'Still rendering', 'This clip is not finished yet. Try again in a little while.');
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
      if (clip.status !== 'done') throw notReady(clip);
      const file = await openClipFile(ctx.storage, clip);
      if (!file) throw clipGone();

      let handedOver = false;
      try {
        const v = validatorsFor(file.key, file.size, file.mtimeMs);
        const name = `${safeBaseName(clip.template, `clip-${clip.index + 1}`)}.mp4`;
        const maxAge = Math.max(0, Math.min(86_400, expiresAt - Math.floor(ctx.now() / 1000)));
        reply
          .header('Accept-Ranges', 'bytes')
          .header('ETag', v.etag)
          .header('Last-Modified', v.lastModified)
          .header('Cache-Control', `private, max-age=${maxAge}`)
          .header('Content-Disposition', contentDisposition(request.query.dl === '1' ? 'attachment' : 'inline', name));

        if (isPreconditionFailed(request.headers, v)) {
          return reply.code(412).header('Content-Length', '0').send();
        }
        if (isNotModified(request.headers, v)) {
          return reply.code(304).send();
        }
        reply.type('video/mp4');
        const rangeHeader = firstHeader(request.headers.range);
        const range = rangeStillValid(firstHeader(request.headers['if-range']), v) ? parseRange(rangeHeader, file.size) : { kind: 'full' as const };
        if (range.kind === 'unsatisfiable') {
          reply.removeHeader('Content-Disposition');
          return reply.code(416).type('text/plain; charset=utf-8').header('Content-Range', `bytes */${file.size}`).send('Range not satisfiable\n');
        }
        const start = range.kind === 'partial' ? range.start : 0;
        const end = range.kind === 'partial' ? range.end : file.size - 1;
        const length = file.size === 0 ? 0 : end - start + 1;
        if (range.kind === 'partial') reply.code(206).header('Content-Range', `bytes ${start}-${end}/${file.size}`);
        reply.header('Content-Length', String(length));
        if (request.method === 'HEAD' || length === 0) return reply.send();
        ctx.metrics.downloadStarted('clip');
        // The stream owns the descriptor from here (autoClose), so a file removed meanwhile still reads whole.
        const stream = file.fh.createReadStream({ start, end });
        handedOver = true;
        return reply.send(stream);
      } finally {
        if (!handedOver) await file.fh.close().catch(() => undefined);
      }
    },
  });
};

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
