import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { en, zhCN } from '../../src/i18n/index.js';
import { createWebWorld, pathOf, type WebWorld } from '../support/batchFixture.js';

describe('results page', () => {
  let w: WebWorld;
  beforeEach(async () => {
    w = await createWebWorld();
    await w.addBatch('bpage', [
      { template: 'smile.mp4' },
      { template: '<script>alert("x")</script>.mp4' },
      { template: 'noface.mov', status: 'failed', error: { code: 'no-face', message: `I couldn't find a face in noface.mov. <b>Use</b> a clear video.` } },
      { template: 'late.mp4', status: 'active', progress: { stage: 'render', framesDone: 30, framesTotal: 120, fps: 20, etaSeconds: 4 } },
      { template: 'waiting.mp4', status: 'queued' },
      { template: 'stopped.mp4', status: 'cancelled' },
    ]);
  });
  afterEach(async () => {
    await w.close();
  });

  it('lists every clip with its preview, download link or status, the ZIP link and the expiry', async () => {
    const link = w.links.batchUrl('bpage');
    const expiresAt = Number(new URL(link).searchParams.get('e'));
    const res = await w.app.inject({ method: 'GET', url: pathOf(link) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const body = res.body;
    expect(body).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');

    // One card per clip, in order, with its status.
    const cards = [...body.matchAll(/<li class="clip" data-clip-id="([^"]+)" data-status="([^"]+)">/g)].map((m) => [m[1], m[2]]);
    expect(cards).toEqual([
      ['bpage-1', 'done'],
      ['bpage-2', 'done'],
      ['bpage-3', 'failed'],
      ['bpage-4', 'active'],
      ['bpage-5', 'queued'],
      ['bpage-6', 'cancelled'],
    ]);
    // Previews and downloads for the finished clips, signed with the page's own expiry.
    const videos = [...body.matchAll(/<video [^>]*src="([^"]+)"[^>]*aria-labelledby="(clip-\d)"/g)];
    expect(videos.map((m) => m[2])).toEqual(['clip-1', 'clip-2']);
    for (const [, src] of videos) {
      const u = new URL(src!.replace(/&amp;/g, '&'));
      expect(u.searchParams.get('e')).toBe(String(expiresAt));
      expect((await w.app.inject({ method: 'HEAD', url: `${u.pathname}${u.search}` })).statusCode).toBe(200);
    }
    expect(body).toMatch(/<a href="[^"]+\/c\/bpage-1\?e=\d+&amp;s=[\w-]+&amp;dl=1" download>Download smile\.mp4<\/a> <span class="muted">\(MP4, 1 KB\)<\/span>/);
    const zip = /<a class="button" href="([^"]+)" download>Download all \(ZIP\)<\/a>/.exec(body);
    expect(zip).not.toBeNull();
    expect(new URL(zip![1]!.replace(/&amp;/g, '&')).pathname).toBe('/b/bpage/zip');
    // Status of the others, with the failure reason (escaped).
    expect(body).toContain('Failed: I couldn&#39;t find a face in noface.mov. &lt;b&gt;Use&lt;/b&gt; a clear video.');
    expect(body).toContain('Rendering: lip-syncing, 25%');
    expect(body).toMatch(/<progress max="100" value="25" aria-labelledby="clip-4">/);
    expect(body).toContain('Waiting in line (number 1)');
    expect(body).toContain('<p class="status cancelled">Cancelled</p>');
    expect(body).toContain('6 clips · 2 ready · 1 failed · 1 cancelled · 2 still rendering');
    expect(body).toContain(`<time datetime="${new Date(expiresAt * 1000).toISOString()}">${new Date(expiresAt * 1000).toUTCString()}</time>`);
    // Everything user-given is escaped.
    expect(body).not.toContain('<script>');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('no ZIP button before anything is done; unknown batch 404; expired 410; clip link refused as batch link', async () => {
    await w.addBatch('bnone', [{ template: 'a.mp4', status: 'queued' }]);
    const none = await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bnone')) });
    expect(none.statusCode).toBe(200);
    expect(none.body).not.toContain('Download all');
    expect(none.body).toContain('Some clips are still being made.');
    expect((await w.app.inject({ method: 'GET', url: pathOf(w.links.zipUrl('bnone')) })).statusCode).toBe(409);
    expect((await w.app.inject({ method: 'GET', url: pathOf(w.links.batchUrl('bmissing')) })).statusCode).toBe(404);
    const clipSearch = new URL(w.links.clipUrl('bpage')).search;
    expect((await w.app.inject({ method: 'GET', url: `/b/bpage${clipSearch}` })).statusCode).toBe(403);
    const link = pathOf(w.links.batchUrl('bpage'));
    w.clock.now += (w.config.linkTtlSeconds + 5) * 1000;
    const expired = await w.app.inject({ method: 'GET', url: link });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('Link expired');
  });
});

describe('results page: the preview engine', () => {
  it('says which clips the weights-free preview engine made, in the reader’s language', async () => {
    const w = await createWebWorld();
    try {
      await w.addBatch('bprev', [{ template: 'a.mp4', preview: true }, { template: 'b.mp4', preview: false }]);
      const url = pathOf(w.links.batchUrl('bprev'));
      const english = (await w.app.inject({ method: 'GET', url })).body;
      expect(english.match(/<p class="status done">([^<]*)<\/p>/g)).toEqual([`<p class="status done">${en.web.readyPreview}</p>`, `<p class="status done">${en.web.ready}</p>`]);
      const chinese = (await w.app.inject({ method: 'GET', url, headers: { 'accept-language': 'zh-CN' } })).body;
      expect(chinese).toContain(`<p class="status done">${zhCN.web.readyPreview}</p>`);
    } finally {
      await w.close();
    }
  });
});
