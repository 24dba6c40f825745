import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { shortLabel } from '../../src/bots/core/format.js';
import { headUtf16 } from '../../src/format.js';
import { renderKey } from '../../src/queue/dedup.js';
import { createLinkSigner } from '../../src/web/links.js';
import { createWebMetrics } from '../../src/web/metrics.js';
import { buildWebServer } from '../../src/web/server.js';
import { queueSource } from '../../src/web/source.js';
import { createWebWorld, healthyReport, pathOf, testWebConfig } from '../support/batchFixture.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';
import { localOutputPath } from '../support/storage.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const wellFormed = (s: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('labels cut by code points', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('an emoji-heavy template name stays whole through submit, the chat text and a real download', async () => {
    h = await QueueHarness.create('labels');
    // 'a' then 100 emoji: UTF-16 offset 80 falls inside the 40th emoji; 80 code points keep whole ones and the
    // extension: 'a', 74 emoji, '…', '.mp4'.
    const label = `a${'😀'.repeat(100)}.mp4`;
    const template = await h.template('face.mp4', 'emoji face');
    const audioBytes = await readFile(SPEECH);
    // The output already exists, so the clip is done at submit time (a dedup hit) and can be downloaded at once.
    const key = renderKey(sha256(audioBytes), sha256('emoji face'), {}, h.config.cacheSalt);
    const out = localOutputPath(h.queue.storage, key);
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, 'mp4 bytes');

    const { batchId, clips } = await h.queue.submitBatch({ owner: { platform: 'telegram', userId: '7' }, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: template, label }] });
    const stored = (await h.queue.getBatch(batchId))!.clips[0]!;
    expect(stored.status).toBe('done');
    expect(wellFormed(stored.template)).toBe(true);
    expect(stored.template).not.toContain('\ufffd');
    expect(Array.from(stored.template).length).toBe(80);
    expect(wellFormed(shortLabel(stored.template))).toBe(true);

    const config = testWebConfig();
    const app = await buildWebServer({
      config,
      source: queueSource(h.queue),
      storage: h.queue.storage,
      metrics: createWebMetrics({ processMetrics: false }),
      health: { check: () => Promise.resolve(healthyReport) },
      log: pino({ level: 'silent' }),
    });
    try {
      const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: config.publicUrl });
      const res = await app.inject({ method: 'GET', url: pathOf(links.downloadUrl(clips[0]!.clipId)) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('mp4 bytes');
      const disposition = String(res.headers['content-disposition']);
      expect(stored.template).toBe(`a${'😀'.repeat(74)}….mp4`);
      expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(`a${'😀'.repeat(74)}….mp4`)}`);
    } finally {
      await app.close();
    }
  });

  it('a clip whose label holds half an emoji still downloads (no 500)', async () => {
    const w = await createWebWorld();
    try {
      await w.addBatch('bhalf', [{ template: `face ${'😀'.slice(0, 1)}.mp4`, content: Buffer.from('clip') }]);
      const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.downloadUrl('bhalf-1')) });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('clip');
      expect(String(res.headers['content-disposition'])).toContain(`filename*=UTF-8''face%20%EF%BF%BD.mp4`);
    } finally {
      await w.close();
    }
  });

  it('shortLabel keeps whole emoji at both ends of the cut', () => {
    const cut = shortLabel(`${'😀'.repeat(30)}x${'🎬'.repeat(10)}`);
    expect(wellFormed(cut)).toBe(true);
    expect(Array.from(cut).length).toBe(32);
  });
});

describe('cutting to a UTF-16 length (Discord thread names, button labels)', () => {
  it('never ends on half an emoji, and keeps text that fits as is', () => {
    const name = `${'a'.repeat(99)}😀 more`;
    const cut = headUtf16(name, 100);
    expect(cut).toBe('a'.repeat(99));
    expect(wellFormed(cut)).toBe(true);
    expect(headUtf16('😀😀', 4)).toBe('😀😀');
    expect(headUtf16('😀😀', 3)).toBe('😀');
    expect(headUtf16('short', 100)).toBe('short');
  });
});
