import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src/queue/s3Storage.js';
import { s3CredentialsEnv, startS3Server, type S3TestServer } from '../support/s3Server.js';

const GIB = 1024 ** 3;
/** Peak RSS allowed for moving 1 GiB each way: the runtime and SDK (~150 MB) plus bounded multipart buffers. */
const RSS_LIMIT = 400 * 1024 * 1024;
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

describe('S3 storage: a 1 GiB output', () => {
  let s3: S3TestServer;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-big-'));
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('is uploaded (multipart, streamed) and downloaded byte-identical with flat memory in the uploading process', async () => {
    // A sparse file: 1 GiB to read without taking 1 GiB of disk; a few non-zero marks catch misplaced parts.
    const file = path.join(dir, 'big.mp4');
    const fh = await open(file, 'w');
    await fh.truncate(GIB);
    for (const at of [0, 5 * 1024 * 1024 - 1, 8 * 1024 * 1024, 512 * 1024 * 1024 + 7, GIB - 16]) {
      const mark = Buffer.from(`mark@${at}`);
      await fh.write(mark, 0, mark.length, at);
    }
    await fh.close();
    const renderKey = createHash('sha256').update('big').digest('hex');
    const [source, { stdout }] = await Promise.all([
      hashFile(file),
      promisify(execFile)(
        process.execPath,
        ['--import', tsx, path.join(import.meta.dirname, 'bigObjectChild.ts'), s3.endpoint, s3.bucket, s3.region, 'big', file, renderKey],
        { env: { ...process.env, ...s3CredentialsEnv(s3) }, maxBuffer: 1 << 20 },
      ),
    ]);
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
    expect(source.bytes).toBe(GIB);
    expect(r).toMatchObject({ storedBytes: GIB, reportedSize: GIB, downloaded: GIB });
    expect(r.downloadedSha256).toBe(source.hash);
    expect(r.maxRssBytes).toBeLessThan(RSS_LIMIT);
    console.log(`1 GiB through S3Storage: peak RSS ${Math.round(Number(r.maxRssBytes) / 2 ** 20)} MiB`);
  }, 300_000);
});
