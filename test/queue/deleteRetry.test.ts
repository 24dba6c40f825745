import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { renderKey } from '../../src/queue/dedup.js';
import type { Owner } from '../../src/queue/types.js';
import { SPEECH } from '../support/media.js';
import { localOutputPath } from '../support/storage.js';
import { waitUntil } from '../support/wait.js';
import { QueueHarness } from './harness.js';

const gina: Owner = { platform: 'telegram', userId: 'gina', chatId: 'g1' };
const hugo: Owner = { platform: 'telegram', userId: 'hugo' };
const operator: Owner = { platform: 'cli', userId: 'ops' };
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('deleting batches and retrying failed clips (real Redis, `lipsync worker` in a child process)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** Every key of ours that still names this batch (its records, log, history entry, output sets). */
  async function keysNaming(batchId: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await h!.redis.scan(cursor, 'MATCH', `${h!.prefix}:ls:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        if (k.includes(batchId)) found.push(k);
        else if ((await h!.redis.type(k)) === 'zset' && (await h!.redis.zscore(k, batchId)) !== null) found.push(k);
        else if ((await h!.redis.type(k)) === 'set' && (await h!.redis.sismember(k, batchId)) === 1) found.push(k);
      }
    } while (cursor !== '0');
    return found;
  }

  const outputExists = async (key: string) => (await h!.queue.storage.statOutput(key)) !== null;

  it('deletes a finished batch with its records and outputs, keeping an output another batch shares', async () => {
    h = await QueueHarness.create('delete');
    const shared = await h.template('shared.mp4');
    const own = await h.template('own.mp4');
    await h.startWorker(100);
    const first = await h.queue.submitBatch({
      owner: gina,
      audio: { path: SPEECH },
      audioSeconds: 7,
      videos: [
        { path: shared, label: 'shared.mp4' },
        { path: own, label: 'own.mp4' },
      ],
    });
    await h.waitBatchDone(first.batchId);
    // The second batch reuses the first one's output of the same template (same bytes, same audio).
    const second = await h.queue.submitBatch({ owner: hugo, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: shared, label: 'again.mp4' }] });
    expect(second.clips[0]!.cached).toBe(true);
    const firstState = (await h.queue.getBatch(first.batchId))!;
    const [sharedKey, ownKey] = firstState.clips.map((c) => c.output!.key);
    expect(await outputExists(sharedKey!)).toBe(true);
    expect(await outputExists(ownKey!)).toBe(true);

    await expect(h.queue.deleteBatch(first.batchId, hugo)).rejects.toMatchObject({ code: 'not-owner' });
    await expect(h.queue.deleteBatch('b-no-such-batch', gina)).rejects.toMatchObject({ code: 'not-found' });
    expect((await h.queue.getBatch(first.batchId))?.status).toBe('finished');

    await h.queue.deleteBatch(first.batchId, gina);
    expect(await h.queue.getBatch(first.batchId)).toBeNull();
    expect(await h.queue.state.getClip(first.clips[0]!.clipId)).toBeNull();
    expect(await h.queue.batchLog(first.batchId)).toEqual([]);
    expect(await h.queue.listBatches(gina, 1)).toEqual({ total: 0, batches: [] });
    expect(await keysNaming(first.batchId)).toEqual([]);
    expect(await outputExists(ownKey!)).toBe(false);
    expect(await outputExists(sharedKey!)).toBe(true);
    expect((await h.queue.getBatch(second.batchId))?.clips[0]?.output?.key).toBe(sharedKey);

    // Twice is harmless; the last batch that references the shared output takes it along.
    await expect(h.queue.deleteBatch(first.batchId, gina)).rejects.toBeInstanceOf(InputError);
    await h.queue.deleteBatch(second.batchId, operator);
    expect(await outputExists(sharedKey!)).toBe(false);
    expect(await keysNaming(second.batchId)).toEqual([]);
    expect(await h.queue.storage.list('outputs')).toEqual([]);
  });

  it('deletes a running batch: its clips are cancelled, counters and inputs freed, and followers get batchDone', async () => {
    h = await QueueHarness.create('delete-running');
    const videos = await Promise.all(['r1.mp4', 'r2.mp4', 'r3.mp4'].map((n) => h!.template(n)));
    // A fourth template is a cache hit: done at once, its output counted as used by this running batch.
    const cachedContent = 'rendered before';
    const cachedKey = renderKey(sha256(await readFile(SPEECH)), sha256(cachedContent), {}, h.config.cacheSalt);
    const cachedFile = localOutputPath(h.queue.storage, cachedKey);
    await mkdir(path.dirname(cachedFile), { recursive: true });
    await writeFile(cachedFile, 'mp4');
    videos.push(await h.template('cached.mp4', cachedContent));
    const worker = await h.startWorker(60_000);
    const { batchId, clips } = await h.queue.submitBatch({ owner: gina, audio: { path: SPEECH }, audioSeconds: 7, videos: videos.map((p) => ({ path: p })) });
    expect(clips.map((c) => c.cached)).toEqual([false, false, false, true]);
    await h.waitFor('first clip rendering', () => h!.of('progress', batchId)[0]);
    expect(await h.queue.state.isOutputHeld(cachedKey)).toBe(true);

    // A worker slow to react: the clip it renders is still active when the records go.
    worker.kill('SIGSTOP');
    await h.queue.deleteBatch(batchId, gina);
    worker.kill('SIGCONT');
    expect(await h.queue.getBatch(batchId)).toBeNull();
    expect(await keysNaming(batchId)).toEqual([]);
    const done = await h.waitBatchDone(batchId);
    expect(done.summary).toEqual({ total: 4, done: 1, failed: 0, cancelled: 3 });
    expect(await h.queue.state.isOutputHeld(cachedKey)).toBe(false);
    expect(await outputExists(cachedKey)).toBe(false);
    expect(await h.redis.exists(h.queue.state.keys.user('telegram:gina'))).toBe(0);
    expect(await h.redis.hget(h.queue.state.keys.fair(), 'pending')).toBe('0');
    await waitUntil('inputs released', async () => (await h!.queue.storage.list('inputs')).length === 0);
    // The worker let go of the aborted clip and takes new work.
    const next = await h.queue.submitBatch({ owner: gina, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: await h.template('next.mp4') }] });
    await h.waitFor('next batch starts', () => h!.of('started', next.batchId)[0]);
    expect(h.of('clipDone', batchId).map((e) => e.clipId)).toEqual([clips[3]!.clipId]);
  });

  it('retries a failed clip: its inputs were kept, it renders again fairly, the batch ends again and the log tells it all', async () => {
    // One attempt: the "FLAKY" template's first render fails for good; the same worker renders it fine next time.
    h = await QueueHarness.create('retry', { QUEUE_ATTEMPTS: '1' });
    const good = await h.template('good.mp4');
    const flaky = await h.template('flaky.mp4', `FLAKY-${h.prefix}`);
    await h.startWorker(100);
    const { batchId, clips } = await h.queue.submitBatch({
      owner: gina,
      audio: { path: SPEECH },
      audioSeconds: 7,
      videos: [
        { path: good, label: 'good.mp4' },
        { path: flaky, label: 'flaky.mp4' },
      ],
    });
    const firstDone = await h.waitBatchDone(batchId);
    expect(firstDone.summary).toEqual({ total: 2, done: 1, failed: 1, cancelled: 0 });
    const failedClip = clips[1]!.clipId;
    expect((await h.queue.state.getClip(failedClip))?.error?.code).toBe('internal');
    // The batch keeps its inputs for a retry.
    expect(await h.queue.storage.list('inputs')).toHaveLength(3);

    await expect(h.queue.retryClip(failedClip, hugo)).rejects.toMatchObject({ code: 'not-owner' });
    await expect(h.queue.retryClip(clips[0]!.clipId, gina)).rejects.toMatchObject({ code: 'not-retryable' });
    await expect(h.queue.retryClip('b-nothing-1', gina)).rejects.toMatchObject({ code: 'not-found' });

    const eventsBefore = h.events.length;
    await h.queue.retryClip(failedClip, gina);
    // Twice in a row: the clip is no longer failed.
    await expect(h.queue.retryClip(failedClip, gina)).rejects.toMatchObject({ code: 'not-retryable' });
    const again = await h.waitFor('second batchDone', () => h!.of('batchDone', batchId)[1]);
    expect(again.summary).toEqual({ total: 2, done: 2, failed: 0, cancelled: 0 });
    const after = h.events.slice(eventsBefore).filter((e) => e.batchId === batchId);
    expect(after.map((e) => e.type).filter((t) => t !== 'progress' && t !== 'queued')).toEqual(['started', 'clipDone', 'batchDone']);
    const batch = (await h.queue.getBatch(batchId))!;
    expect(batch.status).toBe('finished');
    expect(batch.clips.map((c) => c.status)).toEqual(['done', 'done']);
    expect(batch.clips[1]!.error).toBeNull();
    expect(await outputExists(batch.clips[1]!.output!.key)).toBe(true);
    expect((await h.queue.listActiveBatches()).map((b) => b.batchId)).toEqual([]);
    // Counters are back to zero, and once nothing failed the inputs go as usual.
    expect(await h.redis.exists(h.queue.state.keys.user('telegram:gina'))).toBe(0);
    expect(await h.redis.hget(h.queue.state.keys.fair(), 'pending')).toBe('0');
    await waitUntil('inputs released', async () => (await h!.queue.storage.list('inputs')).length === 0);

    const log = await h.queue.batchLog(batchId);
    const story = (index: number) => log.filter((e) => e.index === index).map((e) => (e.code ? `${e.kind}:${e.code}` : e.kind));
    expect(story(0)).toEqual(['queued', 'started', 'done']);
    expect(story(1)).toEqual(['queued', 'started', 'failed:internal', 'retried', 'started', 'done']);
    for (let i = 1; i < log.length; i++) expect(log[i]!.at).toBeGreaterThanOrEqual(log[i - 1]!.at);
  });

  it('a failed batch keeps its inputs only while it is kept; retention frees them after it expires', async () => {
    h = await QueueHarness.create('retry-expired');
    const bad = await h.template('bad.mp4', `BAD-INPUT-${h.prefix}`);
    await h.startWorker(50);
    const { batchId, clips } = await h.queue.submitBatch({ owner: gina, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: bad, label: 'bad.mp4' }] });
    await h.waitBatchDone(batchId);
    const log = await h.queue.batchLog(batchId);
    expect(log.at(-1)).toMatchObject({ kind: 'failed', code: 'no-face', clipId: clips[0]!.clipId });
    const inputs = (await h.queue.storage.list('inputs')).map((e) => e.key);
    expect(inputs).toHaveLength(2);
    for (const key of inputs) expect(await h.queue.state.isInputReferenced(key)).toBe(true);

    // As when the batch's records expire: the hold ends (the reconciler does this every minute).
    const ttlMs = h.queue.state.finishedTtl * 1000;
    expect(await h.queue.state.history.releaseExpiredInputHolds(Date.now())).toBe(0);
    expect(await h.queue.state.history.releaseExpiredInputHolds(Date.now() + ttlMs + 1_000)).toBe(1);
    for (const key of inputs) expect(await h.queue.state.isInputReferenced(key)).toBe(false);
    await expect(h.queue.retryClip(clips[0]!.clipId, gina)).rejects.toMatchObject({ code: 'not-retryable' });
  });
});
