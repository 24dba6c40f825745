import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { runRetention } from '../../src/queue/retention.js';
import { S3Storage } from '../../src/queue/s3Storage.js';
import { LocalStorage, safeExtension, StorageUnavailableError, type Storage } from '../../src/queue/storage.js';
import { freePort } from '../support/net.js';
import { startS3Server, type S3TestServer } from '../support/s3Server.js';
import { waitUntil } from '../support/wait.js';

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

/** Both backends behind the same interface: every call below runs against local disk and a real S3-compatible server. */
interface Backend {
  name: 'local' | 's3';
  make(dir: string, label: string): Storage;
}

let s3: S3TestServer | null = null;
const s3Stores: S3Storage[] = [];
beforeAll(async () => {
  s3 = await startS3Server();
}, 60_000);
afterAll(async () => {
  for (const s of s3Stores) s.close();
  await s3?.stop();
});

function s3Store(prefix: string, endpoint = s3!.endpoint): S3Storage {
  const s = new S3Storage({ bucket: s3!.bucket, prefix, region: s3!.region, endpoint, forcePathStyle: true, credentials: s3!.credentials, retry: { baseMs: 10 } });
  s3Stores.push(s);
  return s;
}

const backends: Backend[] = [
  { name: 'local', make: (dir) => new LocalStorage(path.join(dir, 'data')) },
  { name: 's3', make: (_dir, label) => s3Store(`t/${label}-${randomBytes(4).toString('hex')}`) },
];

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

describe.each(backends)('storage contract ($name)', (backend) => {
  let dir: string;
  let storage: Storage;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `lipsync-contract-${backend.name}-`));
    storage = backend.make(dir, 'contract');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores inputs once by content, fetches them to a local path, lists and removes them', async () => {
    const src = path.join(dir, 'upload.mp4');
    const bytes = randomBytes(100_000);
    await writeFile(src, bytes);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const a = await storage.putInput(src, 'my clip.MP4');
    expect(a).toEqual({ key: `${hash}.mp4`, hash, bytes: 100_000 });
    const again = await storage.putInput(src, 'other.mp4');
    expect(again.key).toBe(a.key);
    expect(await storage.hasInput(a.key)).toBe(true);
    expect(await storage.statInput(a.key)).toMatchObject({ bytes: 100_000 });
    expect((await storage.list('inputs')).map((e) => e.key)).toEqual([a.key]);

    const work = await mkdtemp(path.join(dir, 'work-'));
    const local = await storage.fetchInput(a.key, work);
    expect((await readFile(local.path)).equals(bytes)).toBe(true);
    expect(local.path.endsWith('.mp4')).toBe(true);
    await local.release();
    // A downloaded copy goes with release(); the local store hands out the stored file itself and keeps it.
    expect(await readdir(work)).toEqual([]);
    expect(await storage.hasInput(a.key)).toBe(true);

    await storage.remove('inputs', a.key);
    expect(await storage.hasInput(a.key)).toBe(false);
    expect(await storage.statInput(a.key)).toBeNull();
    expect(await storage.list('inputs')).toEqual([]);
  });

  it('stores an output from a local file and reads it whole or by range; usage counts what is listed', async () => {
    const key = createHash('sha256').update(`out-${backend.name}`).digest('hex');
    const bytes = randomBytes(6 * 1024 * 1024 + 123); // more than one 5 MiB part
    const file = path.join(dir, 'render.mp4');
    await writeFile(file, bytes);
    expect(await storage.openOutput(key)).toBeNull();
    expect(await storage.statOutput(key)).toBeNull();
    const stored = await storage.putOutput(key, file);
    expect(stored.bytes).toBe(bytes.length);
    expect(await storage.statOutput(key)).toMatchObject({ bytes: bytes.length });

    const whole = (await storage.openOutput(key))!;
    expect(whole.size).toBe(bytes.length);
    expect((await readAll(whole.stream)).equals(bytes)).toBe(true);
    const part = (await storage.openOutput(key, { start: 1000, end: 5_999_999 }))!;
    expect(part.size).toBe(bytes.length);
    expect((await readAll(part.stream)).equals(bytes.subarray(1000, 6_000_000))).toBe(true);

    const listed = await storage.list('outputs');
    expect(listed.map((e) => [e.key, e.bytes])).toEqual([[key, bytes.length]]);
    expect(await storage.usageBytes()).toBeGreaterThanOrEqual(bytes.length);
    expect(storage.outputLocation(key)).toContain(key);
    await expect(storage.ping()).resolves.toBeUndefined();

    await storage.remove('outputs', key);
    expect(await storage.openOutput(key)).toBeNull();
    expect(await storage.openOutput('../../etc/passwd')).toBeNull();
  });

  it('touching an output makes it newer for retention; retention removes outputs past the TTL and unreferenced inputs', async () => {
    const put = async (n: number) => {
      const key = createHash('sha256').update(`ret-${n}`).digest('hex');
      const file = path.join(dir, `r${n}.mp4`);
      await writeFile(file, Buffer.alloc(100, n));
      await storage.putOutput(key, file);
      return key;
    };
    const old = await put(1);
    const touched = await put(2);
    expect(old).not.toBe(touched);
    const src = path.join(dir, 'in.wav');
    await writeFile(src, 'audio');
    const input = await storage.putInput(src, 'in.wav');
    const first = (await storage.statOutput(old))!.mtimeMs;
    // A later second, and more than the TTL below later (local mtimes have milliseconds, S3's whole seconds).
    await waitUntil('a later second', () => Date.now() > first + 1_000 && Math.floor(Date.now() / 1000) > Math.floor(first / 1000) + 1);
    await storage.touchOutput(touched);
    const now = (await storage.statOutput(touched))!.mtimeMs;
    expect(now).toBeGreaterThan(first + 500);

    const report = await runRetention(storage, async () => false, { outputTtlMs: 500, diskCapBytes: 0, intervalMs: HOUR, inputGraceMs: 500 }, now);
    expect((await storage.list('outputs')).map((e) => e.key)).toEqual([touched]);
    expect(await storage.hasInput(input.key)).toBe(false);
    expect(report).toMatchObject({ removedOutputs: 1, removedInputs: 1 });
  });

  it('keeps the store under the byte budget from its listing: oldest outputs go first, referenced inputs stay', async () => {
    const outputs: string[] = [];
    for (const n of [1, 2, 3]) {
      if (outputs.length > 0) {
        // Each output in a later second than the one before (S3's LastModified has whole seconds).
        const before = (await storage.statOutput(outputs.at(-1)!))!.mtimeMs;
        await waitUntil('a later second', () => Math.floor(Date.now() / 1000) > Math.floor(before / 1000));
      }
      const key = createHash('sha256').update(`cap-${backend.name}-${n}`).digest('hex');
      const file = path.join(dir, `c${n}.mp4`);
      await writeFile(file, Buffer.alloc(400, n));
      await storage.putOutput(key, file);
      outputs.push(key);
    }
    const src = path.join(dir, 'in.mp4');
    await writeFile(src, Buffer.alloc(500, 9));
    const input = await storage.putInput(src, 'in.mp4');
    const report = await runRetention(storage, async () => true, { outputTtlMs: 7 * 24 * HOUR, diskCapBytes: 1_000, intervalMs: HOUR, inputGraceMs: HOUR });
    // 1700 bytes > 1000: the two oldest outputs go (900 left).
    expect((await storage.list('outputs')).map((e) => e.key)).toEqual([outputs[2]]);
    expect(await storage.hasInput(input.key)).toBe(true);
    expect(report).toMatchObject({ removedOutputs: 2, totalBytes: 900 });
  });
});

describe('S3 storage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-s3only-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('presigns a clip URL that serves ranges, and keeps objects under lifecycle-friendly prefixes', async () => {
    const storage = s3Store('presign');
    const key = createHash('sha256').update('presign').digest('hex');
    const file = path.join(dir, 'p.mp4');
    const bytes = randomBytes(4096);
    await writeFile(file, bytes);
    await storage.putOutput(key, file);
    expect(storage.outputLocation(key)).toBe(`s3://${s3!.bucket}/presign/outputs/${key.slice(0, 2)}/${key}.mp4`);
    const url = await storage.presignOutput(key, 60, { fileName: `Grüße "it's" (1).mp4`, disposition: 'attachment' });
    expect(url).toContain('X-Amz-Expires=60');
    expect(url).not.toContain(s3!.credentials.secretAccessKey);
    const res = await fetch(url, { headers: { Range: 'bytes=10-19' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Gr__e _it_s_ _1_.mp4"');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);
    // A link never outlives SigV4's seven days.
    expect(await storage.presignOutput(key, 30 * 86_400)).toContain('X-Amz-Expires=604800');
  });

  it('sweeps multipart uploads a killed worker left unfinished, once they are older than the stray age', async () => {
    const storage = s3Store('strays');
    const key = createHash('sha256').update('stray').digest('hex');
    const object = `strays/outputs/${key.slice(0, 2)}/${key}.mp4`;
    const started = await storage.client.send(new CreateMultipartUploadCommand({ Bucket: s3!.bucket, Key: object }));
    await storage.client.send(new UploadPartCommand({ Bucket: s3!.bucket, Key: object, UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(1024) }));
    const pending = async () => (await storage.client.send(new ListMultipartUploadsCommand({ Bucket: s3!.bucket, Prefix: 'strays/' }))).Uploads ?? [];
    expect((await pending()).map((u) => u.UploadId)).toEqual([started.UploadId]);
    await storage.sweepStrays(HOUR);
    expect(await pending()).toHaveLength(1); // young: maybe still being written
    await storage.sweepStrays(HOUR, Date.now() + 2 * HOUR);
    expect(await pending()).toEqual([]);
    expect(await storage.statOutput(key)).toBeNull();
  });

  it('a store that does not answer is "unavailable" (work waits), and the error names no secret', async () => {
    const port = await freePort();
    const storage = s3Store('down', `http://127.0.0.1:${port}`);
    const err = await storage.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect(String((err as Error).message)).not.toContain(s3!.credentials.secretAccessKey);
    await expect(storage.statOutput(createHash('sha256').update('x').digest('hex'))).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
