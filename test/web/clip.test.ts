import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebWorld, pathOf, type WebWorld } from '../support/batchFixture.js';

describe('clip download', () => {
  let w: WebWorld;
  const content = randomBytes(100_000);
  beforeEach(async () => {
    w = await createWebWorld();
    await w.addBatch('bclip', [{ template: 'My "face" video.mov', content }, { template: 'second.mp4', status: 'active' }, { template: 'bad.mp4', status: 'failed', error: { code: 'no-face', message: 'No face found.' } }]);
  });
  afterEach(async () => {
    await w.close();
  });

  const url = () => pathOf(w.links.clipUrl('bclip-1'));

  it('serves the whole file with type, length, validators and a safe inline name', async () => {
    const res = await w.app.inject({ method: 'GET', url: url() });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(content)).toBe(true);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['content-length']).toBe(String(content.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['etag']).toMatch(/^"[0-9a-f-]+"$/);
    expect(res.headers['last-modified']).toMatch(/GMT$/);
    expect(res.headers['content-disposition']).toBe(`inline; filename="My _face_ video.mp4"; filename*=UTF-8''My%20_face_%20video.mp4`);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('dl=1 makes it an attachment', async () => {
    const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.downloadUrl('bclip-1')) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="My _face_ video\.mp4"/);
  });

  it('HEAD gives the headers without a body', async () => {
    const res = await w.app.inject({ method: 'HEAD', url: url() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(content.length));
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.rawPayload.length).toBe(0);
  });

  it('answers single, suffix and open-ended ranges with 206', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=-500', content.length - 500, content.length - 1],
      ['bytes=99000-', 99_000, content.length - 1],
      ['bytes=99990-200000', 99_990, content.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await w.app.inject({ method: 'GET', url: url(), headers: { range } });
      expect(res.statusCode, range).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${content.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(res.rawPayload.equals(content.subarray(start, end + 1)), range).toBe(true);
    }
  });

  it('416 with Content-Range */size for a range past the end', async () => {
    for (const range of ['bytes=100000-', 'bytes=5000000-5000001', 'bytes=-0']) {
      const res = await w.app.inject({ method: 'GET', url: url(), headers: { range } });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${content.length}`);
    }
  });

  it('many ranges or a huge Range header: the whole file, and the server keeps going', async () => {
    const many = `bytes=${Array.from({ length: 2000 }, (_, i) => `${i * 10}-${i * 10 + 5}`).join(',')}`;
    const huge = `bytes=0-${'9'.repeat(6000)}`;
    for (const range of [many, huge, 'bytes=0-1,3-4', 'bytes=abc', 'pages=1-2']) {
      const res = await w.app.inject({ method: 'GET', url: url(), headers: { range } });
      expect([200, 416], range.slice(0, 20)).toContain(res.statusCode);
      if (res.statusCode === 200) expect(res.rawPayload.equals(content)).toBe(true);
    }
    expect((await w.app.inject({ method: 'GET', url: url() })).statusCode).toBe(200);
  });

  it('ETag and Last-Modified give 304; If-Range with an old tag gives the whole file', async () => {
    const first = await w.app.inject({ method: 'GET', url: url() });
    const etag = first.headers['etag'] as string;
    const lastModified = first.headers['last-modified'] as string;
    const a = await w.app.inject({ method: 'GET', url: url(), headers: { 'if-none-match': etag } });
    expect(a.statusCode).toBe(304);
    expect(a.rawPayload.length).toBe(0);
    expect(a.headers['etag']).toBe(etag);
    expect((await w.app.inject({ method: 'HEAD', url: url(), headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    expect((await w.app.inject({ method: 'GET', url: url(), headers: { 'if-modified-since': lastModified } })).statusCode).toBe(304);
    expect((await w.app.inject({ method: 'GET', url: url(), headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);
    const stale = await w.app.inject({ method: 'GET', url: url(), headers: { range: 'bytes=0-9', 'if-range': '"old"' } });
    expect(stale.statusCode).toBe(200);
    const fresh = await w.app.inject({ method: 'GET', url: url(), headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(fresh.statusCode).toBe(206);
    expect((await w.app.inject({ method: 'GET', url: url(), headers: { 'if-match': '"other"' } })).statusCode).toBe(412);
  });

  it('a clip still rendering is 409, a failed one 404 with its reason, an unknown one 404, a deleted file 410', async () => {
    const active = await w.app.inject({ method: 'GET', url: pathOf(w.links.clipUrl('bclip-2')) });
    expect(active.statusCode).toBe(409);
    const failed = await w.app.inject({ method: 'GET', url: pathOf(w.links.clipUrl('bclip-3')) });
    expect(failed.statusCode).toBe(404);
    expect(failed.body).toContain('No face found.');
    expect((await w.app.inject({ method: 'GET', url: pathOf(w.links.clipUrl('bclip-9')) })).statusCode).toBe(404);
    const clip = (await w.source.getClip('bclip-1'))!;
    await w.storage.remove('outputs', clip.output!.key);
    const gone = await w.app.inject({ method: 'GET', url: url() });
    expect(gone.statusCode).toBe(410);
    expect(gone.headers['content-type']).toMatch(/^text\/html/);
  });

  it('tampered, swapped, missing and expired signatures', async () => {
    const good = new URL(w.links.clipUrl('bclip-1'));
    const s = good.searchParams.get('s')!;
    const e = good.searchParams.get('e')!;
    const tampered = `/c/bclip-1?e=${e}&s=${(s[0] === 'A' ? 'B' : 'A') + s.slice(1)}`;
    expect((await w.app.inject({ method: 'GET', url: tampered })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: `/c/bclip-3?e=${e}&s=${s}` })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: `/c/bclip-1?e=${Number(e) + 1}&s=${s}` })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: '/c/bclip-1' })).statusCode).toBe(403);
    expect((await w.app.inject({ method: 'GET', url: `/c/bclip-1?e=${e}` })).statusCode).toBe(403);
    // A batch link used as a clip link.
    const batch = new URL(w.links.batchUrl('bclip'));
    expect((await w.app.inject({ method: 'GET', url: `/c/bclip${batch.search}` })).statusCode).toBe(403);

    w.clock.now += (w.config.linkTtlSeconds + 1) * 1000;
    const expired = await w.app.inject({ method: 'GET', url: pathOf(good.href) });
    expect(expired.statusCode).toBe(410);
    expect(expired.headers['content-type']).toMatch(/^text\/html/);
    expect(expired.body).toMatch(/<h1>Link expired<\/h1>/);
    expect(expired.body).toContain('expired on');
  });

  it('never logs signatures or expiries', async () => {
    await w.app.inject({ method: 'GET', url: url() });
    await w.app.inject({ method: 'GET', url: `${url()}x` });
    const s = new URL(w.links.clipUrl('bclip-1')).searchParams.get('s')!;
    const lines = w.logLines.join('');
    expect(lines).toContain('"path":"/c/bclip-1"');
    expect(lines).not.toContain(s.slice(0, 20));
    expect(lines).not.toMatch(/[?&]s=/);
  });

  it('rate limits downloads per client address', async () => {
    const limited = await createWebWorld({ WEB_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      await limited.addBatch('brl', [{ template: 'a.mp4' }]);
      const u = pathOf(limited.links.clipUrl('brl-1'));
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await limited.app.inject({ method: 'GET', url: u })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const res = await limited.app.inject({ method: 'GET', url: u });
      expect(res.headers['retry-after']).toBeDefined();
      // Ops routes are not limited.
      expect((await limited.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
