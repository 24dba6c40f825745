import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { admissionFor, receiveFiles, type IntakeDeps } from '../../src/bots/core/intake.js';
import type { IncomingFile } from '../../src/bots/core/incoming.js';
import { words } from '../../src/bots/core/wording.js';
import { IntakeGate } from '../../src/queue/intake.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness, silentLog } from './harness.js';

const erin = { platform: 'telegram', userId: 'erin' };
const frank = { platform: 'telegram', userId: 'frank' };
const MB = 1024 * 1024;

/** A platform file whose download writes `bytes` bytes, counted in `log`; `hold` lets a test keep it in flight. */
function video(name: string, log: { started: string[]; inFlight: number; max: number }, hold?: () => Promise<void>): IncomingFile {
  return {
    kind: 'video',
    fileName: name,
    mimeType: 'video/mp4',
    sizeBytes: 1000,
    async download(dest) {
      log.started.push(name);
      log.inFlight++;
      log.max = Math.max(log.max, log.inFlight);
      try {
        await hold?.();
        await writeFile(dest, `bytes of ${name}`);
      } finally {
        log.inFlight--;
      }
    },
  };
}

function intakeDeps(h: QueueHarness, owner: { platform: string; userId: string }): IntakeDeps {
  return {
    platformLimits: { uploadBytes: 50 * MB, downloadBytes: 20 * MB, downloadLimitLiftable: false, editIntervalMs: 1000, maxTextLength: 4000 },
    limits: { maxAudioSeconds: 300, maxTemplateSeconds: 300 },
    inspector: { audio: async () => ({ seconds: 7 }), template: async () => ({ seconds: 3 }) },
    log: silentLog,
    admission: admissionFor(h.queue, owner),
  };
}

describe('admission before downloads (real Redis)', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a user at the waiting limit is refused before anything is copied into storage', async () => {
    h = await QueueHarness.create('quota-copy', { QUEUE_MAX_WAITING_PER_USER: '2' });
    const first = await Promise.all(['a', 'b'].map((n) => h!.template(`${n}.mp4`)));
    await h.queue.submitBatch({ owner: erin, audio: { path: SPEECH }, audioSeconds: 7, videos: first.map((p) => ({ path: p, label: path.basename(p) })) });
    const before = (await h.queue.storage.list('inputs')).map((e) => e.key).sort();
    expect(before).toHaveLength(3);

    const more = await Promise.all(['c', 'd', 'e'].map((n) => h!.template(`${n}.mp4`)));
    const refused = h.queue.submitBatch({ owner: erin, audio: { path: SPEECH }, audioSeconds: 7, videos: more.map((p) => ({ path: p, label: path.basename(p) })) });
    await expect(refused).rejects.toMatchObject({ code: 'queue-full' });
    expect((await h.queue.storage.list('inputs')).map((e) => e.key).sort()).toEqual(before);
    expect(await readdir(path.join(h.config.dataDir, 'tmp')).catch(() => [])).toEqual([]);
    // The refused try left the user's counter as it was.
    expect(await h.redis.hget(h.queue.state.keys.user('telegram:erin'), 'pending')).toBe('2');
  });

  it('quota and disk are reserved before downloading: refused files are never fetched', async () => {
    h = await QueueHarness.create('quota-dl', { QUEUE_MAX_WAITING_PER_USER: '3' });
    const dir = path.join(h.dir, 'dl');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const log = { started: [] as string[], inFlight: 0, max: 0 };

    // Erin has 2 waiting; 10 more are refused without a single download.
    const two = await Promise.all(['a', 'b'].map((n) => h!.template(`${n}.mp4`)));
    await h.queue.submitBatch({ owner: erin, audio: { path: SPEECH }, audioSeconds: 7, videos: two.map((p) => ({ path: p, label: path.basename(p) })) });
    const ten = Array.from({ length: 10 }, (_, i) => video(`v${i}.mp4`, log));
    const got = await receiveFiles(intakeDeps(h, erin), dir, ten, false, 1);
    expect(got.templates).toEqual([]);
    expect(got.refusals).toEqual(['You already have 2 clips waiting and this batch adds 10; the limit is 3. You can add 1 more right now.']);
    expect(log.started).toEqual([]);

    // One fits, and the reservation is released afterwards.
    const one = await receiveFiles(intakeDeps(h, erin), dir, [video('ok.mp4', log)], false, 1);
    expect(one.templates).toHaveLength(1);
    expect(log.started).toEqual(['ok.mp4']);
    expect(await h.redis.hlen(h.queue.state.keys.intake())).toBe(0);

    // A reservation in flight counts against the same user's quota.
    const held = await h.queue.reserveIntake(erin, { clips: 1, bytes: 0 });
    await expect(h.queue.reserveIntake(erin, { clips: 1, bytes: 0 })).rejects.toMatchObject({ code: 'queue-full' });
    await held.release();
    const again = await h.queue.reserveIntake(erin, { clips: 1, bytes: 0 });
    await again.release();
  });

  it('past the disk budget everyone gets "busy, try later" and nothing is downloaded', async () => {
    // A 4 KB budget: DATA_DIR already holds more once a batch's inputs are stored.
    h = await QueueHarness.create('budget', { QUEUE_DISK_BUDGET_MB: String(4096 / MB) });
    const dir = path.join(h.dir, 'dl');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const log = { started: [] as string[], inFlight: 0, max: 0 };
    const small = await receiveFiles(intakeDeps(h, frank), dir, [video('small.mp4', log)], false, 1);
    expect(small.templates).toHaveLength(1);

    const t = await h.template('t.mp4');
    await h.queue.submitBatch({ owner: frank, audio: { path: SPEECH }, audioSeconds: 7, videos: [{ path: t, label: 't.mp4' }] });
    const fresh = new IntakeGate(h.redis, h.prefix, h.queue.storage, h.config.intake, h.config.limits.maxWaitingPerUser);
    const got = await receiveFiles({ ...intakeDeps(h, erin), admission: { reserve: (w) => fresh.reserve('telegram:erin', w), slot: (fn) => fresh.slot(fn) } }, dir, [video('big.mp4', log)], false, 1);
    expect(got.refusals).toEqual([words.busyTryLater]);
    expect(log.started).toEqual(['small.mp4']);
  });

  it('a reservation whose holder died expires by itself', async () => {
    h = await QueueHarness.create('resv-ttl', { QUEUE_MAX_WAITING_PER_USER: '1', QUEUE_RESERVATION_TTL_MINUTES: '1' });
    let now = 1_000_000;
    const gate = new IntakeGate(h.redis, h.prefix, h.queue.storage, h.config.intake, 1, () => now);
    await gate.reserve('telegram:erin', { clips: 1, bytes: 10 });
    await expect(gate.reserve('telegram:erin', { clips: 1, bytes: 10 })).rejects.toMatchObject({ code: 'queue-full' });
    now += 61_000;
    const r = await gate.reserve('telegram:erin', { clips: 1, bytes: 10 });
    expect(await h.redis.hlen(h.queue.state.keys.intake())).toBe(1);
    const ttl = await h.redis.pttl(h.queue.state.keys.intake());
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await r.release();
  });

  it('downloads and probes run at most QUEUE_MAX_CONCURRENT_DOWNLOADS at once, across users', async () => {
    h = await QueueHarness.create('slots', { QUEUE_MAX_CONCURRENT_DOWNLOADS: '2' });
    const dir = path.join(h.dir, 'dl');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const log = { started: [] as string[], inFlight: 0, max: 0 };
    const releases: (() => void)[] = [];
    const hold = () => new Promise<void>((resolve) => releases.push(resolve));
    const users = ['u1', 'u2', 'u3', 'u4'];
    const runs = users.map((u) => receiveFiles(intakeDeps(h!, { platform: 'telegram', userId: u }), dir, [video(`${u}.mp4`, log, hold)], false, 1));
    const sem = (await import('../../src/queue/intake.js')).processSemaphore(2);
    let released = 0;
    while (released < users.length) {
      // Release one download whenever the slots are full and the rest wait (or nobody is left to wait).
      await h.waitFor('slots full', () => releases.length > released && (sem.running === 2 && sem.waiting === users.length - released - 2 || users.length - released <= 2));
      releases[released++]!();
    }
    const results = await Promise.all(runs);
    expect(results.map((r) => r.templates.length)).toEqual([1, 1, 1, 1]);
    expect(log.max).toBe(2);
  });
});
