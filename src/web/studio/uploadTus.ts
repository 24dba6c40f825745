import type { IncomingMessage } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server, type Upload } from '@tus/server';
import { refusalText, webWordsFor, type Locale } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import { idBelongsTo, newUploadId, type StudioUpload, type UploadFiles } from './uploadRecords.js';

/** The request type tus hands its hooks (srvx's, not a dependency of ours). */
type ServerRequest = Parameters<NonNullable<ConstructorParameters<typeof Server>[0]['namingFunction']>>[0];

/** The signed-in user of a request, as far as uploads care (StudioSession from auth.ts has these and more). */
export interface UploadUser {
  ownerRef: string;
  locale: Locale;
}

/** A refusal tus sends back as the response: JSON `{ error, code }` like every studio API error. */
export interface TusRefusal {
  status_code: number;
  body: string;
}

/** The words of an upload error code in the user's language ('bad-request' and 'internal' are the web pages'; others refusals). */
export function uploadErrorText(locale: Locale, code: string, params?: Record<string, string | number | boolean>): string {
  const web = webWordsFor(locale).errors;
  if (code === 'bad-request') return web.badRequest.detail;
  if (code === 'internal') return web.internal.detail;
  return refusalText(locale, { code, message: web.internal.detail, ...(params ? { params } : {}) });
}

export function tusRefusal(status: number, locale: Locale, code: string, params?: Record<string, string | number | boolean>): TusRefusal {
  return { status_code: status, body: JSON.stringify({ error: uploadErrorText(locale, code, params), code }) };
}

export interface TusMountOptions {
  files: UploadFiles;
  /** The URL path tus answers under (no trailing slash). */
  path: string;
  log: Logger;
  /** Checks a new upload and writes its record; throws a TusRefusal to refuse it. */
  onCreate(user: UploadUser, id: string, upload: Upload): Promise<void>;
  /** The last byte arrived: check the media and record the result (before tus answers the request). */
  onFinish(id: string): Promise<void>;
  /** tus deleted an upload (DELETE on its URL): drop what is ours beside it (before tus answers). */
  onTerminate(id: string): Promise<void>;
}

/**
 * The tus 1.0 server for studio uploads. Bytes stream from the request to `<root>/<ownerHash>/<id>` through
 * @tus/file-store (nothing is buffered). Who is asking comes from `users`, which the fastify route fills in
 * before it hands the raw request over: upload ids are made from and checked against the user's own hash, so
 * another user's id names a file that does not exist for them (404).
 */
export function createTusServer(o: TusMountOptions): { server: Server; users: WeakMap<IncomingMessage, UploadUser> } {
  // Keyed by the raw request (srvx's NodeRequest keeps it as runtime.node.req).
  const users = new WeakMap<object, UploadUser>();
  const userOf = (req: ServerRequest): UploadUser => {
    const raw = req.runtime?.node?.req;
    const user = raw ? users.get(raw) : undefined;
    // The fastify route always sets it; a request that reached tus otherwise is a wiring bug.
    if (!user) throw tusRefusal(500, 'en', 'internal');
    return user;
  };
  const server = new Server({
    path: o.path,
    datastore: new StudioFileStore(o.files.root, o.onTerminate, o.files),
    // Same-origin only: the page is ours, so no CORS headers for anyone else.
    allowedOrigins: () => false,
    namingFunction: (req) => o.files.tusId(newUploadId(userOf(req).ownerRef)),
    // Relative to the endpoint ("uploads/<id>"), so neither a proxy's host name nor a path prefix in front of us
    // (PUBLIC_URL below a folder) matters: tus-js-client resolves it against the URL it posted to.
    generateUrl: (_req, { path, id }) => `${path.split('/').pop() ?? ''}/${o.files.idOfTusId(id) ?? ''}`,
    getFileIdFromRequest: (req, lastPath) => {
      if (lastPath === undefined) return undefined;
      // Only ids made for this user resolve; anything else is a file that is not there.
      return idBelongsTo(lastPath, userOf(req).ownerRef) ? o.files.tusId(lastPath) : undefined;
    },
    onUploadCreate: async (req, upload) => {
      const id = o.files.idOfTusId(upload.id);
      if (!id) throw tusRefusal(500, 'en', 'internal');
      await o.onCreate(userOf(req), id, upload);
      return {};
    },
    onUploadFinish: async (_req, upload) => {
      const id = o.files.idOfTusId(upload.id);
      if (id) await o.onFinish(id);
      return {};
    },
    onResponseError: (req, err) => {
      if (err instanceof Error) o.log.error({ err }, 'studio upload failed');
      // tus's own plain-text refusals (wrong offset, missing headers) stay as they are; ours are JSON already.
      if ('status_code' in err && err.status_code === 404) {
        const raw = req.runtime?.node?.req;
        const user = raw ? users.get(raw) : undefined;
        return tusRefusal(404, user?.locale ?? 'en', 'upload-not-found');
      }
      return undefined;
    },
  });
  return { server, users };
}

/** The record a new upload starts with. */
export function uploadingRecord(id: string, ownerRef: string, kind: StudioUpload['kind'], label: string, bytes: number, createdAt: number): StudioUpload {
  return { id, ownerRef, kind, label, bytes, status: 'uploading', createdAt };
}

/** @tus/file-store, plus our record and thumbnail removed with the upload, before the DELETE is answered. */
class StudioFileStore extends FileStore {
  constructor(
    root: string,
    private readonly onRemoved: (id: string) => Promise<void>,
    private readonly files: UploadFiles,
  ) {
    super({ directory: root });
  }

  override async remove(tusId: string): Promise<void> {
    await super.remove(tusId);
    const id = this.files.idOfTusId(tusId);
    if (id) await this.onRemoved(id);
  }
}
