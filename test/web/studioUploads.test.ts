import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaLimits } from '../../src/config/index.js';
import { UploadFiles } from '../../src/web/studio/uploadRecords.js';
import { createStudioUploads, type StudioUploads, type StudioUploadView } from '../../src/web/studio/uploads.js';
import { binaries, ffprobe, makeMovingTemplate, PORTRAIT, SPEECH, tempDir } from '../support/media.js';
import { fakeStudioAuth, patternStream, testUser, tusCreate, tusDelete, tusHead, tusPatch, tusPatchThenDrop, type TusTarget } from '../support/tusClient.js';

const MB = 1024 * 1024;
const limits: MediaLimits = { maxAudioSeconds: 60, maxTemplateSeconds: 30, maxDimension: 4096, maxFileBytes: 50 * MB };

describe('studio uploads (tus)', () => {
  const tmp = tempDir('lipsync-studio-uploads-');
  let clock = Date.now();
  /** What the uploads' disk has free, as the uploads see it. */
  let freeDisk = Number.MAX_SAFE_INTEGER;
  let app: FastifyInstance;
  let uploads: StudioUploads;
  let origin: string;

  beforeAll(async () => {
    // As src/web/server.ts builds it: a tiny body limit that must not apply to tus PATCH bodies.
    app = Fastify({ bodyLimit: 1024 });
    uploads = createStudioUploads({
      dataDir: tmp.dir,
      limits,
      log: pino({ level: 'silent' }),
      now: () => clock,
      media: { ...binaries(), timeoutMs: 30_000 },
      quota: { maxUnfinished: 3, maxBytes: 120 * MB },
      minFreeDiskBytes: 100 * MB,
      freeDiskBytes: async () => freeDisk,
    });
    await uploads.register(app, fakeStudioAuth());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    origin = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    await uploads.close();
    await app.close();
    tmp.cleanup();
  });

  const as = (owner: string, locale: 'en' | 'zh-CN' = 'en'): TusTarget => ({ origin, headers: testUser(owner, locale) });
  const idOf = (location: string) => location.split('/').pop() ?? '';
  const api = async (t: TusTarget, urlPath: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    fetch(new URL(urlPath, origin), { method: init.method ?? 'GET', headers: { ...t.headers, ...init.headers } });
  const view = async (t: TusTarget, id: string): Promise<StudioUploadView> => {
    const res = await api(t, `/studio/api/uploads/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as StudioUploadView;
  };

  /** Creates and sends a whole file in one PATCH; returns the upload's id. */
  async function uploadWhole(t: TusTarget, bytes: Buffer, meta: Record<string, string>): Promise<string> {
    const created = await tusCreate(t, bytes.length, meta);
    expect(created.status, created.body).toBe(201);
    const patched = await tusPatch(t, created.location!, 0, bytes);
    expect(patched.status, patched.body).toBe(204);
    return idOf(created.location!);
  }

  it('resumes after the connection drops mid-body: HEAD gives the offset, the rest completes, the audio is checked and served with ranges', async () => {
    const alice = as('telegram:100');
    const audio = readFileSync(SPEECH);
    const created = await tusCreate(alice, audio.length, { filename: '../../etc/speech en.wav', filetype: 'audio/wav', kind: 'audio' });
    expect(created.status, created.body).toBe(201);
    const location = created.location!;
    expect(location).toMatch(/^\/studio\/uploads\/[0-9a-f]{40}$/);
    expect(created.headers['x-content-type-options']).toBe('nosniff');
    expect(created.headers['access-control-allow-origin']).toBeUndefined();
    // Relative to the endpoint, so a path prefix in front of the server (PUBLIC_URL below a folder) is kept.
    expect(created.headers.location).toBe(`uploads/${idOf(location)}`);

    const half = Math.floor(audio.length / 2);
    const first = await tusPatch(alice, location, 0, audio.subarray(0, half));
    expect(first.status, first.body).toBe(204);
    expect(first.headers['upload-offset']).toBe(String(half));
    expect((await view(alice, idOf(location))).status).toBe('uploading');

    // The next PATCH promises the rest but the connection dies after a quarter of the file.
    const quarter = Math.floor(audio.length / 4);
    await tusPatchThenDrop(alice, location, half, patternStream(half + quarter, audio, half), audio.length - half);
    const head = await tusHead(alice, location);
    expect(head.status).toBe(200);
    const offset = head.offset!;
    expect(offset).toBeGreaterThanOrEqual(half);
    expect(offset).toBeLessThan(audio.length);
    expect(head.headers['upload-length']).toBe(String(audio.length));

    const rest = await tusPatch(alice, location, offset, audio.subarray(offset));
    expect(rest.status, rest.body).toBe(204);
    expect(rest.headers['upload-offset']).toBe(String(audio.length));

    const id = idOf(location);
    const done = await view(alice, id);
    expect(done).toMatchObject({ id, kind: 'audio', status: 'ready', label: 'speech en.wav', bytes: audio.length, refusalText: null });
    expect(done.seconds).toBeGreaterThan(1);
    expect(done).not.toHaveProperty('ownerRef');
    const file = await uploads.localPath(id, 'telegram:100');
    expect(file).not.toBeNull();
    expect(readFileSync(file!).equals(audio)).toBe(true);
    // Stored under the user's own folder, named by the id (never by the file name).
    expect(path.basename(path.dirname(file!))).toBe(id.slice(0, 16));
    expect(file!.startsWith(path.join(tmp.dir, 'studio', 'uploads'))).toBe(true);

    const ranged = await api(alice, done.mediaUrl!, { headers: { Range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-type')).toBe('audio/wav');
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-99/${audio.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(audio.subarray(0, 100))).toBe(true);

    const audios = (await (await api(alice, '/studio/api/audios')).json()) as { audios: StudioUploadView[] };
    expect(audios.audios.map((a) => a.id)).toEqual([id]);
  });

  it('works with tus-js-client (the page’s client): chunked PATCHes, the relative Location, JSON refusals', async () => {
    const t = as('telegram:150');
    const audio = readFileSync(SPEECH);
    const url = await new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload(audio, {
        endpoint: `${origin}/studio/uploads`,
        headers: t.headers,
        chunkSize: 64 * 1024,
        metadata: { filename: 'client.wav', filetype: 'audio/wav', kind: 'audio' },
        onError: reject,
        onSuccess: () => resolve(upload.url ?? ''),
      });
      upload.start();
    });
    const id = idOf(new URL(url).pathname);
    expect(url).toBe(`${origin}/studio/uploads/${id}`);
    expect(await view(t, id)).toMatchObject({ status: 'ready', label: 'client.wav', bytes: audio.length });

    const refusal = await new Promise<tus.DetailedError>((resolve, reject) => {
      const upload = new tus.Upload(Buffer.alloc(10), {
        endpoint: `${origin}/studio/uploads`,
        headers: t.headers,
        uploadSize: limits.maxFileBytes + 1,
        metadata: { filename: 'big.mov', kind: 'template' },
        retryDelays: [],
        onError: (err) => resolve(err as tus.DetailedError),
        onSuccess: () => reject(new Error('accepted')),
      });
      upload.start();
    });
    expect(refusal.originalResponse?.getStatus()).toBe(413);
    expect(JSON.parse(refusal.originalResponse?.getBody() ?? '{}')).toMatchObject({ code: 'file-too-large' });
  });

  it("another user's upload ids answer 404 everywhere; no session is 401, no CSRF token 403", async () => {
    const alice = as('telegram:200');
    const mallory = as('discord:666');
    const created = await tusCreate(alice, 1000, { filename: 'a.wav', kind: 'audio' });
    expect(created.status).toBe(201);
    const location = created.location!;
    const id = idOf(location);

    expect((await tusHead(mallory, location)).status).toBe(404);
    const stolenPatch = await tusPatch(mallory, location, 0, Buffer.alloc(10));
    expect(stolenPatch.status).toBe(404);
    expect(JSON.parse(stolenPatch.body)).toMatchObject({ code: 'upload-not-found' });
    expect((await tusDelete(mallory, location)).status).toBe(404);
    for (const suffix of ['', '/thumb', '/media']) expect((await api(mallory, `/studio/api/uploads/${id}${suffix}`)).status).toBe(404);
    expect((await api(mallory, `/studio/api/uploads/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await uploads.get(id, 'discord:666')).toBeNull();
    // Her upload is untouched.
    expect((await tusHead(alice, location)).offset).toBe(0);

    const anonymous: TusTarget = { origin, headers: {} };
    expect((await tusHead(anonymous, location)).status).toBe(401);
    expect((await tusCreate(anonymous, 10, { kind: 'audio' })).status).toBe(401);
    const noCsrf: TusTarget = { origin, headers: { 'x-test-owner': 'telegram:200' } };
    expect((await tusPatch(noCsrf, location, 0, Buffer.alloc(10))).status).toBe(403);
    expect((await tusCreate(noCsrf, 10, { kind: 'audio' })).status).toBe(403);
    expect((await tusHead(alice, location)).offset).toBe(0);

    // Ids that are not ids at all.
    expect((await tusHead(alice, '/studio/uploads/..%2F..%2Fetc')).status).toBe(404);
    expect((await api(alice, '/studio/api/uploads/nothing-here')).status).toBe(404);
    expect((await tusDelete(alice, location)).status).toBe(204);
  });

  it('refuses uploads over the caps with 413/429 and a localized reason', async () => {
    const tooBig = await tusCreate(as('telegram:300'), limits.maxFileBytes + 1, { filename: 'huge.mp4', kind: 'template' });
    expect(tooBig.status).toBe(413);
    const en = JSON.parse(tooBig.body) as { error: string; code: string };
    expect(en.code).toBe('file-too-large');
    expect(en.error).toBe('huge.mp4 is 50 MB; the limit is 50 MB.');
    const zh = JSON.parse((await tusCreate(as('telegram:300', 'zh-CN'), limits.maxFileBytes + 1, { filename: 'huge.mp4', kind: 'template' })).body) as { error: string };
    expect(zh.error).toContain('上限是 50 MB');

    // Per user: at most 3 unfinished uploads (quota in this test), and 120 MB in all.
    const bob = as('telegram:301');
    for (let i = 0; i < 3; i++) expect((await tusCreate(bob, 1000, { filename: `t${i}.mp4`, kind: 'template' })).status).toBe(201);
    const fourth = await tusCreate(bob, 1000, { filename: 't3.mp4', kind: 'template' });
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.body)).toMatchObject({ code: 'upload-unfinished-limit' });

    const carol = as('telegram:302', 'zh-CN');
    expect((await tusCreate(carol, 45 * MB, { kind: 'template' })).status).toBe(201);
    expect((await tusCreate(carol, 45 * MB, { kind: 'template' })).status).toBe(201);
    const overBudget = await tusCreate(carol, 45 * MB, { kind: 'template' });
    expect(overBudget.status).toBe(413);
    const budget = JSON.parse(overBudget.body) as { error: string; code: string };
    expect(budget.code).toBe('upload-budget');
    expect(budget.error).toContain('120 MB');

    // Everyone within their budget can still fill the disk together: an upload that would eat into the reserve
    // (WEB_MIN_FREE_DISK_MB, 100 MB here) is refused for now, in the user's words; a smaller one still fits.
    freeDisk = 120 * MB;
    const erin = as('telegram:304', 'zh-CN');
    const full = await tusCreate(erin, 45 * MB, { filename: 'big.mp4', kind: 'template' });
    expect(full.status).toBe(507);
    const fullBody = JSON.parse(full.body) as { error: string; code: string };
    expect(fullBody.code).toBe('upload-disk-full');
    expect(fullBody.error).toMatch(/[\u4e00-\u9fff]/);
    expect((await tusCreate(erin, 15 * MB, { filename: 'small.mp4', kind: 'template' })).status).toBe(201);
    freeDisk = Number.MAX_SAFE_INTEGER;

    // No kind, or a length to be told later: refused as a bad request.
    expect((await tusCreate(as('telegram:303'), 10, { filename: 'x' })).status).toBe(400);
  });

  it('checks finished uploads with the chats’ rules: refusals keep the code and are worded per language', async () => {
    const dave = as('telegram:400', 'zh-CN');
    const notMedia = await uploadWhole(dave, Buffer.from('this is not a video at all\n'.repeat(50)), { filename: 'notes.mp4', kind: 'template' });
    const refused = await view(dave, notMedia);
    expect(refused.status).toBe('refused');
    expect(refused.refusal?.code).toBe('unreadable');
    expect(refused.refusal?.params).toMatchObject({ label: 'notes.mp4' });
    expect(refused.refusalText).toMatch(/notes\.mp4/);
    expect(refused.refusalText).toMatch(/[\u4e00-\u9fff]/);
    expect(refused.mediaUrl).toBeNull();
    expect(await uploads.localPath(notMedia, 'telegram:400')).toBeNull();

    const pictureAsAudio = await uploadWhole(as('telegram:400'), readFileSync(PORTRAIT), { filename: 'face.png', kind: 'audio' });
    const noAudio = await view(as('telegram:400'), pictureAsAudio);
    expect(noAudio.refusal?.code).toBe('no-audio-stream');
    expect(noAudio.refusalText).toBe('face.png has no sound track to use as the audio.');
    // Refused audios are not offered for reuse.
    const audios = (await (await api(dave, '/studio/api/audios')).json()) as { audios: unknown[] };
    expect(audios.audios).toEqual([]);
  });

  it('makes a small JPEG thumbnail of picture and video templates', async () => {
    const erin = as('telegram:500');
    const picture = await view(erin, await uploadWhole(erin, readFileSync(PORTRAIT), { filename: 'face.png', kind: 'template' }));
    expect(picture).toMatchObject({ status: 'ready', isImage: true, width: 320 });
    const videoFile = makeMovingTemplate(path.join(tmp.dir, 'moving.mp4'), { seconds: 1, size: 480 });
    const video = await view(erin, await uploadWhole(erin, readFileSync(videoFile), { filename: 'moving.mp4', kind: 'template' }));
    expect(video).toMatchObject({ status: 'ready', isImage: false, width: 480, height: 480 });
    expect(video.seconds).toBeCloseTo(1, 0);

    for (const u of [picture, video]) {
      expect(u.thumbUrl).toBe(`/studio/api/uploads/${u.id}/thumb`);
      const res = await api(erin, u.thumbUrl!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      const thumbFile = path.join(tmp.dir, `thumb-${u.id}.jpg`);
      writeFileSync(thumbFile, jpeg);
      const probed = ffprobe(thumbFile).streams[0]!;
      expect(probed.codec_name).toBe('mjpeg');
      expect(Math.max(probed.width!, probed.height!)).toBeLessThanOrEqual(320);
    }
    // An audio has none.
    const speech = await view(erin, await uploadWhole(erin, readFileSync(SPEECH), { filename: 's.wav', kind: 'audio' }));
    expect(speech.thumbUrl).toBeNull();
    expect((await api(erin, `/studio/api/uploads/${speech.id}/thumb`)).status).toBe(404);
  });

  it('checks an upload whose bytes all arrived but whose check was cut short (a restart) when it is next looked at', async () => {
    const gina = as('telegram:700');
    const id = await uploadWhole(gina, readFileSync(SPEECH), { filename: 'g.wav', kind: 'audio' });
    const files = new UploadFiles(path.join(tmp.dir, 'studio', 'uploads'));
    const record = (await files.read(id))!;
    await files.write({ id, ownerRef: record.ownerRef, kind: 'audio', label: record.label, bytes: record.bytes, status: 'uploading', createdAt: record.createdAt });
    expect((await files.read(id))?.status).toBe('uploading');
    const again = await view(gina, id);
    expect(again.status).toBe('ready');
    expect(again.seconds).toBe(record.seconds);
  });

  it('deletes through tus or the API; release removes a template; sweep keeps the newest 5 audios and drops old unfinished uploads', async () => {
    const frank = as('telegram:600');
    const userDir = async () => (await readdir(path.join(tmp.dir, 'studio', 'uploads'))).length;
    expect(await userDir()).toBeGreaterThan(0);

    const viaApi = await uploadWhole(frank, readFileSync(PORTRAIT), { filename: 'p.png', kind: 'template' });
    const file = (await uploads.localPath(viaApi, 'telegram:600'))!;
    expect(existsSync(file)).toBe(true);
    expect((await api(frank, `/studio/api/uploads/${viaApi}`, { method: 'DELETE', headers: {} })).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect(await uploads.get(viaApi, 'telegram:600')).toBeNull();

    const template = await uploadWhole(frank, readFileSync(PORTRAIT), { filename: 'p.png', kind: 'template' });
    const templateFile = (await uploads.localPath(template, 'telegram:600'))!;
    await uploads.release(template);
    expect(existsSync(templateFile)).toBe(false);
    expect((await api(frank, `/studio/api/uploads/${template}`)).status).toBe(404);

    const audio = readFileSync(SPEECH);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock += 1000;
      ids.push(await uploadWhole(frank, audio, { filename: `a${i}.wav`, kind: 'audio' }));
    }
    const listed = (await (await api(frank, '/studio/api/audios')).json()) as { audios: StudioUploadView[] };
    expect(listed.audios.map((a) => a.id)).toEqual(ids.slice(2).reverse());

    // Files of no upload (a crash between tus's files and our record), left a day ago.
    const stray = path.join(tmp.dir, 'studio', 'uploads', ids[0]!.slice(0, 16), `${ids[0]!.slice(0, 16)}${'0'.repeat(24)}`);
    writeFileSync(stray, 'partial');
    writeFileSync(`${stray}.json`, '{}');
    const abandoned = await tusCreate(frank, 5000, { filename: 'later.mp4', kind: 'template' });
    clock += 25 * 3_600_000;
    const fresh = await tusCreate(frank, 5000, { filename: 'now.mp4', kind: 'template' });
    const removed = await uploads.sweep(24 * 3_600_000);
    expect(removed).toBeGreaterThanOrEqual(3);
    for (const old of ids.slice(0, 2)) expect(await uploads.get(old, 'telegram:600')).toBeNull();
    for (const kept of ids.slice(2)) expect((await uploads.get(kept, 'telegram:600'))?.status).toBe('ready');
    expect(await uploads.get(idOf(abandoned.location!), 'telegram:600')).toBeNull();
    expect((await tusHead(frank, abandoned.location!)).status).toBe(404);
    expect((await tusHead(frank, fresh.location!)).status).toBe(200);
    expect(existsSync(stray)).toBe(false);
    expect(existsSync(`${stray}.json`)).toBe(false);

    // tus DELETE (tus-js-client's abort with terminate) removes our record too.
    expect((await tusDelete(frank, fresh.location!)).status).toBe(204);
    expect(await uploads.get(idOf(fresh.location!), 'telegram:600')).toBeNull();
  });
});
