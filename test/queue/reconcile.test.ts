import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/queue/reconcile.js';
import { USER_KEY_TTL_SECONDS } from '../../src/queue/state.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';

const hana = { platform: 'discord', userId: 'hana' };
const ivan = { platform: 'discord', userId: 'ivan' };

describe('records a killed process left half-written are repaired (real Redis)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const pending = (user: string) => h!.redis.hget(h!.queue.state.keys.user(user), 'pending');
  const repair = (graceMs = 0) => reconcile(h!.queue.state, h!.queue.queue, h!.queue.storage, { graceMs });

  it('a submit that wrote its batch but died before adding the jobs ends, and frees the user', async () => {
    h = await QueueHarness.create('recon-submit');
    const state = h.queue.state;
    // What submitBatch does up to the crash: reserve, store the batch; no BullMQ job is ever added.
    const r = await state.reserve('discord:hana', 2, 20);
    await state.createBatch(
      {
        batchId: 'bhalf',
        owner: hana,
        replyTo: null,
        options: {},
        audio: 'a.wav',
        inputKeys: [],
        clips: [0, 1].map((index) => ({ clipId: `bhalf-${index + 1}`, index, template: `t${index}.mp4`, renderKey: 'f'.repeat(64), priority: (r.firstPriority ?? 1) + index })),
        createdAt: Date.now() - 600_000,
      },
      'discord:hana',
    );
    expect((await h.queue.listActiveBatches()).map((b) => b.batchId)).toEqual(['bhalf']);
    expect(await pending('discord:hana')).toBe('2');

    // A young batch is left alone (its submit may still be adding jobs)…
    expect((await repair(3_600_000)).endedClips).toBe(0);
    // …an old one is ended.
    const report = await repair();
    expect(report.endedClips).toBe(2);
    const done = await h.waitBatchDone('bhalf');
    expect(done.summary).toEqual({ total: 2, done: 0, failed: 2, cancelled: 0 });
    expect(await h.queue.listActiveBatches()).toEqual([]);
    expect(await pending('discord:hana')).toBeNull();
    expect(Number(await h.redis.hget(state.keys.fair(), 'pending'))).toBe(0);
  });

  it('a cancel that removed the job but died before ending the clip is finished; other clips keep waiting', async () => {
    h = await QueueHarness.create('recon-cancel');
    const videos = await Promise.all(['x', 'y'].map((n) => h!.template(`${n}.mp4`)));
    const { batchId, clips } = await h.queue.submitBatch({ owner: ivan, audio: { path: SPEECH }, audioSeconds: 7, videos: videos.map((p) => ({ path: p, label: path.basename(p) })) });
    const victim = clips[0]!.clipId;
    // cancel() up to the crash: flag set, job removed, clip never finished.
    await h.queue.state.requestCancel(victim, 'discord:ivan');
    expect(await h.queue.queue.remove(victim)).toBe(1);
    expect(await pending('discord:ivan')).toBe('2');

    expect((await repair()).endedClips).toBe(1);
    await h.waitFor('cancelled event', () => h!.of('cancelled', batchId)[0]);
    const batch = (await h.queue.getBatch(batchId))!;
    expect(batch.status).toBe('running');
    expect(batch.clips.map((c) => c.status)).toEqual(['cancelled', 'queued']);
    expect(await pending('discord:ivan')).toBe('1');
    // A second pass changes nothing.
    expect(await repair()).toEqual({ endedClips: 0, droppedBatches: 0, fixedUsers: 0 });
  });

  it('a stuck counter (reserved, batch never written) is set back; user keys expire when left alone', async () => {
    h = await QueueHarness.create('recon-counter', { QUEUE_MAX_WAITING_PER_USER: '3' });
    await h.queue.state.reserve('discord:hana', 3, 3);
    const ttl = await h.redis.ttl(h.queue.state.keys.user('discord:hana'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(USER_KEY_TTL_SECONDS);
    const t = await h.template('z.mp4');
    const submit = () => h!.queue.submitBatch({ owner: hana, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: t, label: 'z.mp4' }] });
    await expect(submit()).rejects.toMatchObject({ code: 'queue-full' });

    // Within the grace period the reservation may belong to a submit in progress: kept.
    expect((await repair(3_600_000)).fixedUsers).toBe(0);
    expect(await pending('discord:hana')).toBe('3');
    expect((await repair()).fixedUsers).toBe(1);
    expect(await pending('discord:hana')).toBeNull();
    await submit();
    expect(await pending('discord:hana')).toBe('1');
  });
});
