import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Locale } from '../../i18n/index.js';
import { refusalText } from '../../i18n/index.js';
import { isNotModified, validatorsFor } from '../http/conditional.js';
import { contentDisposition } from '../http/fileNames.js';
import { rangeNotSatisfiable, requestedBytes, spanHeaders } from '../http/range.js';
import type { StudioUpload, UploadFiles } from './uploadRecords.js';
import { uploadErrorText, type UploadUser } from './uploadTus.js';
import type { StudioUploads, UploadAuth } from './uploads.js';

/** An upload as the page gets it: the record without server-side fields, its refusal worded, its URLs. */
export type StudioUploadView = Omit<StudioUpload, 'ownerRef' | 'format' | 'hasThumb'> & {
  refusalText: string | null;
  thumbUrl: string | null;
  mediaUrl: string | null;
};

export function uploadView(u: StudioUpload, locale: Locale): StudioUploadView {
  const { ownerRef: _o, format: _f, hasThumb, ...rest } = u;
  const base = `/studio/api/uploads/${u.id}`;
  return {
    ...rest,
    refusalText: u.refusal ? refusalText(locale, u.refusal) : null,
    thumbUrl: hasThumb ? `${base}/thumb` : null,
    mediaUrl: u.status === 'ready' ? `${base}/media` : null,
  };
}

/** The studio's JSON error: `{ error, code }`, error in the user's language. */
export function sendJsonError(reply: FastifyReply, status: number, locale: Locale, code: string, params?: Record<string, string | number | boolean>): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').send({ error: uploadErrorText(locale, code, params), code });
}

/** The Content-Type a ready upload is served with, from ffprobe's container name (never from the client's claim). */
export function mediaType(u: Pick<StudioUpload, 'kind' | 'format'>): string {
  const format = u.format ?? '';
  const names = format.split(',');
  const audio = u.kind === 'audio';
  if (names.includes('mp3')) return 'audio/mpeg';
  if (names.includes('wav')) return 'audio/wav';
  if (names.includes('ogg')) return 'audio/ogg';
  if (names.includes('flac')) return 'audio/flac';
  if (names.includes('aac')) return 'audio/aac';
  if (names.includes('mp4') || names.includes('mov')) return audio ? 'audio/mp4' : 'video/mp4';
  if (names.includes('webm') || names.includes('matroska')) return audio ? 'audio/webm' : 'video/webm';
  if (names.includes('avi')) return 'video/x-msvideo';
  if (format === 'png_pipe') return 'image/png';
  if (format === 'jpeg_pipe') return 'image/jpeg';
  if (format === 'webp_pipe') return 'image/webp';
  return 'application/octet-stream';
}

interface UploadApiDeps {
  service: StudioUploads;
  files: UploadFiles;
  userOf(request: FastifyRequest): UploadUser | undefined;
  keptAudios: number;
}

type WithId = { Params: { id: string } };

/** GET /studio/api/uploads/:id, …/thumb, …/media (Range), DELETE /studio/api/uploads/:id, GET /studio/api/audios. */
export async function registerUploadApi(app: FastifyInstance, auth: UploadAuth, d: UploadApiDeps): Promise<void> {
  /** The caller's own upload, or a 404 already sent. */
  const own = async (request: FastifyRequest<WithId>, reply: FastifyReply): Promise<{ user: UploadUser; upload: StudioUpload } | null> => {
    const user = d.userOf(request);
    if (!user) {
      await sendJsonError(reply, 401, 'en', 'internal');
      return null;
    }
    const upload = await d.service.get(request.params.id, user.ownerRef);
    if (!upload) {
      await sendJsonError(reply, 404, user.locale, 'upload-not-found');
      return null;
    }
    return { user, upload };
  };

  app.get<WithId>('/studio/api/uploads/:id', { preHandler: auth.requireSession }, async (request, reply) => {
    const found = await own(request, reply);
    if (!found) return reply;
    return reply.header('Cache-Control', 'no-store').send(uploadView(found.upload, found.user.locale));
  });

  app.delete<WithId>('/studio/api/uploads/:id', { preHandler: auth.requireCsrf }, async (request, reply) => {
    const found = await own(request, reply);
    if (!found) return reply;
    await d.service.release(found.upload.id);
    return reply.code(204).send();
  });

  app.get<WithId>('/studio/api/uploads/:id/thumb', { preHandler: auth.requireSession }, async (request, reply) => {
    const found = await own(request, reply);
    if (!found) return reply;
    const file = d.files.thumbPath(found.upload.id);
    const size = found.upload.hasThumb ? await stat(file).then((s) => s.size, () => null) : null;
    if (size === null) return sendJsonError(reply, 404, found.user.locale, 'upload-not-found');
    // An id's thumbnail never changes.
    reply.type('image/jpeg').header('Cache-Control', 'private, max-age=86400, immutable').header('Content-Length', String(size));
    return reply.send(createReadStream(file));
  });

  app.get<WithId>('/studio/api/uploads/:id/media', { preHandler: auth.requireSession }, async (request, reply) => {
    const found = await own(request, reply);
    if (!found) return reply;
    const { upload, user } = found;
    const file = d.files.dataPath(upload.id);
    const st = upload.status === 'ready' ? await stat(file).catch(() => null) : null;
    if (!st) return sendJsonError(reply, 404, user.locale, 'upload-not-found');
    const v = validatorsFor(upload.id, st.size, st.mtimeMs);
    reply
      .header('Accept-Ranges', 'bytes')
      .header('ETag', v.etag)
      .header('Last-Modified', v.lastModified)
      .header('Cache-Control', 'private, max-age=3600')
      .header('Content-Disposition', contentDisposition('inline', upload.label));
    if (isNotModified(request.headers, v)) return reply.code(304).send();
    reply.type(mediaType(upload));
    const span = requestedBytes(request.headers, v, st.size);
    if (span.kind === 'unsatisfiable') return rangeNotSatisfiable(reply, st.size);
    spanHeaders(reply, span, st.size);
    if (request.method === 'HEAD' || span.length === 0) return reply.send();
    return reply.send(createReadStream(file, { start: span.start, end: span.end }));
  });

  app.get('/studio/api/audios', { preHandler: auth.requireSession }, async (request, reply) => {
    const user = d.userOf(request);
    if (!user) return sendJsonError(reply, 401, 'en', 'internal');
    const audios = (await d.files.listOwner(user.ownerRef)).filter((u) => u.kind === 'audio' && u.status === 'ready').slice(0, d.keptAudios);
    return reply.header('Cache-Control', 'no-store').send({ audios: audios.map((u) => uploadView(u, user.locale)) });
  });
}

