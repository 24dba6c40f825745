import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderKey } from '../../src/queue/dedup.js';
import type { Owner } from '../../src/queue/types.js';
import { SPEECH } from '../support/media.js';
import { localOutputPath } from '../support/storage.js';
import { QueueHarness } from './harness.js';

const carol: Owner = { platform: 'telegram', userId: 'carol', chatId: 'c1' };
const dave: Owner = { platform: 'discord', userId: 'dave' };
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('batch history and logs (real Redis, no worker)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function submit(owner: Owner, name: string) {
    const file = await h!.template(name);
    return h!.queue.submitBatch({ owner, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: file, label: name }] });
  }

  it('pages a user’s batches newest first, 20 a page, only their own, and drops expired ones', async () => {
    h = await QueueHarness.create('history', { QUEUE_MAX_WAITING_PER_USER: '100' });
    const submitted: string[] = [];
    for (let i = 0; i < 45; i++) submitted.push((await submit(carol, `c${i}.mp4`)).batchId);
    const daves = [(await submit(dave, 'd0.mp4')).batchId, (await submit(dave, 'd1.mp4')).batchId];

    const pages = await Promise.all([1, 2, 3, 4].map((p) => h!.queue.listBatches(carol, p)));
    expect(pages.map((p) => p.total)).toEqual([45, 45, 45, 45]);
    expect(pages.map((p) => p.batches.length)).toEqual([20, 20, 5, 0]);
    const listed = pages.flatMap((p) => p.batches);
    expect(new Set(listed.map((b) => b.batchId))).toEqual(new Set(submitted));
    expect(listed.map((b) => b.batchId)).toHaveLength(45);
    for (let i = 1; i < listed.length; i++) expect(listed[i - 1]!.createdAt).toBeGreaterThanOrEqual(listed[i]!.createdAt);
    // Newest first: the last batch submitted opens page 1 unless another shares its millisecond.
    const newest = listed[0]!;
    expect(newest.createdAt).toBe(Math.max(...listed.map((b) => b.createdAt)));
    expect(listed.every((b) => b.owner.userId === 'carol')).toBe(true);
    // Same user on another chat of the same platform: the same history. Other users: their own or none.
    expect((await h.queue.listBatches({ platform: 'telegram', userId: 'carol', chatId: 'other' }, 1)).total).toBe(45);
    const davesPage = await h.queue.listBatches(dave, 1);
    expect(davesPage.total).toBe(2);
    expect(new Set(davesPage.batches.map((b) => b.batchId))).toEqual(new Set(daves));
    expect(await h.queue.listBatches({ platform: 'discord', userId: 'carol' }, 1)).toEqual({ total: 0, batches: [] });
    expect(await h.queue.listBatches({ platform: 'telegram', userId: 'eve' }, 1)).toEqual({ total: 0, batches: [] });
    // Page sizes other than 20, and out-of-range pages.
    expect((await h.queue.listBatches(carol, 5, 10)).batches).toHaveLength(5);
    expect((await h.queue.listBatches(carol, 0, 10)).batches.map((b) => b.batchId)).toEqual(listed.slice(0, 10).map((b) => b.batchId));

    // Finished batches stay listed while their records live.
    for (const id of submitted) await h.queue.cancel(id, carol);
    expect((await h.queue.listBatches(carol, 1)).batches.every((b) => b.status === 'finished')).toBe(true);
    expect(await h.redis.ttl(h.queue.state.keys.history('telegram:carol'))).toBeGreaterThan(0);

    // Records that expired (as finished batches do after the retention TTL) drop out of the history and its count.
    const expired = submitted.slice(0, 5);
    for (const id of expired) await h.redis.del(h.queue.state.keys.batch(id));
    const after = await h.queue.listBatches(carol, 3);
    expect(after.total).toBe(40);
    expect(after.batches).toEqual([]);
    expect(await h.redis.zcard(h.queue.state.keys.history('telegram:carol'))).toBe(40);
  });

  it('logs each clip’s story in order: queued, reused from the cache, cancelled', async () => {
    h = await QueueHarness.create('log');
    // A stored output for SPEECH + "cached face" makes that template a cache hit.
    const content = 'cached face';
    const key = renderKey(sha256(await readFile(SPEECH)), sha256(content), {}, h.config.cacheSalt);
    const file = localOutputPath(h.queue.storage, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'mp4');
    const cached = await h.template('cached.mp4', content);
    const fresh = await h.template('fresh.mp4');
    const other = await h.template('other.mp4');
    const t0 = Date.now();
    const { batchId, clips } = await h.queue.submitBatch({
      owner: carol,
      audio: { path: SPEECH },
      audioSeconds: 7,
      videos: [
        { path: fresh, label: 'fresh.mp4' },
        { path: cached, label: 'cached.mp4' },
        { path: other, label: 'other.mp4' },
      ],
    });
    expect(clips.map((c) => c.cached)).toEqual([false, true, false]);
    await h.queue.cancel(clips[2]!.clipId, carol);
    await h.queue.cancel(batchId, carol);

    const log = await h.queue.batchLog(batchId);
    expect(log.map((e) => [e.kind, e.index])).toEqual([
      ['queued', 0],
      ['queued', 2],
      ['cached', 1],
      ['cancelled', 2],
      ['cancelled', 0],
    ]);
    expect(log.map((e) => e.clipId)).toEqual([clips[0], clips[2], clips[1], clips[2], clips[0]].map((c) => c!.clipId));
    for (let i = 0; i < log.length; i++) {
      expect(log[i]!.at).toBeGreaterThanOrEqual(i === 0 ? t0 : log[i - 1]!.at);
      expect(log[i]!.at).toBeLessThanOrEqual(Date.now());
    }
    // The log lives as long as the finished batch's records.
    const ttl = await h.redis.ttl(h.queue.state.keys.batchLog(batchId));
    expect(ttl).toBeGreaterThan(0);
    expect(Math.abs(ttl - (await h.redis.ttl(h.queue.state.keys.batch(batchId))))).toBeLessThanOrEqual(1);
    expect(await h.queue.batchLog('b-nothing-here')).toEqual([]);
  });

  it('a retried clip waits its fair turn like a new submission, and its batch runs again', async () => {
    h = await QueueHarness.create('retry-fair');
    const mine = await submit(carol, 'mine.mp4');
    // The clip fails as the reconciler fails a lost one; its old job is still in BullMQ and must make way.
    await h.queue.state.finish(mine.clips[0]!.clipId, { status: 'failed', error: { code: 'internal', message: 'Something went wrong.' } });
    expect((await h.queue.getBatch(mine.batchId))?.status).toBe('finished');
    expect(await h.redis.exists(h.queue.state.keys.user('telegram:carol'))).toBe(0);

    const theirs = await h.queue.submitBatch({
      owner: dave,
      audio: { path: SPEECH },
      audioSeconds: 7,
      videos: await Promise.all(['x.mp4', 'y.mp4', 'z.mp4'].map(async (n) => ({ path: await h!.template(n) }))),
    });
    await h.queue.retryClip(mine.clips[0]!.clipId, carol);
    // Right after Dave's first clip, ahead of his backlog, as a new one-clip batch would be.
    expect((await h.queue.batchPositions(mine.batchId)).map((p) => [p.status, p.position])).toEqual([['queued', 2]]);
    expect((await h.queue.batchPositions(theirs.batchId)).map((p) => p.position)).toEqual([1, 3, 4]);
    const queued = await h.waitFor('queued event of the retried clip', () => h!.of('queued', mine.batchId).find((e) => e.position === 2));
    expect(queued.clipId).toBe(mine.clips[0]!.clipId);
    const batch = (await h.queue.getBatch(mine.batchId))!;
    expect(batch.status).toBe('running');
    expect(batch.finishedAt).toBeNull();
    expect(batch.summary).toEqual({ total: 1, done: 0, failed: 0, cancelled: 0 });
    expect(batch.clips[0]).toMatchObject({ status: 'queued', error: null, finishedAt: null });
    expect((await h.queue.listActiveBatches()).map((b) => b.batchId)).toContain(mine.batchId);
    expect(await h.redis.ttl(h.queue.state.keys.batch(mine.batchId))).toBe(-1);
    expect(await h.redis.hget(h.queue.state.keys.user('telegram:carol'), 'pending')).toBe('1');
    expect((await h.queue.batchLog(mine.batchId)).map((e) => e.kind)).toEqual(['queued', 'failed', 'retried']);
    // Cancelling it again ends the batch again.
    await h.queue.cancel(mine.batchId, carol);
    expect((await h.queue.getBatch(mine.batchId))?.summary).toEqual({ total: 1, done: 0, failed: 0, cancelled: 1 });
    expect(await h.redis.exists(h.queue.state.keys.user('telegram:carol'))).toBe(0);
  });

  it('logs a failure with its code and params, as the catalogs word it', async () => {
    h = await QueueHarness.create('log-failure');
    const { batchId, clips } = await submit(carol, 'long.mp4');
    // How a worker ends a clip whose template the pipeline refused (InputError with params).
    const params = { subject: 'template', label: 'long.mp4', seconds: 612.5, maxSeconds: 600, decodedPast: false };
    await h.queue.state.finish(clips[0]!.clipId, { status: 'failed', error: { code: 'too-long', message: 'long.mp4 is too long.', params } });
    const log = await h.queue.batchLog(batchId);
    expect(log.map((e) => e.kind)).toEqual(['queued', 'failed']);
    expect(log[1]).toEqual({ at: expect.any(Number), clipId: clips[0]!.clipId, index: 0, kind: 'failed', code: 'too-long', params });
  });
});
