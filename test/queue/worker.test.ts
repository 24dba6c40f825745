import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readEvents } from '../../src/queue/events.js';
import { SPEECH } from '../support/media.js';
import { waitUntil } from '../support/wait.js';
import { QueueHarness } from './harness.js';

const alice = { platform: 'telegram', userId: 'alice', chatId: 'c1' };
const bob = { platform: 'telegram', userId: 'bob', chatId: 'c1' };

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

describe('render worker process (real Redis, `lipsync worker` in a child process)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('renders a 3-clip batch in order, with throttled progress and one batch completion; a restarted bot rebuilds the state', async () => {
    h = await QueueHarness.create('order');
    const videos = await Promise.all(['one.mp4', 'two.mp4', 'three.mp4'].map((n) => h!.template(n)));
    const submitted = await h.queue.submitBatch({
      owner: alice,
      audio: { path: SPEECH, label: 'speech.wav' },
      videos: videos.map((p) => ({ path: p, label: path.basename(p) })),
      replyTo: { chatId: 'c1', messageId: 42 },
    });
    const { batchId } = submitted;
    expect(submitted.clips.map((c) => c.position)).toEqual([1, 2, 3]);
    expect(submitted.clips.map((c) => c.template)).toEqual(['one.mp4', 'two.mp4', 'three.mp4']);

    await h.startWorker(1500);
    await h.waitFor('first clip done', () => h!.of('clipDone', batchId)[0]);

    // A bot that restarts now: fresh connection, state from Redis, events from the batch's last event id.
    const { RenderQueue } = await import('../../src/queue/queue.js');
    const bot = new RenderQueue({ redis: h.redis, config: h.config });
    const active = await bot.listActiveBatches();
    const rebuilt = active.find((b) => b.batchId === batchId);
    expect(rebuilt?.replyTo).toEqual({ chatId: 'c1', messageId: 42 });
    expect(rebuilt?.clips[0]?.status).toBe('done');
    const resumed: string[] = [];
    const sub = await bot.subscribe((e) => void resumed.push(e.type), { fromId: rebuilt!.lastEventId ?? '0', batchIds: new Set([batchId]) });

    const done = await h.waitBatchDone(batchId);
    await h.waitFor('resumed subscription sees batchDone', () => resumed.includes('batchDone'));
    await sub.close();
    expect(done.summary).toEqual({ total: 3, done: 3, failed: 0, cancelled: 0 });
    expect(resumed.filter((t) => t === 'clipDone').length).toBeGreaterThanOrEqual(1);

    const events = h.events.filter((e) => e.batchId === batchId);
    const clipIds = submitted.clips.map((c) => c.clipId);
    expect(h.of('started', batchId).map((e) => e.clipId)).toEqual(clipIds);
    expect(h.of('clipDone', batchId).map((e) => e.clipId)).toEqual(clipIds);
    expect(h.of('batchDone', batchId)).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('batchDone');
    for (const c of submitted.clips) expect(h.of('queued', batchId).some((e) => e.clipId === c.clipId)).toBe(true);

    for (const clipId of clipIds) {
      const progress = h.of('progress', batchId).filter((e) => e.clipId === clipId);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(500);
      expect(progress.at(-1)!.progress.framesTotal).toBeGreaterThan(0);
      // Progress for a clip comes only between its start and its end.
      const startId = h.of('started', batchId).find((e) => e.clipId === clipId)!.id;
      const doneId = h.of('clipDone', batchId).find((e) => e.clipId === clipId)!.id;
      for (const p of progress) expect(p.id > startId && p.id < doneId).toBe(true);
    }

    const batch = await h.queue.getBatch(batchId);
    for (const c of batch!.clips) {
      expect(c.status).toBe('done');
      expect((await stat(c.output!.path)).size).toBe(c.output!.bytes);
    }
    // Inputs are deleted once the batch is done: by the worker, right after it has announced batchDone.
    const inputsDir = path.join(h.config.dataDir, 'inputs');
    await waitUntil('inputs deleted after batchDone', async () => (await filesUnder(inputsDir)).length === 0);
    expect(await filesUnder(inputsDir)).toEqual([]);
  });

  it('is fair: A submits 10, then B submits 1; B starts before A’s third clip', async () => {
    h = await QueueHarness.create('fair');
    await h.startWorker(300);
    const aVideos = await Promise.all(Array.from({ length: 10 }, (_, i) => h!.template(`a${i}.mp4`)));
    const a = await h.queue.submitBatch({ owner: alice, audio: { path: SPEECH }, videos: aVideos.map((p) => ({ path: p })) });
    const b = await h.queue.submitBatch({ owner: bob, audio: { path: SPEECH }, videos: [{ path: await h.template('b0.mp4') }] });
    await h.waitBatchDone(a.batchId);
    await h.waitBatchDone(b.batchId);
    const order = h.of('started').map((e) => e.clipId);
    const bIndex = order.indexOf(b.clips[0]!.clipId);
    const aThird = order.indexOf(a.clips[2]!.clipId);
    expect(bIndex).toBeGreaterThanOrEqual(0);
    expect(bIndex).toBeLessThan(aThird);
    // A's own clips keep their order.
    expect(order.filter((id) => id.startsWith(a.batchId))).toEqual(a.clips.map((c) => c.clipId));
  });

  it('cancels a waiting clip at once and an active clip within 2 s, leaving no output', async () => {
    h = await QueueHarness.create('cancel');
    await h.startWorker(20_000);
    const videos = await Promise.all(['c1.mp4', 'c2.mp4', 'c3.mp4'].map((n) => h!.template(n)));
    const s = await h.queue.submitBatch({ owner: alice, audio: { path: SPEECH }, videos: videos.map((p) => ({ path: p })) });
    const [c1, c2, c3] = s.clips.map((c) => c.clipId) as [string, string, string];
    await h.waitFor('clip 1 rendering', () => h!.of('progress').find((e) => e.clipId === c1));

    await expect(h.queue.cancel(c3, bob)).rejects.toThrow(/Only the person who started/);
    expect(await h.queue.cancel(c3, alice)).toEqual({ batchId: s.batchId, cancelled: 1 });
    expect((await h.queue.getBatch(s.batchId))!.clips[2]!.status).toBe('cancelled');

    const asked = Date.now();
    await h.queue.cancel(c1, alice);
    const cancelled = await h.waitFor('active clip cancelled', () => h!.of('cancelled').find((e) => e.clipId === c1));
    expect(cancelled.at - asked).toBeLessThan(2_000);
    expect(cancelled.by).toBe('telegram:alice');
    // Clip 2 moves up and starts; then cancel the rest of the batch as an admin would.
    await h.waitFor('clip 2 started', () => h!.of('started').find((e) => e.clipId === c2));
    const admin = { platform: 'cli', userId: 'operator' };
    await h.queue.cancel(s.batchId, admin);
    const done = await h.waitBatchDone(s.batchId);
    expect(done.summary).toEqual({ total: 3, done: 0, failed: 0, cancelled: 3 });
    expect(h.of('clipDone')).toHaveLength(0);
    // No output and no temp file left behind.
    expect(await filesUnder(path.join(h.config.dataDir, 'outputs'))).toEqual([]);
  });

  it('survives SIGKILL mid-clip: after a restart every clip is delivered exactly once', async () => {
    h = await QueueHarness.create('crash');
    const videos = await Promise.all(['k1.mp4', 'k2.mp4', 'k3.mp4'].map((n) => h!.template(n)));
    const s = await h.queue.submitBatch({ owner: alice, audio: { path: SPEECH }, videos: videos.map((p) => ({ path: p })) });
    const first = await h.startWorker(2_500);
    const c2 = s.clips[1]!.clipId;
    await h.waitFor('clip 2 mid-render', () => h!.of('progress').find((e) => e.clipId === c2 && e.progress.framesDone > 0));
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    await h.startWorker(500);
    const done = await h.waitBatchDone(s.batchId);
    expect(done.summary).toEqual({ total: 3, done: 3, failed: 0, cancelled: 0 });
    const delivered = countBy(h.of('clipDone', s.batchId), (e) => e.clipId);
    expect([...delivered.entries()].sort()).toEqual(s.clips.map((c) => [c.clipId, 1]));
    expect(h.of('started').filter((e) => e.clipId === c2).length).toBe(2);
    expect(h.of('batchDone', s.batchId)).toHaveLength(1);
  });

  it('SIGTERM finishes the current clip within the grace period, or requeues it when the period runs out', async () => {
    h = await QueueHarness.create('term');
    const videos = await Promise.all(['t1.mp4', 't2.mp4', 't3.mp4'].map((n) => h!.template(n)));
    const s = await h.queue.submitBatch({ owner: alice, audio: { path: SPEECH }, videos: videos.map((p) => ({ path: p })) });
    const [c1, c2, c3] = s.clips.map((c) => c.clipId) as [string, string, string];

    const patient = await h.startWorker(1_500, { WORKER_SHUTDOWN_GRACE_SECONDS: '60' });
    await h.waitFor('clip 1 rendering', () => h!.of('progress').find((e) => e.clipId === c1));
    patient.kill('SIGTERM');
    expect((await patient.exited).code).toBe(0);
    // Read the stream itself: the recorder may lag behind the exited process.
    const afterPatient = await readEvents(h.redis, h.prefix);
    expect(afterPatient.filter((e) => e.type === 'clipDone').map((e) => ('clipId' in e ? e.clipId : ''))).toEqual([c1]);
    expect(afterPatient.filter((e) => e.type === 'started').map((e) => ('clipId' in e ? e.clipId : ''))).toEqual([c1]);

    const hasty = await h.startWorker(30_000, { WORKER_SHUTDOWN_GRACE_SECONDS: '0.2' });
    await h.waitFor('clip 2 rendering', () => h!.of('progress').find((e) => e.clipId === c2));
    hasty.kill('SIGTERM');
    expect((await hasty.exited).code).toBe(0);
    expect((await h.queue.getBatch(s.batchId))!.clips[1]!.status).toBe('queued');
    const afterHasty = await readEvents(h.redis, h.prefix);
    expect(afterHasty.filter((e) => e.type === 'clipDone')).toHaveLength(1);
    expect(afterHasty.at(-1)).toMatchObject({ type: 'queued', clipId: c2, position: 1 });

    await h.startWorker(300);
    await h.waitBatchDone(s.batchId);
    expect(h.of('clipDone').map((e) => e.clipId)).toEqual([c1, c2, c3]);
  });

  it('dedups: the same inputs again complete without rendering; a bad template fails only its clip; a transient error retries', async () => {
    h = await QueueHarness.create('dedup');
    await h.startWorker(300);
    const good = await h.template('good.mp4');
    const bad = await h.template('bad.mp4', 'BAD-INPUT no face in here');
    const flaky = await h.template('flaky.mp4', `FLAKY ${h.prefix}`);
    const first = await h.queue.submitBatch({
      owner: alice,
      audio: { path: SPEECH },
      videos: [{ path: good, label: 'good.mp4' }, { path: bad, label: 'bad.mp4' }, { path: flaky, label: 'flaky.mp4' }, { path: good, label: 'again.mp4' }],
    });
    const done1 = await h.waitBatchDone(first.batchId);
    expect(done1.summary).toEqual({ total: 4, done: 3, failed: 1, cancelled: 0 });
    const failed = h.of('clipFailed', first.batchId);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.clipId).toBe(first.clips[1]!.clipId);
    expect(failed[0]!.reason).toEqual({ code: 'no-face', message: "I couldn't find a face in bad.mp4. Use a video where one face looks at the camera." });
    expect(h.of('started').filter((e) => e.clipId === first.clips[1]!.clipId)).toHaveLength(1);
    expect(h.of('started').filter((e) => e.clipId === first.clips[2]!.clipId)).toHaveLength(2);
    // The duplicate template in the same batch reused the first render.
    const outputs = h.of('clipDone', first.batchId);
    expect(outputs.find((e) => e.clipId === first.clips[3]!.clipId)?.output.cached).toBe(true);
    const rendersBefore = (await h.rendersStarted()).length;

    const again = await h.queue.submitBatch({ owner: bob, audio: { path: SPEECH }, videos: [{ path: good }, { path: flaky }] });
    expect(again.clips.map((c) => [c.status, c.cached])).toEqual([
      ['done', true],
      ['done', true],
    ]);
    const done2 = await h.waitBatchDone(again.batchId);
    expect(done2.summary.done).toBe(2);
    expect(h.of('started', again.batchId)).toHaveLength(0);
    expect((await h.rendersStarted()).length).toBe(rendersBefore);
    const [o1] = h.of('clipDone', again.batchId);
    expect(o1!.output.path).toBe(outputs[0]!.output.path);
  });
});
