import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';

const carol = { platform: 'discord', userId: 'carol' };
const dave = { platform: 'discord', userId: 'dave' };

describe('submitting batches (real Redis, no worker)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('refuses politely past the per-user limits; admins and the local operator are exempt from counts', async () => {
    h = await QueueHarness.create('limits', {
      QUEUE_MAX_CLIPS_PER_BATCH: '3',
      QUEUE_MAX_WAITING_PER_USER: '4',
      QUEUE_MAX_AUDIO_SECONDS: '60',
      QUEUE_ADMIN_IDS: 'discord:boss',
    });
    const v = await Promise.all(['1', '2', '3', '4', '5'].map((n) => h!.template(`v${n}.mp4`)));
    const videos = (n: number) => v.slice(0, n).map((p) => ({ path: p, label: path.basename(p) }));

    const tooMany = h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: videos(4) });
    await expect(tooMany).rejects.toBeInstanceOf(InputError);
    await expect(tooMany).rejects.toMatchObject({ code: 'too-many-clips', message: 'That is 4 videos; one batch can have at most 3. Split them into smaller batches.' });

    await expect(h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: [] })).rejects.toMatchObject({ code: 'no-templates' });

    // The fixture is ~7 s long; with a 5 s limit the probe refuses it.
    const strict = await QueueHarness.create('limits-audio', { QUEUE_MAX_AUDIO_SECONDS: '5' });
    try {
      await expect(strict.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: videos(1) })).rejects.toMatchObject({
        code: 'audio-too-long',
        message: expect.stringMatching(/^The audio is 7 s long; the limit is 5 s\. Trim it/),
      });
      const notAudio = await strict.template('notes.txt', 'not audio at all');
      await expect(strict.queue.submitBatch({ owner: carol, audio: { path: notAudio, label: 'notes.txt' }, videos: videos(1) })).rejects.toMatchObject({
        code: 'unreadable-audio',
      });
    } finally {
      await strict.close();
    }

    await h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: videos(3) });
    const full = h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: videos(2) });
    await expect(full).rejects.toMatchObject({
      code: 'queue-full',
      message: 'You already have 3 clips waiting and this batch adds 2; the limit is 4. You can add 1 more right now.',
    });
    // Another user is not affected; the admin and the operator may exceed both limits.
    await h.queue.submitBatch({ owner: dave, audio: { path: SPEECH }, videos: videos(3) });
    await h.queue.submitBatch({ owner: { platform: 'discord', userId: 'boss' }, audio: { path: SPEECH }, videos: videos(5) });
    await h.queue.submitBatch({ owner: { platform: 'cli', userId: 'me' }, audio: { path: SPEECH }, videos: videos(5) });

    // Cancelling frees the slots again.
    const mine = (await h.queue.listActiveBatches()).find((x) => x.owner.userId === 'carol');
    expect(mine?.owner).toEqual(carol);
    await h.queue.cancel(mine!.batchId, carol);
    await h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: videos(3) });
  });

  it('reports queue positions and ETAs, interleaving users', async () => {
    h = await QueueHarness.create('positions');
    const v = await Promise.all(['p1', 'p2', 'p3', 'q1'].map((n) => h!.template(`${n}.mp4`)));
    const a = await h.queue.submitBatch({ owner: carol, audio: { path: SPEECH }, videos: v.slice(0, 3).map((p) => ({ path: p })) });
    const b = await h.queue.submitBatch({ owner: dave, audio: { path: SPEECH }, videos: [{ path: v[3]! }] });
    expect(a.clips.map((c) => c.position)).toEqual([1, 2, 3]);
    // Dave's one clip goes right after Carol's first, ahead of her backlog.
    expect(b.clips.map((c) => c.position)).toEqual([2]);
    expect((await h.queue.batchPositions(a.batchId)).map((p) => p.position)).toEqual([1, 3, 4]);
    expect(a.clips[0]!.etaSeconds).toBeNull(); // no render measured yet

    await h.queue.state.recordRenderSeconds(10);
    const positions = await h.queue.batchPositions(a.batchId);
    expect(positions.map((p) => [p.position, p.etaSeconds])).toEqual([
      [1, 10],
      [3, 30],
      [4, 40],
    ]);
    const queued = await h.waitFor('queued events', () => h!.of('queued').length >= 4 && h!.of('queued'));
    expect(queued.find((e) => e.clipId === b.clips[0]!.clipId)?.position).toBe(2);
  });
});
