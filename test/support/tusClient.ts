import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import http from 'node:http';
import { Readable } from 'node:stream';

/** Where a test talks tus: the server's origin and the headers that sign the request in (cookie or test owner, CSRF). */
export interface TusTarget {
  origin: string;
  headers: Record<string, string>;
}

export interface TusAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function metadataHeader(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

function request(t: TusTarget, method: string, path: string, headers: Record<string, string>, body?: Readable | Buffer): Promise<TusAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, t.origin), { method, headers: { 'Tus-Resumable': '1.0.0', ...t.headers, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** POST: a new upload of `length` bytes; `location` is its URL path. */
export async function tusCreate(t: TusTarget, length: number, meta: Record<string, string>): Promise<TusAnswer & { location: string | null }> {
  const answer = await request(t, 'POST', '/studio/uploads', { 'Upload-Length': String(length), 'Upload-Metadata': metadataHeader(meta) });
  // Resolved against the endpoint, as tus-js-client does.
  const location = typeof answer.headers.location === 'string' ? new URL(answer.headers.location, new URL('/studio/uploads', t.origin)).pathname : null;
  return { ...answer, location };
}

/** HEAD: the server's offset (null when it answered otherwise). */
export async function tusHead(t: TusTarget, location: string): Promise<TusAnswer & { offset: number | null }> {
  const answer = await request(t, 'HEAD', location, {});
  const offset = answer.headers['upload-offset'];
  return { ...answer, offset: typeof offset === 'string' ? Number(offset) : null };
}

/** PATCH `body` at `offset` (the whole request body; Content-Length when the size is known). */
export async function tusPatch(t: TusTarget, location: string, offset: number, body: Readable | Buffer, length?: number): Promise<TusAnswer> {
  const size = Buffer.isBuffer(body) ? body.length : length;
  return request(t, 'PATCH', location, {
    'Content-Type': 'application/offset+octet-stream',
    'Upload-Offset': String(offset),
    ...(size !== undefined ? { 'Content-Length': String(size) } : {}),
  }, body);
}

export async function tusDelete(t: TusTarget, location: string): Promise<TusAnswer> {
  return request(t, 'DELETE', location, {});
}

/**
 * PATCH that claims `declaredLength` bytes but sends only what `body` yields, then drops the connection (the socket is
 * destroyed, as when a phone loses its network). Resolves once the connection is gone.
 */
export function tusPatchThenDrop(t: TusTarget, location: string, offset: number, body: Readable, declaredLength: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request(new URL(location, t.origin), {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        ...t.headers,
        'Content-Type': 'application/offset+octet-stream',
        'Upload-Offset': String(offset),
        'Content-Length': String(declaredLength),
      },
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    // The declared length is never reached: the connection drops right after the last byte we meant to send.
    body.on('end', () => req.destroy());
    body.pipe(req, { end: false });
  });
}

/** `total` bytes from a repeating pattern in 64 KiB chunks, starting with `head` (not held in memory at once). */
export function patternStream(total: number, head: Buffer = Buffer.alloc(0), skip = 0): Readable {
  const chunk = Buffer.alloc(1 << 16);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
  let position = skip;
  return new Readable({
    read() {
      if (position >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk.length, total - position);
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; ) {
        const at = position + i;
        if (at < head.length) {
          const take = Math.min(head.length - at, n - i);
          head.copy(out, i, at, at + take);
          i += take;
        } else {
          const from = at % chunk.length;
          const take = Math.min(chunk.length - from, n - i);
          chunk.copy(out, i, from, from + take);
          i += take;
        }
      }
      position += n;
      this.push(out);
    },
  });
}

/** Test stand-in for auth.ts: header `x-test-owner: platform:userId` signs in, `x-test-locale` picks the language, CSRF token is `csrf-<owner>`. */
export function fakeStudioAuth(): { requireSession: preHandlerAsyncHookHandler; requireCsrf: preHandlerAsyncHookHandler } {
  const requireSession: preHandlerAsyncHookHandler = async (request, reply) => {
    const owner = request.headers['x-test-owner'];
    if (typeof owner !== 'string') return reply.code(401).send({ error: 'not signed in', code: 'no-session' });
    const [platform = '', userId = ''] = owner.split(':');
    const locale = request.headers['x-test-locale'] === 'zh-CN' ? 'zh-CN' : 'en';
    (request as unknown as { studio: unknown }).studio = { id: 's', owner: { platform, userId }, ownerRef: owner, locale, csrf: `csrf-${owner}`, createdAt: 0 };
  };
  const requireCsrf: preHandlerAsyncHookHandler = async function (this: FastifyInstance, request, reply) {
    await requireSession.call(this, request, reply);
    if (reply.sent) return;
    if (request.headers['x-csrf-token'] !== `csrf-${String(request.headers['x-test-owner'])}`) return reply.code(403).send({ error: 'bad csrf', code: 'bad-csrf' });
  };
  return { requireSession, requireCsrf };
}

/** The headers of a signed-in test user (fakeStudioAuth). */
export function testUser(owner: string, locale: 'en' | 'zh-CN' = 'en'): Record<string, string> {
  return { 'x-test-owner': owner, 'x-csrf-token': `csrf-${owner}`, 'x-test-locale': locale };
}
