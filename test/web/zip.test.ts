import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebWorld, pathOf, type WebWorld } from '../support/batchFixture.js';
import { readZip } from './zipReader.js';
import { waitUntil } from '../support/wait.js';

/** Paths this process holds open (Linux /proc). */
function openFiles(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}


async function metricValue(w: WebWorld, name: string, labels = ''): Promise<number> {
  const { body } = await w.metrics.scrape();
  const line = body.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('batch ZIP', () => {
  let w: WebWorld;
  beforeEach(async () => {
    w = await createWebWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it('streams every finished clip, stored, named by template and deduplicated, byte-identical to storage', async () => {
    const batch = await w.addBatch('bzip', [
      { template: 'face.mp4', content: randomBytes(300_000) },
      { template: 'face.mov', content: randomBytes(1000) },
      { template: 'failed.mp4', status: 'failed', error: { code: 'no-face', message: 'no face' } },
      { template: 'Grüße/../x.mp4', content: randomBytes(5000) },
      { template: '', content: Buffer.from('tiny') },
    ]);
    const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.zipUrl('bzip')) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="lipsync-bzip.zip"; filename*=UTF-8''lipsync-bzip.zip`);
    const entries = readZip(res.rawPayload);
    expect(entries.map((e) => e.name)).toEqual(['face.mp4', 'face (2).mp4', 'Grüße_.._x.mp4', 'clip-5.mp4']);
    expect(entries.every((e) => e.method === 0)).toBe(true);
    const done = batch.clips.filter((c) => c.status === 'done');
    for (const [i, e] of entries.entries()) {
      const stored = await readFile(w.storage.outputPath(done[i]!.output!.key));
      expect(e.data.equals(stored), e.name).toBe(true);
    }
    expect(await metricValue(w, 'lipsync_web_zip_streams_total', '{outcome="finished"}')).toBe(1);
    expect(await metricValue(w, 'lipsync_web_zip_streams_active')).toBe(0);
  });

  it('HEAD answers with the headers without reading any clip', async () => {
    await w.addBatch('bhead', [{ template: 'a.mp4' }]);
    const res = await w.app.inject({ method: 'HEAD', url: pathOf(w.links.zipUrl('bhead')) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.rawPayload.length).toBe(0);
    expect(await metricValue(w, 'lipsync_web_zip_streams_total', '{outcome="finished"}')).toBe(0);
    expect(await metricValue(w, 'lipsync_web_zip_streams_active')).toBe(0);
  });

  it('skips a clip whose file disappeared instead of failing the whole ZIP', async () => {
    const batch = await w.addBatch('bgone', [{ template: 'a.mp4' }, { template: 'b.mp4' }]);
    await w.storage.remove('outputs', batch.clips[0]!.output!.key);
    const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.zipUrl('bgone')) });
    expect(res.statusCode).toBe(200);
    expect(readZip(res.rawPayload).map((e) => e.name)).toEqual(['b.mp4']);
  });

  it('a client that disconnects stops the work and leaves no open file', async () => {
    const big = randomBytes(48 * 1024 * 1024);
    const batch = await w.addBatch('babort', [{ template: 'big.mp4', content: big }, { template: 'big2.mp4', content: Buffer.concat([big, Buffer.from('2')]) }]);
    const files = batch.clips.map((c) => w.storage.outputPath(c.output!.key));
    const address = await w.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}${pathOf(w.links.zipUrl('babort'))}`;

    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.get(url, (res) => {
        expect(res.statusCode).toBe(200);
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > 256 * 1024) {
            // Stop reading and hang up mid-transfer.
            req.destroy();
            resolve();
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', (err) => {
        if (received === 0) reject(err);
      });
    });

    await waitUntil('the clip files to be closed', () => !openFiles().some((f) => files.includes(f)), 10_000);
    await waitUntil('the zip stream to be aborted', async () => (await metricValue(w, 'lipsync_web_zip_streams_total', '{outcome="aborted"}')) === 1, 10_000);
    expect(await metricValue(w, 'lipsync_web_zip_streams_active')).toBe(0);
    expect(received).toBeLessThan(big.length);
    // The server is fine afterwards.
    const again = await w.app.inject({ method: 'HEAD', url: pathOf(w.links.clipUrl('babort-1')) });
    expect(again.statusCode).toBe(200);
  });
});
