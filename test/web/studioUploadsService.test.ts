import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebService, type WebService } from '../../src/web/index.js';
import { studioSignInUrl } from '../../src/web/studio/signIn.js';
import type { StudioUploadView } from '../../src/web/studio/uploads.js';
import { QueueHarness, silentLog } from '../queue/harness.js';
import { pathOf, testWebConfig } from '../support/batchFixture.js';
import { PORTRAIT, SPEECH } from '../support/media.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { tusCreate, tusHead, tusPatch, type TusTarget } from '../support/tusClient.js';
import { cookieOf } from './studioSupport.js';

/** The real uploads inside the real web service: a session cookie and X-CSRF-Token from a sign-in link, the server's own body limit. */
describe('studio uploads in the web service', () => {
  let h: QueueHarness;
  let web: WebService;
  let alice: TusTarget;

  beforeAll(async () => {
    h = await QueueHarness.create('studio-uploads-service');
    web = createWebService({ config: testWebConfig(), queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    await web.start();
    const app = web.app!;
    const config = testWebConfig();
    const login = await app.inject({ method: 'GET', url: pathOf(studioSignInUrl({ secret: config.linkSecret, publicUrl: config.publicUrl }, { platform: 'telegram', userId: 'alice' })), headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } });
    expect(login.statusCode, login.body).toBe(303);
    const cookie = cookieOf(login);
    const me = await app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } });
    alice = { origin: web.address!, headers: { cookie, 'x-csrf-token': me.json<{ csrf: string }>().csrf } };
  });

  afterAll(async () => {
    await web?.stop();
    await h?.close();
  });

  const api = (t: TusTarget, path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(new URL(path, t.origin), {
      method: init.method ?? 'GET',
      headers: { ...t.headers, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });

  async function send(t: TusTarget, bytes: Buffer, meta: Record<string, string>): Promise<StudioUploadView> {
    const created = await tusCreate(t, bytes.length, meta);
    expect(created.status, created.body).toBe(201);
    const patched = await tusPatch(t, created.location!, 0, bytes);
    expect(patched.status, patched.body).toBe(204);
    const res = await api(t, `/studio/api/uploads/${created.location!.split('/').pop()}`);
    expect(res.status).toBe(200);
    return (await res.json()) as StudioUploadView;
  }

  it('takes uploads with the session cookie and CSRF token, and a batch started from them releases the template and keeps the audio', async () => {
    const audio = await send(alice, readFileSync(SPEECH), { filename: 'speech.wav', kind: 'audio' });
    const template = await send(alice, readFileSync(PORTRAIT), { filename: 'face.png', kind: 'template' });
    expect(audio.status).toBe('ready');
    expect(template.status).toBe('ready');

    const started = await api(alice, '/studio/api/batches', { method: 'POST', body: { audio: audio.id, templates: [template.id] } });
    expect(started.status, await started.clone().text()).toBe(201);
    expect((await api(alice, `/studio/api/uploads/${template.id}`)).status).toBe(404);
    const audios = (await (await api(alice, '/studio/api/audios')).json()) as { audios: StudioUploadView[] };
    expect(audios.audios.map((a) => a.id)).toEqual([audio.id]);
  });

  it('refuses tus requests without the cookie (401) or without the CSRF token (403)', async () => {
    const created = await tusCreate(alice, 100, { filename: 'x.wav', kind: 'audio' });
    expect(created.status).toBe(201);
    const cookieOnly: TusTarget = { origin: alice.origin, headers: { cookie: alice.headers.cookie! } };
    expect((await tusHead(cookieOnly, created.location!)).status).toBe(200);
    expect((await tusPatch(cookieOnly, created.location!, 0, Buffer.alloc(100))).status).toBe(403);
    expect((await tusCreate(cookieOnly, 100, { kind: 'audio' })).status).toBe(403);
    const nobody: TusTarget = { origin: alice.origin, headers: {} };
    expect((await tusHead(nobody, created.location!)).status).toBe(401);
    expect((await tusHead(alice, created.location!)).offset).toBe(0);
  });
});
