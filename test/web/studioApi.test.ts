import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en, zhCN } from '../../src/i18n/index.js';
import type { BatchView } from '../../src/web/studio/views.js';
import { localOutputPath } from '../support/storage.js';
import { waitUntil } from '../support/wait.js';
import { readZip } from './zipReader.js';
import { StudioWorld, type StudioUser } from './studioSupport.js';

interface Page {
  page: number;
  pages: number;
  total: number;
  perPage: number;
  batches: BatchView[];
}

/** The studio's JSON API on the real queue (a worker with the test render) and the real web service. */
describe('studio API', () => {
  let world: StudioWorld;
  let alice: StudioUser;
  let bob: StudioUser;
  let rendered: BatchView;

  beforeAll(async () => {
    world = await StudioWorld.create('studio-api');
    await world.h.startWorker(400);
    alice = await world.signIn({ platform: 'telegram', userId: 'alice' });
    bob = await world.signIn({ platform: 'telegram', userId: 'bob' });
  });
  afterAll(async () => {
    await world?.close();
  });

  async function startBatch(user: StudioUser, templates: { label: string; content?: string }[], loop?: string) {
    const u = world.uploads;
    const audio = u.add(user.ownerRef, 'audio', 'voice.wav', await world.h.template(`voice-${user.ownerRef}.wav`, 'audio'));
    const ids = [];
    for (const t of templates) ids.push(u.add(user.ownerRef, 'template', t.label, await world.h.template(`${Math.random()}-${t.label}`, t.content)));
    return { res: await world.call(user, 'POST', '/studio/api/batches', { audio, templates: ids, ...(loop ? { loop } : {}) }), audio, ids };
  }

  it('starts a batch from ready uploads: 201 BatchView, templates released, the audio kept, the queue has it', async () => {
    const { res, audio, ids } = await startBatch(alice, [{ label: 'one.mp4' }, { label: 'bad.mp4', content: 'BAD-INPUT no face' }], 'freeze');
    expect(res.statusCode, res.body).toBe(201);
    const view = res.json<BatchView>();
    expect(view.status).toBe('running');
    expect(view.audio).toBe('voice.wav');
    expect(view.clips.map((c) => c.template)).toEqual(['one.mp4', 'bad.mp4']);
    expect(view.clips.every((c) => c.canCancel && !c.canRetry && c.fileUrl === null)).toBe(true);
    expect(world.uploads.released.sort()).toEqual([...ids].sort());
    expect(world.uploads.records.has(audio)).toBe(true);
    const batch = await world.h.queue.getBatch(view.batchId);
    expect(batch?.owner).toEqual({ platform: 'telegram', userId: 'alice' });
    expect(batch?.replyTo).toEqual({ platform: 'studio' });
    expect(batch?.options).toEqual({ loopMode: 'freeze' });

    await world.h.waitBatchDone(view.batchId);
    rendered = (await world.call(alice, 'GET', `/studio/api/batches/${view.batchId}`)).json<BatchView>();
    expect(rendered.status).toBe('finished');
    expect(rendered.summary).toEqual({ total: 2, done: 1, failed: 1, cancelled: 0 });
    const [done, failed] = rendered.clips as [BatchView['clips'][0], BatchView['clips'][0]];
    expect(done).toMatchObject({ status: 'done', statusText: en.studioAuth.status.done, percent: 100, canRetry: false, canCancel: false });
    expect(done.fileUrl).toBe(`/studio/api/clips/${done.clipId}/file`);
    expect(done.downloadUrl).toBe(`/studio/api/clips/${done.clipId}/file?dl=1`);
    expect(failed).toMatchObject({ status: 'failed', canRetry: true, canCancel: false, fileUrl: null });
    // The test render's failure carries no params: its own sentence is shown.
    const failure = (await world.h.queue.getBatch(view.batchId))!.clips[1]!.error!;
    expect(failure.code).toBe('no-face');
    expect(failed.error).toBe(failure.message);
    expect(failed.statusText).toBe(`Failed: ${failure.message}`);
    expect(rendered.zipUrl).toBe(`/studio/api/batches/${view.batchId}/zip`);
    // The log says what happened, in order, in words.
    const texts = rendered.log.map((l) => l.text);
    expect(texts[0]).toBe('one.mp4: queued');
    expect(texts).toContain('one.mp4: ready');
    expect(texts.some((t) => t.startsWith('bad.mp4: failed: '))).toBe(true);
  });

  it('refuses uploads that are refused, unfinished, of the wrong kind or someone else’s (400, in the session language)', async () => {
    const u = world.uploads;
    const audio = u.add(alice.ownerRef, 'audio', 'voice.wav', await world.h.template('v2.wav', 'audio'));
    const tpl = u.add(alice.ownerRef, 'template', 'ok.mp4', await world.h.template('ok2.mp4'));
    const refused = u.add(alice.ownerRef, 'template', 'big.mov', await world.h.template('big.mov'), {
      status: 'refused',
      refusal: { code: 'no-video-stream', message: 'big.mov has no video stream.', params: { label: 'big.mov' } },
    });
    const uploading = u.add(alice.ownerRef, 'template', 'half.mp4', await world.h.template('half.mp4'), { status: 'uploading' });
    const bobs = u.add(bob.ownerRef, 'template', 'bob.mp4', await world.h.template('bob.mp4'));
    const cases: [unknown, string][] = [
      [{ audio, templates: [refused] }, 'upload-refused'],
      [{ audio, templates: [uploading] }, 'upload-not-ready'],
      [{ audio: tpl, templates: [tpl] }, 'upload-wrong-kind'],
      [{ audio, templates: [bobs] }, 'upload-missing'],
      [{ audio, templates: [] }, 'bad-request'],
      [{ audio, templates: [tpl], loop: 'sideways' }, 'bad-request'],
    ];
    for (const [body, code] of cases) {
      const res = await world.call(alice, 'POST', '/studio/api/batches', body);
      expect(res.statusCode, `${code}: ${res.body}`).toBe(400);
      expect(res.json<{ code: string }>().code).toBe(code);
    }
    const refusedRes = await world.call(alice, 'POST', '/studio/api/batches', { audio, templates: [refused] });
    expect(refusedRes.json<{ error: string }>().error).toBe('big.mov cannot be used: big.mov has no video stream.');
    // Nothing was released by the refusals.
    expect(u.records.has(tpl) && u.records.has(refused)).toBe(true);

    // In Chinese for a Chinese session.
    const zh = await world.signIn({ platform: 'telegram', userId: 'alice' }, 'zh-CN');
    const zhRes = await world.call(zh, 'POST', '/studio/api/batches', { audio, templates: [refused] });
    expect(zhRes.json<{ error: string }>().error).toBe(`big.mov 无法使用：${zhCN.refusals['no-video-stream']({ label: 'big.mov' })}`);
  });

  it('another user gets 404 for the batch, its clip file, ZIP, cancel, retry and delete; the owner gets them', async () => {
    const batchId = rendered.batchId;
    const [done, failed] = rendered.clips as [BatchView['clips'][0], BatchView['clips'][0]];
    const requests: ['GET' | 'POST' | 'DELETE', string][] = [
      ['GET', `/studio/api/batches/${batchId}`],
      ['GET', `/studio/api/clips/${done.clipId}/file`],
      ['GET', `/studio/api/clips/${done.clipId}/file?dl=1`],
      ['GET', `/studio/api/batches/${batchId}/zip`],
      ['POST', `/studio/api/batches/${batchId}/cancel`],
      ['POST', `/studio/api/clips/${done.clipId}/cancel`],
      ['POST', `/studio/api/clips/${failed.clipId}/retry`],
      ['DELETE', `/studio/api/batches/${batchId}`],
    ];
    for (const [method, url] of requests) {
      const res = await world.call(bob, method, url);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json()).toEqual({ error: en.studioAuth.errors.notFound, code: 'not-found' });
    }
    // Same answer as for ids that do not exist at all.
    expect((await world.call(bob, 'GET', '/studio/api/batches/bnothere')).statusCode).toBe(404);
    expect((await world.call(bob, 'GET', '/studio/api/clips/bnothere-0/file')).statusCode).toBe(404);
    expect((await world.call(bob, 'GET', '/studio/api/batches/..%2F..%2Fetc')).statusCode).toBe(404);
    // Bob's history does not show it.
    expect((await world.call(bob, 'GET', '/studio/api/batches')).json<Page>().batches.map((b) => b.batchId)).not.toContain(batchId);

    // Alice: the file (with ranges), the ZIP, byte for byte what the worker stored.
    const batch = (await world.h.queue.getBatch(batchId))!;
    const stored = await readFile(localOutputPath(world.h.queue.storage, batch.clips[0]!.output!.key));
    const file = await world.call(alice, 'GET', `/studio/api/clips/${done.clipId}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('video/mp4');
    expect(file.rawPayload.equals(stored)).toBe(true);
    const part = await world.app.inject({ method: 'GET', url: `/studio/api/clips/${done.clipId}/file`, headers: { cookie: alice.cookie, range: 'bytes=0-3' } });
    expect(part.statusCode).toBe(206);
    expect(part.rawPayload.equals(stored.subarray(0, 4))).toBe(true);
    const dl = await world.call(alice, 'GET', `/studio/api/clips/${done.clipId}/file?dl=1`);
    expect(String(dl.headers['content-disposition'])).toMatch(/^attachment; filename="one.mp4"/);
    const zip = await world.call(alice, 'GET', `/studio/api/batches/${batchId}/zip`);
    expect(zip.statusCode).toBe(200);
    const entries = readZip(zip.rawPayload);
    expect(entries.map((e) => e.name)).toEqual(['one.mp4']);
    expect(entries[0]!.data.equals(stored)).toBe(true);
    // The failed clip has no file: JSON error, not an HTML page.
    const noFile = await world.call(alice, 'GET', `/studio/api/clips/${failed.clipId}/file`);
    expect(noFile.statusCode).toBe(404);
    expect(noFile.json<{ code: string }>().code).toBe('not-found');
  });

  it('retry queues a failed clip again; cancel and delete act on the owner’s batch', async () => {
    const failed = rendered.clips[1]!;
    const notRetryable = await world.call(alice, 'POST', `/studio/api/clips/${rendered.clips[0]!.clipId}/retry`);
    expect(notRetryable.statusCode).toBe(400);
    expect(notRetryable.json<{ code: string }>().code).toBe('not-retryable');

    const retried = await world.call(alice, 'POST', `/studio/api/clips/${failed.clipId}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    // (The test render fails this template at once: the answer may already show the second failure.)
    expect(retried.json<BatchView>().log.map((l) => l.text)).toContain('bad.mp4: queued again');
    await world.h.waitFor('the retried clip to fail again', async () => {
      const v = (await world.call(alice, 'GET', `/studio/api/batches/${rendered.batchId}`)).json<BatchView>();
      return v.status === 'finished' && v.clips[1]?.status === 'failed' && v.log.filter((l) => l.text.startsWith('bad.mp4: failed')).length === 2;
    });

    // Cancel: a batch whose clips wait behind a long render.
    const { res } = await startBatch(alice, [{ label: 'c1.mp4' }, { label: 'c2.mp4' }, { label: 'c3.mp4' }]);
    const running = res.json<BatchView>();
    const oneCancelled = await world.call(alice, 'POST', `/studio/api/clips/${running.clips[2]!.clipId}/cancel`);
    expect(oneCancelled.statusCode).toBe(200);
    expect(oneCancelled.json<BatchView>().clips[2]!.status).toBe('cancelled');
    const allCancelled = await world.call(alice, 'POST', `/studio/api/batches/${running.batchId}/cancel`);
    expect(allCancelled.statusCode).toBe(200);
    await world.h.waitFor('the cancelled batch to finish', async () => (await world.h.queue.getBatch(running.batchId))?.status === 'finished');

    // Delete: gone from the queue and from the history.
    const del = await world.call(alice, 'DELETE', `/studio/api/batches/${running.batchId}`);
    expect(del.statusCode).toBe(204);
    expect(await world.h.queue.getBatch(running.batchId)).toBeNull();
    expect((await world.call(alice, 'GET', `/studio/api/batches/${running.batchId}`)).statusCode).toBe(404);
  });

  it('pages the history 20 at a time, newest first, only the user’s own batches', async () => {
    const carol = await world.signIn({ platform: 'discord', userId: 'carol' });
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      const s = await world.h.queue.submitBatch({
        owner: carol.owner,
        audio: { path: await world.h.template(`h-audio-${i}.wav`, 'audio'), label: 'a.wav' },
        audioSeconds: 1,
        videos: [{ path: await world.h.template(`h-${i}.mp4`, `cached-or-not-${i}`), label: `t${i}.mp4` }],
      });
      await world.h.queue.cancel(s.batchId, carol.owner);
      made.push(s.batchId);
    }
    const first = (await world.call(carol, 'GET', '/studio/api/batches')).json<Page>();
    expect(first).toMatchObject({ page: 1, pages: 2, total: 23, perPage: 20 });
    expect(first.batches.map((b) => b.batchId)).toEqual(made.slice(3).reverse());
    const second = (await world.call(carol, 'GET', '/studio/api/batches?page=2')).json<Page>();
    expect(second.batches.map((b) => b.batchId)).toEqual(made.slice(0, 3).reverse());
    expect((await world.call(carol, 'GET', '/studio/api/batches?page=0')).statusCode).toBe(400);
  });

  it('streams live batch snapshots to the owner over SSE (and nothing of it to others)', async () => {
    const base = world.web.address!;
    const open = (user: StudioUser) => openEvents(`${base}/studio/api/events`, user.cookie);
    const aliceStream = await open(alice);
    const bobStream = await open(bob);
    try {
      expect(aliceStream.status).toBe(200);
      expect(aliceStream.contentType).toBe('text/event-stream; charset=utf-8');
      const { res } = await startBatch(alice, [{ label: 'live.mp4' }]);
      const batchId = res.json<BatchView>().batchId;
      const finished = await waitUntil('a finished snapshot of the batch on the stream', () =>
        aliceStream.batches().find((b) => b.batchId === batchId && b.status === 'finished'),
      );
      expect(finished.clips[0]).toMatchObject({ status: 'done', statusText: en.studioAuth.status.done });
      // Earlier snapshots showed it in progress (queued or rendering) before it was done.
      expect(aliceStream.batches().some((b) => b.batchId === batchId && b.status === 'running')).toBe(true);
      expect(bobStream.batches().some((b) => b.batchId === batchId)).toBe(false);
    } finally {
      aliceStream.close();
      bobStream.close();
    }
  });

  it('caps open streams per user, and frees a place when a page goes away', async () => {
    const base = world.web.address!;
    const dave = await world.signIn({ platform: 'telegram', userId: 'dave' });
    const streams = [];
    try {
      for (let i = 0; i < 5; i++) streams.push(await openEvents(`${base}/studio/api/events`, dave.cookie));
      expect(streams.every((s) => s.status === 200)).toBe(true);
      const sixth = await openEvents(`${base}/studio/api/events`, dave.cookie);
      sixth.close();
      expect(sixth.status).toBe(429);
      // Another user is not affected.
      const other = await openEvents(`${base}/studio/api/events`, alice.cookie);
      other.close();
      expect(other.status).toBe(200);
      streams.shift()!.close();
      const again = await waitUntil('a stream place freed by the closed one', async () => {
        const s = await openEvents(`${base}/studio/api/events`, dave.cookie);
        if (s.status === 200) return s;
        s.close();
        return null;
      });
      streams.push(again);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it('ends open streams when the server stops, without waiting for the close grace', async () => {
    const stream = await openEvents(`${world.web.address!}/studio/api/events`, alice.cookie);
    expect(stream.status).toBe(200);
    const started = Date.now();
    await world.web.stop();
    await waitUntil('the stream to end', () => stream.ended());
    // CLOSE_GRACE_MS (5 s) would cut a stream the server forgot; ours ends at once.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  interface EventStream {
    status: number;
    contentType: string | undefined;
    batches(): BatchView[];
    ended(): boolean;
    close(): void;
  }

  /** GET with the cookie; resolves once the headers are in, then collects `event: batch` frames as they arrive. */
  function openEvents(url: string, cookie: string): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
        let buffer = '';
        const seen: BatchView[] = [];
        let ended = false;
        res.on('close', () => (ended = true));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = frame.split('\n');
            if (lines[0] === 'event: batch') seen.push(JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as BatchView);
          }
        });
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], batches: () => seen, ended: () => ended, close: () => req.destroy() });
      });
      req.on('error', (err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
    });
  }
});
