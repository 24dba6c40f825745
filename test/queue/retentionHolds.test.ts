import { createHash } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderKey } from '../../src/queue/dedup.js';
import { runRetention, type RetentionRefs } from '../../src/queue/retention.js';
import type { Storage } from '../../src/queue/storage.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';
import { localOutputPath } from '../support/storage.js';

const HOUR = 3_600_000;
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const owner = { platform: 'telegram', userId: 'gina' };

describe('retention never deletes what a batch still needs (real Redis)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function storeOutput(key: string, bytes: number, ageMs: number): Promise<void> {
    const file = localOutputPath(h!.queue.storage, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.alloc(bytes, 7));
    const t = new Date(Date.now() - ageMs);
    await utimes(file, t, t);
  }

  /** The render key a batch of SPEECH + this template content gets, so a stored output makes it a cache hit. */
  async function keyFor(content: string): Promise<string> {
    return renderKey(sha256(await readFile(SPEECH)), sha256(content), {}, h!.config.cacheSalt);
  }

  const refs = (): RetentionRefs => ({
    isInputReferenced: (k) => h!.queue.state.isInputReferenced(k),
    isOutputHeld: (k, now) => h!.queue.state.isOutputHeld(k, now),
  });
  const settings = { outputTtlMs: 7 * 24 * HOUR, diskCapBytes: 0, intervalMs: HOUR, inputGraceMs: HOUR };
  const outputs = async () => (await h!.queue.storage.list('outputs')).map((e) => e.key).sort();

  it('an output a dedup hit refreshes during the pass survives the TTL step', async () => {
    h = await QueueHarness.create('ret-refresh');
    const key = await keyFor('old face');
    await storeOutput(key, 100, 8 * 24 * HOUR);
    const real = h.queue.storage;
    // A cache hit lands right after the pass listed the outputs: it touches the file, as submitBatch does.
    const racing: Storage = Object.assign(Object.create(real) as Storage, {
      list: async (area: 'inputs' | 'outputs') => {
        const entries = await real.list(area);
        if (area === 'outputs') await real.touchOutput(key);
        return entries;
      },
    });
    const report = await runRetention(racing, refs(), settings);
    expect(report.removedOutputs).toBe(0);
    expect(await outputs()).toEqual([key]);
  });

  it('the disk cap skips fresh outputs of running and unexpired batches, and frees the rest', async () => {
    h = await QueueHarness.create('ret-cap');
    const orphan = await keyFor('nobody needs this');
    await storeOutput(orphan, 1000, 2 * HOUR);
    // Batch 1: finished at once (a cache hit), its clip not delivered yet.
    const delivered = await keyFor('face one');
    await storeOutput(delivered, 1000, 3 * HOUR);
    const t1 = await h.template('one.mp4', 'face one');
    const b1 = await h.queue.submitBatch({ owner, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: t1, label: 'one.mp4' }] });
    expect((await h.queue.getBatch(b1.batchId))!.status).toBe('finished');
    // Batch 2: one clip done (cache hit), one still waiting: the batch is running.
    const running = await keyFor('face two');
    await storeOutput(running, 1000, 4 * HOUR);
    const t2 = await h.template('two.mp4', 'face two');
    const t3 = await h.template('three.mp4', 'face three');
    const b2 = await h.queue.submitBatch({ owner, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: t2, label: 'two.mp4' }, { path: t3, label: 'three.mp4' }] });
    expect((await h.queue.getBatch(b2.batchId))!.status).toBe('running');

    const report = await runRetention(h.queue.storage, refs(), { ...settings, diskCapBytes: 1 });
    expect(await outputs()).toEqual([delivered, running].sort());
    expect(report.removedOutputs).toBe(1);

    // Once the running batch ends, its output is held as long as the batch's records live (not less).
    await h.queue.cancel(b2.batchId, owner);
    expect((await h.queue.getBatch(b2.batchId))!.status).toBe('finished');
    expect(await h.queue.state.isOutputHeld(running)).toBe(true);
    expect(await h.queue.state.isOutputHeld(running, Date.now() + settings.outputTtlMs + HOUR)).toBe(false);
  });
});
