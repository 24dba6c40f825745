import { mkdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Upload } from '@tus/server';
import type { Redis } from 'ioredis';
import type { MediaLimits } from '../../config/index.js';
import { en, wordsFor } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import { resolveMediaBinaries } from '../../pipeline/media/binaries.js';
import type { StudioAuth } from './auth.js';
import { checkUpload, makeThumbnail, type CheckResult, type UploadCheckOptions } from './uploadCheck.js';
import { idBelongsTo, isUploadId, uploadLabel, UploadFiles, type StudioUpload } from './uploadRecords.js';
import { registerUploadApi, sendJsonError } from './uploadRoutes.js';
import { createTusServer, tusRefusal, uploadingRecord, type UploadUser } from './uploadTus.js';

export type { StudioUpload } from './uploadRecords.js';
export type { StudioUploadView } from './uploadRoutes.js';

/** What uploads need of auth.ts's StudioAuth: its two preHandlers, which set `request.studio`. */
export type UploadAuth = Pick<StudioAuth, 'requireSession' | 'requireCsrf'>;

export interface StudioUploads {
  /** tus at /studio/uploads (POST, HEAD, PATCH, DELETE) and GET /studio/api/uploads/:id[/thumb|/media], DELETE /studio/api/uploads/:id, GET /studio/api/audios. */
  register(app: FastifyInstance, auth: UploadAuth): Promise<void>;
  /** null when missing or not this user's. */
  get(id: string, ownerRef: string): Promise<StudioUpload | null>;
  /** The file of a ready upload of this user, else null. */
  localPath(id: string, ownerRef: string): Promise<string | null>;
  /** Deletes the file and its record (templates once their batch has started: the queue copied them). */
  release(id: string): Promise<void>;
  /**
   * Removes unfinished uploads and templates older than `olderThanMs`, every audio but each user's newest
   * KEPT_AUDIOS, and files of no upload (older than `olderThanMs`); returns how many uploads went.
   */
  sweep(olderThanMs: number): Promise<number>;
  /** Waits for checks in progress. */
  close(): Promise<void>;
}

export interface StudioUploadsDeps {
  dataDir: string;
  /** The chats' caps: maxFileBytes, maxTemplateSeconds, maxDimension, and maxAudioSeconds as the chats apply it (the smaller of the queue's and the pipeline's). */
  limits: MediaLimits;
  /** Not used: records are JSON files beside the uploads (accepted so callers can pass what they have). */
  redis?: Redis;
  log: Logger;
  now?: () => number;
  /** ffmpeg/ffprobe (default: resolveMediaBinaries()) and the time limit of one probe or thumbnail (default 30 s). */
  media?: { ffmpeg: string; ffprobe: string; timeoutMs?: number };
  /** Per user: unfinished uploads at once (default 30) and bytes kept in all their uploads (default 12 × maxFileBytes). */
  quota?: { maxUnfinished?: number; maxBytes?: number };
  /**
   * Free space the uploads' disk must keep once a new upload is complete (WEB_MIN_FREE_DISK_MB): every user within
   * their own budget can still fill the disk together, so an upload that would eat into this reserve is refused.
   */
  minFreeDiskBytes?: number;
  /** Free bytes on the uploads' disk (tests); default statfs of the uploads folder. */
  freeDiskBytes?: () => Promise<number>;
}

/** How many ready audios each user keeps to reuse (GET /studio/api/audios). */
export const KEPT_AUDIOS = 5;
export const UPLOADS_PATH = '/studio/uploads';
const DEFAULT_MAX_UNFINISHED = 30;

export function createStudioUploads(deps: StudioUploadsDeps): StudioUploads {
  const now = deps.now ?? Date.now;
  const files = new UploadFiles(path.join(deps.dataDir, 'studio', 'uploads'));
  const binaries = deps.media ?? resolveMediaBinaries();
  const check: UploadCheckOptions = { ffmpeg: binaries.ffmpeg, ffprobe: binaries.ffprobe, timeoutMs: deps.media?.timeoutMs ?? 30_000, limits: deps.limits };
  const maxUnfinished = deps.quota?.maxUnfinished ?? DEFAULT_MAX_UNFINISHED;
  const maxBytes = deps.quota?.maxBytes ?? 12 * deps.limits.maxFileBytes;
  const log = deps.log.child({ service: 'studio-uploads' });
  const minFreeDisk = deps.minFreeDiskBytes ?? 0;
  const freeDiskBytes =
    deps.freeDiskBytes ??
    (async () => {
      await mkdir(files.root, { recursive: true });
      const fs = await statfs(files.root);
      return fs.bavail * fs.bsize;
    });
  /** Checks in progress by upload id: one check per upload, however many requests ask for it. */
  const checking = new Map<string, Promise<void>>();

  async function onCreate(user: UploadUser, id: string, upload: Upload): Promise<void> {
    const kind = upload.metadata?.kind;
    if ((kind !== 'audio' && kind !== 'template') || upload.size === undefined) throw tusRefusal(400, user.locale, 'bad-request');
    const words = wordsFor(user.locale);
    const label = uploadLabel(upload.metadata?.filename, kind === 'audio' ? words.mediaNames.audio : words.mediaNames.video);
    if (upload.size > deps.limits.maxFileBytes) {
      throw tusRefusal(413, user.locale, 'file-too-large', { label, bytes: upload.size, maxBytes: deps.limits.maxFileBytes });
    }
    const mine = await files.listOwner(user.ownerRef);
    if (mine.filter((r) => r.status === 'uploading').length >= maxUnfinished) {
      throw tusRefusal(429, user.locale, 'upload-unfinished-limit', { max: maxUnfinished });
    }
    const used = mine.reduce((sum, r) => sum + r.bytes, 0);
    if (used + upload.size > maxBytes) throw tusRefusal(413, user.locale, 'upload-budget', { bytes: used + upload.size, maxBytes });
    if (minFreeDisk > 0 && (await freeDiskBytes()) - upload.size < minFreeDisk) {
      log.warn({ bytes: upload.size, minFreeDiskBytes: minFreeDisk }, 'studio upload refused: the disk is nearly full');
      throw tusRefusal(507, user.locale, 'upload-disk-full');
    }
    await files.write(uploadingRecord(id, user.ownerRef, kind, label, upload.size, now()));
  }

  /** Checks a fully received upload once (tus's finish, or a later look at one whose check was cut short by a restart). */
  function onFinish(id: string): Promise<void> {
    const running = checking.get(id);
    if (running) return running;
    const work = (async () => {
      const record = await files.read(id);
      if (record?.status === 'uploading') await checkFinished(record);
    })().finally(() => checking.delete(id));
    checking.set(id, work);
    return work;
  }

  /** An upload still 'uploading' whose bytes are all there was never checked (the server stopped in between): check it now. */
  async function settled(record: StudioUpload): Promise<StudioUpload> {
    if (record.status !== 'uploading' || checking.has(record.id)) return record;
    const size = await stat(files.dataPath(record.id)).then((st) => st.size, () => -1);
    if (size !== record.bytes) return record;
    await onFinish(record.id);
    return (await files.read(record.id)) ?? record;
  }

  async function checkFinished(record: StudioUpload): Promise<void> {
    const file = files.dataPath(record.id);
    let result: CheckResult;
    try {
      result = await checkUpload(check, file, record.kind, record.label);
    } catch (err) {
      log.error({ err, kind: record.kind }, 'checking a studio upload failed');
      result = { status: 'refused', refusal: { code: 'upload-check-failed', message: en.refusals['upload-check-failed']() } };
    }
    let hasThumb = false;
    if (result.status === 'ready' && record.kind === 'template') {
      hasThumb = await makeThumbnail(check, file, files.thumbPath(record.id)).then(
        () => true,
        (err: unknown) => {
          log.warn({ err }, 'no thumbnail for a studio upload');
          return false;
        },
      );
    }
    await files.write({ ...record, ...result, ...(hasThumb ? { hasThumb } : {}) });
  }

  const service: StudioUploads = {
    async register(app, auth) {
      const { server: tus, users } = createTusServer({
        files,
        path: UPLOADS_PATH,
        log,
        onCreate,
        onFinish,
        onTerminate: (id) => files.remove(id),
      });
      await app.register(async (scope) => {
        // tus reads PATCH bodies itself, straight to disk: fastify must leave the stream alone (and its bodyLimit
        // does not apply to a parser that does not read).
        scope.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
        const toTus = async (request: FastifyRequest, reply: FastifyReply, ownedId: string | null) => {
          const user = userOf(request);
          if (!user) return sendJsonError(reply, 401, 'en', 'no-session');
          if (ownedId !== null && !(await service.get(ownedId, user.ownerRef))) return sendJsonError(reply, 404, user.locale, 'upload-not-found');
          users.set(request.raw, user);
          // tus writes the response itself (the server's onSend hook does not run): the same guards here.
          reply.raw.setHeader('X-Content-Type-Options', 'nosniff');
          reply.raw.setHeader('Referrer-Policy', 'no-referrer');
          reply.raw.setHeader('Cache-Control', 'no-store');
          reply.hijack();
          await tus.handle(request.raw, reply.raw);
        };
        scope.post(UPLOADS_PATH, { preHandler: auth.requireCsrf }, (request, reply) => toTus(request, reply, null));
        const withId = { url: `${UPLOADS_PATH}/:id` };
        scope.route<{ Params: { id: string } }>({ ...withId, method: 'HEAD', preHandler: auth.requireSession, handler: (req, reply) => toTus(req, reply, req.params.id) });
        scope.route<{ Params: { id: string } }>({ ...withId, method: ['PATCH', 'DELETE'], preHandler: auth.requireCsrf, handler: (req, reply) => toTus(req, reply, req.params.id) });
        await registerUploadApi(scope, auth, { service, files, userOf, keptAudios: KEPT_AUDIOS });
      });
    },

    async get(id, ownerRef) {
      if (!idBelongsTo(id, ownerRef)) return null;
      const record = await files.read(id);
      return record && record.ownerRef === ownerRef ? settled(record) : null;
    },

    async localPath(id, ownerRef) {
      const record = await service.get(id, ownerRef);
      return record?.status === 'ready' ? files.dataPath(id) : null;
    },

    async release(id) {
      if (isUploadId(id)) await files.remove(id);
    },

    async sweep(olderThanMs) {
      const cutoff = now() - olderThanMs;
      const audiosSeen = new Map<string, number>();
      let removed = 0;
      // Newest first, so each user's first KEPT_AUDIOS ready audios are the ones kept.
      for (const record of await files.listAll()) {
        let drop: boolean;
        if (record.kind === 'audio' && record.status === 'ready') {
          const seen = (audiosSeen.get(record.ownerRef) ?? 0) + 1;
          audiosSeen.set(record.ownerRef, seen);
          drop = seen > KEPT_AUDIOS;
        } else {
          drop = record.createdAt < cutoff;
        }
        if (!drop) continue;
        await files.remove(record.id);
        removed++;
      }
      const orphans = await files.removeOrphans(cutoff);
      if (removed + orphans > 0) log.info({ removed, orphans }, 'swept studio uploads');
      return removed;
    },

    async close() {
      await Promise.allSettled([...checking.values()]);
    },
  };
  return service;
}

/** The signed-in user auth.ts put on the request (`request.studio`), or undefined. */
function userOf(request: FastifyRequest): UploadUser | undefined {
  const session = request.studio;
  return session ? { ownerRef: session.ownerRef, locale: session.locale } : undefined;
}
