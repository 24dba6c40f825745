import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Storage } from './storage.js';

export interface CheckStep {
  name: 'reach' | 'write' | 'stat' | 'read' | 'range' | 'presign' | 'delete';
  /** skipped: the store has no such feature (local storage cannot presign). */
  outcome: 'ok' | 'failed' | 'skipped';
  detail: string;
}

const PROBE_BYTES = 256 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * Writes, reads, range-reads, presigns and deletes one probe object (an output under a random key, removed at the
 * end even when a step failed), reporting each step. Details name the store and the sizes, never a credential or a
 * signed URL.
 */
export async function checkStorage(storage: Storage, fetchUrl: (url: string, range: string) => Promise<{ status: number; body: Buffer }> = defaultFetch): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const step = async (name: CheckStep['name'], fn: () => Promise<string>): Promise<boolean> => {
    try {
      steps.push({ name, outcome: 'ok', detail: await fn() });
      return true;
    } catch (err) {
      steps.push({ name, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };
  if (!(await step('reach', async () => (await storage.ping(), storage.description)))) return steps;

  const key = createHash('sha256').update(`lipsync-storage-check-${randomBytes(16).toString('hex')}`).digest('hex');
  const bytes = randomBytes(PROBE_BYTES);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-storage-check-'));
  try {
    const file = path.join(dir, 'probe.mp4');
    await writeFile(file, bytes);
    if (!(await step('write', async () => `${(await storage.putOutput(key, file)).bytes} bytes as ${storage.outputLocation(key)}`))) return steps;
    await step('stat', async () => {
      const st = await storage.statOutput(key);
      if (!st || st.bytes !== bytes.length) throw new Error(`expected ${bytes.length} bytes, the store reports ${st?.bytes ?? 'nothing'}`);
      return `${st.bytes} bytes, modified ${new Date(st.mtimeMs).toISOString()}`;
    });
    await step('read', async () => {
      const r = await storage.openOutput(key);
      if (!r) throw new Error('not found');
      const got = await readAll(r.stream);
      if (!got.equals(bytes)) throw new Error(`read ${got.length} bytes that differ from the ${bytes.length} written`);
      return `${got.length} bytes, identical`;
    });
    await step('range', async () => {
      const r = await storage.openOutput(key, { start: 1000, end: 4999 });
      if (!r) throw new Error('not found');
      const got = await readAll(r.stream);
      if (!got.equals(bytes.subarray(1000, 5000))) throw new Error(`bytes 1000-4999: got ${got.length} bytes that differ`);
      return 'bytes 1000-4999 identical';
    });
    if (!storage.presignOutput) {
      steps.push({ name: 'presign', outcome: 'skipped', detail: 'this store cannot presign (downloads stream through the web server)' });
    } else {
      const presign = storage.presignOutput.bind(storage);
      await step('presign', async () => {
        const url = await presign(key, 60);
        const res = await fetchUrl(url, 'bytes=0-99');
        if (res.status !== 206 && res.status !== 200) throw new Error(`a presigned GET answered HTTP ${res.status}`);
        const want = res.status === 206 ? bytes.subarray(0, 100) : bytes;
        if (!res.body.equals(want)) throw new Error('a presigned GET returned other bytes');
        return `a 60 s URL served HTTP ${res.status}${res.status === 206 ? ' (Range honoured)' : ' (Range ignored)'}`;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await step('delete', async () => {
      await storage.remove('outputs', key);
      if ((await storage.statOutput(key)) !== null) throw new Error('the probe is still there after delete');
      return 'probe removed';
    });
  }
  return steps;
}

async function defaultFetch(url: string, range: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url, { headers: { Range: range } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}
