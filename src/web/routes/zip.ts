import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { BatchState, Storage } from '../../queue/index.js';
import type { WebContext } from '../context.js';
import type { WebMetrics } from '../metrics.js';
import { HttpError, notFound } from '../errors.js';
import { contentDisposition, uniqueMp4Names } from '../http/fileNames.js';
import { registerSignedRoute } from '../signedRoute.js';
import { streamZip, type ZipEntrySource } from '../zipStream.js';

export interface BatchZipDeps {
  storage: Storage;
  metrics: WebMetrics;
}

/**
 * Answers GET/HEAD with every finished clip of a batch, zipped on the fly while the client reads (409 when none is
 * finished). Shared by the signed link (/b/:id/zip) and the studio, which check access before calling it.
 */
export async function sendBatchZip(request: FastifyRequest, reply: FastifyReply, deps: BatchZipDeps, batch: BatchState): Promise<FastifyReply> {
  // Names are given to every clip (in order), so a clip keeps its name whichever others are finished.
  const names = uniqueMp4Names(batch.clips.map((c) => ({ label: c.template, fallback: `clip-${c.index + 1}` })));
  const entries: ZipEntrySource[] = [];
  batch.clips.forEach((clip, i) => {
    if (clip.status !== 'done' || !clip.output) return;
    const key = clip.output.key;
    entries.push({
      name: names[i] ?? `clip-${clip.index + 1}.mp4`,
      date: new Date(clip.finishedAt ?? batch.createdAt),
      open: async () => {
        const file = await deps.storage.openOutput(key).catch((err: unknown) => {
          request.log.warn({ clipId: clip.clipId, err }, 'clip unreadable while zipping; skipped');
          return null;
        });
        if (!file) request.log.warn({ clipId: clip.clipId }, 'clip file missing while zipping; skipped');
        return file ? file.stream : null;
      },
    });
  });
  if (entries.length === 0) {
    throw HttpError.of(409, (w) => w.errors.nothingToZip);
  }

  reply
    .header('Content-Type', 'application/zip')
    .header('Content-Disposition', contentDisposition('attachment', `lipsync-${batch.batchId}.zip`))
    .header('Cache-Control', 'private, no-store');
  if (request.method === 'HEAD') return reply.send();

  const ac = new AbortController();
  // 'close' on the response before it finished = the client went away (or the socket broke).
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  deps.metrics.zipStarted();
  const archive = streamZip(entries, ac.signal, {
    onEnd: (outcome) => {
      deps.metrics.zipEnded(outcome);
      if (outcome !== 'finished') request.log.info({ batchId: batch.batchId, outcome }, 'zip stream stopped');
    },
  });
  return reply.send(archive);
}

/** GET/HEAD /b/:id/zip — every finished clip of a batch, zipped on the fly while the client reads. */
export const zipRoutes: FastifyPluginAsync<WebContext> = async (app, ctx) => {
  // HEAD is the route's own (see registerSignedRoute): fastify's would build, and throw away, the whole archive.
  registerSignedRoute(app, ctx, {
    url: '/b/:id/zip',
    kind: 'zip',
    perMinute: ctx.config.rateLimit.zipsPerMinute,
    handler: async (request, reply) => {
      const batch = await ctx.source.getBatch(request.params.id);
      if (!batch) throw notFound();
      return sendBatchZip(request, reply, ctx, batch);
    },
  });
};
