import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loopModes, type LoopMode } from '../../config/index.js';
import { isLocale, locales, type Locale } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import { userRef } from '../../queue/keys.js';
import type { Storage } from '../../queue/storage.js';
import type { BatchState, ClipState } from '../../queue/types.js';
import { ID_PATTERN } from '../links.js';
import type { WebMetrics } from '../metrics.js';
import { sendClipFile } from '../routes/clip.js';
import { sendBatchZip } from '../routes/zip.js';
import { registerStudioApiErrors, studioNotFound, uploadProblem } from './apiErrors.js';
import type { StudioAuthService } from './auth.js';
import type { StudioEvents } from './events.js';
import type { StudioQueue } from './queuePort.js';
import type { StudioSession, StudioSessions } from './sessions.js';
import type { StudioUploads } from './uploads.js';
import { batchDetails, batchView, type BatchView } from './views.js';

export const PER_PAGE = 20;
/** JSON bodies of the studio API (a batch start lists upload ids): far above what they need, far below a DoS. */
export const STUDIO_JSON_BODY_LIMIT = 16 * 1024;

export interface StudioLimits {
  maxClips: number;
  maxAudioSeconds: number;
  maxVideoSeconds: number;
  maxFileBytes: number;
}

export interface StudioApiDeps {
  queue: StudioQueue;
  uploads: Pick<StudioUploads, 'get' | 'localPath' | 'release'>;
  events: StudioEvents;
  auth: StudioAuthService;
  sessions: StudioSessions;
  storage: Storage;
  presign?: boolean;
  metrics: WebMetrics;
  limits: StudioLimits;
  /** Requests per user and minute: the whole API, and batch starts. */
  rateLimit: { apiPerMinute: number; startsPerMinute: number };
  defaultLocale: Locale;
  log: Logger;
}

interface IdParams {
  Params: { id: string };
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
  required: ['id'],
  additionalProperties: false,
} as const;

const UPLOAD_ID = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' } as const;

function session(request: FastifyRequest): StudioSession {
  // Every route below runs requireSession/requireCsrf first; a missing session here is a wiring mistake.
  if (!request.studio) throw new Error('studio route without a session preHandler');
  return request.studio;
}

/** The studio's JSON API (api.md §4), on its own scope: JSON errors, per-user rate limits, 16 KB bodies. */
export async function registerStudioApi(app: FastifyInstance, d: StudioApiDeps): Promise<void> {
  registerStudioApiErrors(app, d.defaultLocale);
  const { queue, auth } = d;
  // Per user (the session's userRef), counted after the session is known: one person's tabs share a budget.
  const perUser = (max: number, groupId: string) => ({
    rateLimit: { max, timeWindow: 60_000, hook: 'preHandler' as const, groupId, keyGenerator: (r: FastifyRequest) => r.studio?.ownerRef ?? r.ip },
  });
  const api = perUser(d.rateLimit.apiPerMinute, 'studio-api');
  const read = { preHandler: auth.requireSession, config: api };
  const change = { preHandler: auth.requireCsrf, config: api };

  async function view(batch: BatchState, locale: string): Promise<BatchView> {
    return batchView({ batch, ...(await batchDetails(queue, batch)), locale });
  }

  async function ownBatch(s: StudioSession, batchId: string): Promise<BatchState> {
    const batch = await queue.getBatch(batchId);
    if (!batch || userRef(batch.owner) !== s.ownerRef) throw studioNotFound();
    return batch;
  }

  async function ownClip(s: StudioSession, clipId: string): Promise<{ clip: ClipState; batch: BatchState }> {
    const clip = await queue.getClip(clipId);
    if (!clip) throw studioNotFound();
    return { clip, batch: await ownBatch(s, clip.batchId) };
  }

  async function freshView(s: StudioSession, batchId: string): Promise<BatchView> {
    const batch = await queue.getBatch(batchId);
    if (!batch) throw studioNotFound();
    return view(batch, s.locale);
  }

  /** After a cancel or retry: the user's live streams hear of it at once, and the answer is the batch as it is now. */
  function changed(s: StudioSession, batchId: string): Promise<BatchView> {
    d.events.batchChanged(batchId);
    return freshView(s, batchId);
  }

  app.get('/studio/api/me', read, async (request, reply) => {
    const s = session(request);
    reply.header('Cache-Control', 'no-store');
    return { owner: { platform: s.owner.platform, userId: s.owner.userId }, locale: s.locale, csrf: s.csrf, limits: d.limits, loopModes: [...loopModes] };
  });

  app.put<{ Body: { locale: Locale } }>(
    '/studio/api/locale',
    {
      ...change,
      bodyLimit: STUDIO_JSON_BODY_LIMIT,
      schema: { body: { type: 'object', properties: { locale: { type: 'string', enum: [...locales] } }, required: ['locale'] } },
    },
    async (request, reply) => {
      const s = session(request);
      if (isLocale(request.body.locale)) await d.sessions.setLocale(s.id, request.body.locale);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: { audio: string; templates: string[]; loop?: LoopMode } }>(
    '/studio/api/batches',
    {
      preHandler: auth.requireCsrf,
      config: perUser(d.rateLimit.startsPerMinute, 'studio-start'),
      bodyLimit: STUDIO_JSON_BODY_LIMIT,
      schema: {
        body: {
          type: 'object',
          properties: {
            audio: UPLOAD_ID,
            // The queue words the real cap (too-many-clips); this only bounds the work one request can ask for.
            templates: { type: 'array', items: UPLOAD_ID, minItems: 1, maxItems: 100 },
            loop: { type: 'string', enum: [...loopModes] },
          },
          required: ['audio', 'templates'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const s = session(request);
      const take = async (id: string, kind: 'audio' | 'template') => {
        const upload = await d.uploads.get(id, s.ownerRef);
        if (!upload) throw uploadProblem('upload-missing', id);
        if (upload.kind !== kind) throw uploadProblem('upload-wrong-kind', upload.label);
        if (upload.status === 'refused') throw uploadProblem('upload-refused', upload.label, upload.refusal);
        if (upload.status !== 'ready') throw uploadProblem('upload-not-ready', upload.label);
        const file = await d.uploads.localPath(id, s.ownerRef);
        if (!file) throw uploadProblem('upload-missing', upload.label);
        return { upload, file };
      };
      const audio = await take(request.body.audio, 'audio');
      const templateIds = [...new Set(request.body.templates)];
      const templates = [];
      for (const id of templateIds) templates.push(await take(id, 'template'));
      const loop = request.body.loop;
      const submitted = await queue.submitBatch({
        owner: s.owner,
        audio: { path: audio.file, label: audio.upload.label },
        videos: templates.map((t) => ({ path: t.file, label: t.upload.label })),
        options: loop ? { loopMode: loop } : {},
        locale: s.locale,
        replyTo: { platform: 'studio' },
        ...(audio.upload.seconds !== undefined ? { audioSeconds: audio.upload.seconds } : {}),
      });
      // The queue has its own copies now; the audio stays for reuse (GET /studio/api/audios).
      for (const t of templates) {
        await d.uploads.release(t.upload.id).catch((err: unknown) => d.log.warn({ err }, 'studio: could not release a template upload'));
      }
      return reply.code(201).header('Cache-Control', 'no-store').send(await freshView(s, submitted.batchId));
    },
  );

  app.get<{ Querystring: { page: number } }>(
    '/studio/api/batches',
    {
      ...read,
      schema: {
        querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 } } },
      },
    },
    async (request, reply) => {
      const s = session(request);
      const page = request.query.page;
      const listed = await queue.listBatches(s.owner, page, PER_PAGE);
      const batches = await Promise.all(listed.batches.map((b) => view(b, s.locale)));
      reply.header('Cache-Control', 'no-store');
      return { page, pages: Math.max(1, Math.ceil(listed.total / PER_PAGE)), total: listed.total, perPage: PER_PAGE, batches };
    },
  );

  app.get<IdParams>('/studio/api/batches/:id', { ...read, schema: { params: idParams } }, async (request, reply) => {
    const s = session(request);
    const batch = await ownBatch(s, request.params.id);
    reply.header('Cache-Control', 'no-store');
    return view(batch, s.locale);
  });

  app.delete<IdParams>('/studio/api/batches/:id', { ...change, schema: { params: idParams } }, async (request, reply) => {
    const s = session(request);
    const batch = await ownBatch(s, request.params.id);
    await queue.deleteBatch(batch.batchId, s.owner);
    return reply.code(204).send();
  });

  app.post<IdParams>('/studio/api/batches/:id/cancel', { ...change, schema: { params: idParams } }, async (request) => {
    const s = session(request);
    const batch = await ownBatch(s, request.params.id);
    await queue.cancel(batch.batchId, s.owner);
    return changed(s, batch.batchId);
  });

  app.post<IdParams>('/studio/api/clips/:id/cancel', { ...change, schema: { params: idParams } }, async (request) => {
    const s = session(request);
    const { clip } = await ownClip(s, request.params.id);
    await queue.cancel(clip.clipId, s.owner);
    return changed(s, clip.batchId);
  });

  app.post<IdParams>('/studio/api/clips/:id/retry', { ...change, schema: { params: idParams } }, async (request) => {
    const s = session(request);
    const { clip } = await ownClip(s, request.params.id);
    await queue.retryClip(clip.clipId, s.owner);
    return changed(s, clip.batchId);
  });

  app.route<IdParams>({
    method: ['GET', 'HEAD'],
    url: '/studio/api/batches/:id/zip',
    ...read,
    schema: { params: idParams },
    handler: async (request, reply) => sendBatchZip(request, reply, d, await ownBatch(session(request), request.params.id)),
  });

  app.route<IdParams & { Querystring: { dl?: '1' } }>({
    method: ['GET', 'HEAD'],
    url: '/studio/api/clips/:id/file',
    ...read,
    schema: { params: idParams, querystring: { type: 'object', properties: { dl: { type: 'string', enum: ['1'] } } } },
    handler: async (request, reply) => {
      const { clip } = await ownClip(session(request), request.params.id);
      // Private to the session: browsers may keep it briefly for seeking; presigned URLs live as long.
      return sendClipFile(request, reply, d, clip, { download: request.query.dl === '1', maxAgeSeconds: 300, presignSeconds: 300 });
    },
  });

  app.get('/studio/api/events', { preHandler: auth.requireSession }, async (request, reply) => {
    await d.events.attach(request, reply, session(request));
  });
}
