import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRetention } from '../../src/queue/retention.js';
import { LocalStorage, safeExtension } from '../../src/queue/storage.js';

const HOUR = 3_600_000;

describe('LocalStorage', () => {
  let dir: string;
  let storage: LocalStorage;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-storage-'));
    storage = new LocalStorage(path.join(dir, 'data'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores inputs by content hash; user names never reach a path', async () => {
    const src = path.join(dir, 'upload');
    await writeFile(src, 'hello');
    const hash = createHash('sha256').update('hello').digest('hex');
    const a = await storage.putInput(src, '../../etc/passwd.mp4');
    expect(a).toEqual({ key: `${hash}.mp4`, hash, bytes: 5 });
    expect(storage.inputPath(a.key)).toBe(path.join(dir, 'data', 'inputs', hash.slice(0, 2), `${hash}.mp4`));
    const b = await storage.putInput(src, 'evil name; rm -rf.sh');
    expect(b.key).toBe(`${hash}.bin`);
    expect(await storage.hasInput(a.key)).toBe(true);
    expect(() => storage.inputPath('../x.mp4')).toThrow(/invalid input key/);
    expect(() => storage.outputPath('../../x')).toThrow(/invalid render key/);
    expect(await readdir(path.join(dir, 'data', 'tmp'))).toEqual([]);
    expect(safeExtension('Clip.MOV')).toBe('mov');
    expect(safeExtension('x.php')).toBe('bin');
  });
});

describe('retention', () => {
  let dir: string;
  let storage: LocalStorage;
  const now = Date.now();
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-retention-'));
    storage = new LocalStorage(path.join(dir, 'data'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function output(n: number, bytes: number, ageMs: number): Promise<string> {
    const key = createHash('sha256').update(`out${n}`).digest('hex');
    const file = storage.outputPath(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.alloc(bytes));
    const t = new Date(now - ageMs);
    await utimes(file, t, t);
    return key;
  }

  async function input(n: number, bytes: number, ageMs: number): Promise<string> {
    const src = path.join(dir, `in${n}`);
    await writeFile(src, Buffer.alloc(bytes, n));
    const { key } = await storage.putInput(src, 'x.mp4');
    const t = new Date(now - ageMs);
    await utimes(storage.inputPath(key), t, t);
    return key;
  }

  const settings = { outputTtlMs: 7 * 24 * HOUR, diskCapBytes: 0, intervalMs: HOUR, inputGraceMs: HOUR };
  const keys = async (area: 'inputs' | 'outputs') => (await storage.list(area)).map((e) => e.key).sort();

  it('removes outputs past the TTL and unreferenced inputs past the grace period, keeps the rest', async () => {
    const old = await output(1, 10, 8 * 24 * HOUR);
    const fresh = await output(2, 10, 6 * 24 * HOUR);
    const referenced = await input(1, 10, 48 * HOUR);
    const orphan = await input(2, 10, 2 * HOUR);
    const young = await input(3, 10, 10 * 60_000);
    const report = await runRetention(storage, async (k) => k === referenced, settings, now);
    expect(report).toMatchObject({ removedOutputs: 1, removedInputs: 1, freedBytes: 20 });
    expect(await keys('outputs')).toEqual([fresh]);
    expect(await keys('inputs')).toEqual([referenced, young].sort());
    expect(old).not.toBe(fresh);
    expect(orphan).not.toBe(referenced);
  });

  it('keeps disk use under the cap by removing the oldest outputs first, never referenced inputs', async () => {
    const o1 = await output(1, 400, 5 * HOUR);
    const o2 = await output(2, 400, 3 * HOUR);
    const o3 = await output(3, 400, 1 * HOUR);
    const inp = await input(1, 500, 1 * HOUR);
    const report = await runRetention(storage, async () => true, { ...settings, diskCapBytes: 1_000 }, now);
    // 1700 bytes > 1000: the two oldest outputs go (900 left).
    expect(await keys('outputs')).toEqual([o3]);
    expect(await keys('inputs')).toEqual([inp]);
    expect(report).toMatchObject({ removedOutputs: 2, totalBytes: 900 });
    expect([o1, o2]).not.toContain(o3);
  });

  it('sweeps temp files of killed renders after a day', async () => {
    const key = await output(1, 10, HOUR);
    const stray = `${storage.outputPath(key)}.1234.tmp`;
    await writeFile(stray, 'partial');
    const t = new Date(now - 25 * HOUR);
    await utimes(stray, t, t);
    const report = await runRetention(storage, async () => false, settings, now);
    expect(report.freedBytes).toBe(7);
    expect(await keys('outputs')).toEqual([key]);
  });
});
