import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createWebService, type WebService } from '../../src/web/index.js';
import type { Owner } from '../../src/queue/types.js';
import { studioSignInUrl } from '../../src/web/studio/signIn.js';
import type { StudioUpload, StudioUploads } from '../../src/web/studio/uploads.js';
import { pathOf, testWebConfig } from '../support/batchFixture.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { QueueHarness, silentLog } from '../queue/harness.js';

/** Uploads held in memory (the real ones have their own tests): records the API reads, files the queue copies. */
/** Fetch Metadata of a browser opening a link as a page: what makes a GET of a sign-in link use it at once. */
export const BROWSER_NAVIGATION = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } as const;

export class FakeUploads implements StudioUploads {
  readonly records = new Map<string, { upload: StudioUpload; file: string }>();
  readonly released: string[] = [];

  add(ownerRef: string, kind: StudioUpload['kind'], label: string, file: string, extra: Partial<StudioUpload> = {}): string {
    const id = randomBytes(20).toString('hex');
    this.records.set(id, { upload: { id, ownerRef, kind, label, bytes: 10, status: 'ready', createdAt: Date.now(), ...(kind === 'audio' ? { seconds: 2 } : {}), ...extra }, file });
    return id;
  }
  async register(): Promise<void> {}
  async get(id: string, ownerRef: string): Promise<StudioUpload | null> {
    const r = this.records.get(id);
    return r && r.upload.ownerRef === ownerRef ? r.upload : null;
  }
  async localPath(id: string, ownerRef: string): Promise<string | null> {
    const r = this.records.get(id);
    return r && r.upload.ownerRef === ownerRef && r.upload.status === 'ready' ? r.file : null;
  }
  async release(id: string): Promise<void> {
    this.released.push(id);
    this.records.delete(id);
  }
  async sweep(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

export interface StudioUser {
  owner: Owner;
  ownerRef: string;
  /** "lipsync_studio=…", as a browser sends it back. */
  cookie: string;
  csrf: string;
}

/** The real web service (with the studio) on the real queue of a QueueHarness; uploads faked. */
export class StudioWorld {
  private constructor(
    readonly h: QueueHarness,
    readonly web: WebService,
    readonly uploads: FakeUploads,
    readonly webEnv: Record<string, string>,
  ) {}

  static async create(label: string, webEnv: Record<string, string> = {}): Promise<StudioWorld> {
    const h = await QueueHarness.create(label);
    const uploads = new FakeUploads();
    const web = createWebService({ config: testWebConfig(webEnv), queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog, studioUploads: uploads });
    try {
      await web.start();
    } catch (err) {
      await h.close();
      throw err;
    }
    return new StudioWorld(h, web, uploads, webEnv);
  }

  get app() {
    const app = this.web.app;
    if (!app) throw new Error('web service not started');
    return app;
  }

  /** PUBLIC_URL's origin: what a browser sends as Origin from the studio's own pages. */
  get origin(): string {
    return new URL(testWebConfig(this.webEnv).publicUrl).origin;
  }

  /** A sign-in link as the bots make it (path + query only, for inject). */
  loginPath(owner: Owner, o: { locale?: string; now?: () => number; ttlSeconds?: number } = {}): string {
    const config = testWebConfig(this.webEnv);
    return pathOf(studioSignInUrl({ secret: config.linkSecret, publicUrl: config.publicUrl, ...(o.now ? { now: o.now } : {}), ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}) }, owner, o.locale));
  }

  async signIn(owner: Owner, locale?: string): Promise<StudioUser> {
    const res = await this.app.inject({ method: 'GET', url: this.loginPath(owner, locale ? { locale } : {}), headers: BROWSER_NAVIGATION });
    expect(res.statusCode, res.body).toBe(303);
    const cookie = cookieOf(res);
    const me = await this.app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } });
    expect(me.statusCode, me.body).toBe(200);
    return { owner, ownerRef: `${owner.platform}:${owner.userId}`, cookie, csrf: me.json<{ csrf: string }>().csrf };
  }

  /** A request as the studio page makes it: the cookie, the CSRF header, JSON. */
  call(user: StudioUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method,
      url,
      headers: { cookie: user.cookie, 'x-csrf-token': user.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }

  async close(): Promise<void> {
    await this.web.stop();
    await this.h.close();
  }
}

/** "lipsync_studio=…" from a response's Set-Cookie. */
export function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const all = Array.isArray(header) ? header : header ? [header] : [];
  const found = all.find((c) => c.startsWith('lipsync_studio='));
  if (!found) throw new Error(`no studio cookie in ${JSON.stringify(header)}`);
  return found.split(';', 1)[0]!;
}
