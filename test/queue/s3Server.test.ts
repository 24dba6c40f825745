import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../support/s3Server.js';
import { waitUntil } from '../support/wait.js';

// Proves the offline S3 server of test/support/s3Server.ts with real SDK calls, byte for byte (findings there).

let server: S3TestServer;
const clients: S3Client[] = [];

function client(extra: Partial<S3ClientConfig> = {}): S3Client {
  const c = new S3Client({ endpoint: server.endpoint, region: server.region, credentials: server.credentials, forcePathStyle: true, maxAttempts: 1, ...extra });
  clients.push(c);
  return c;
}

async function read(c: S3Client, key: string): Promise<Buffer> {
  const res = await c.send(new GetObjectCommand({ Bucket: server.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** A stream in 64 KiB pieces, like a file read. */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += 65_536) yield data.subarray(at, at + 65_536);
    })(),
  );
}

async function statusOf(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
});

describe('offline S3 server (test/support/s3Server.ts)', () => {
  it('hands out a private bucket on 127.0.0.1 and s3:// URLs for it', async () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.storageUrl('renders/a')).toBe(`s3://${server.bucket}/renders/a`);
    expect(server.storageUrl('/renders/')).toBe(`s3://${server.bucket}/renders/`);
    await client().send(new HeadBucketCommand({ Bucket: server.bucket }));
  });

  it('PutObject with a Buffer round-trips byte for byte with the SDK defaults', async () => {
    const data = randomBytes(100_003);
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'put/buffer.bin', Body: data }));
    expect((await read(c, 'put/buffer.bin')).equals(data)).toBe(true);
  });

  it("PutObject with a stream round-trips byte for byte with requestChecksumCalculation 'WHEN_REQUIRED'", async () => {
    const data = randomBytes(300_001);
    const c = client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'put/stream.bin', Body: streamOf(data), ContentLength: data.length }));
    expect((await read(c, 'put/stream.bin')).equals(data)).toBe(true);
  });

  it('PutObject with a stream and the SDK defaults (aws-chunked with a trailing checksum) is refused, never stored framed', async () => {
    const data = randomBytes(100_000);
    const c = client();
    const refused = await statusOf(c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'put/chunked.bin', Body: streamOf(data), ContentLength: data.length })));
    expect(refused).toEqual({ name: 'InvalidArgument', status: 400 });
    expect(await statusOf(c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'put/chunked.bin' })))).toEqual({ name: 'NotFound', status: 404 });
  });

  it('lib-storage Upload sends a 12 MiB stream as a multipart upload (5 MiB parts) with the SDK defaults, byte for byte', async () => {
    const data = randomBytes(12 * 1024 * 1024 + 12_345);
    const c = client();
    const upload = new Upload({ client: c, params: { Bucket: server.bucket, Key: 'multipart/big.bin', Body: streamOf(data) }, partSize: 5 * 1024 * 1024 });
    const parts = new Set<number>();
    upload.on('httpUploadProgress', (p) => {
      if (p.part !== undefined) parts.add(p.part);
    });
    await upload.done();
    expect([...parts].sort()).toEqual([1, 2, 3]);
    const head = await c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'multipart/big.bin' }));
    expect(head.ContentLength).toBe(data.length);
    expect((await read(c, 'multipart/big.bin')).equals(data)).toBe(true);
  });

  it('ListMultipartUploads lists unfinished uploads by prefix; AbortMultipartUpload removes one; unknown upload ids are NoSuchUpload', async () => {
    const c = client();
    const before = Date.now() - 1_000; // file times have whole-second precision on some filesystems
    const started = await c.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4' }));
    const other = await c.send(new CreateMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/b/clip.mp4' }));
    await c.send(new UploadPartCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4', UploadId: started.UploadId, PartNumber: 1, Body: randomBytes(1_000) }));

    const listed = await c.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: 'mpu/a/' }));
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId])).toEqual([['mpu/a/clip.mp4', started.UploadId]]);
    expect(listed.Uploads![0]!.Initiated!.getTime()).toBeGreaterThanOrEqual(before);
    const all = await c.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: 'mpu/' }));
    expect((all.Uploads ?? []).map((u) => u.Key)).toEqual(['mpu/a/clip.mp4', 'mpu/b/clip.mp4']);

    await c.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4', UploadId: started.UploadId }));
    const left = await c.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: 'mpu/' }));
    expect((left.Uploads ?? []).map((u) => u.UploadId)).toEqual([other.UploadId]);
    const late = c.send(new UploadPartCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4', UploadId: started.UploadId, PartNumber: 2, Body: randomBytes(10) }));
    expect(await statusOf(late)).toEqual({ name: 'NoSuchUpload', status: 404 });
    const complete = c.send(new CompleteMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4', UploadId: started.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }));
    expect(await statusOf(complete)).toEqual({ name: 'NoSuchUpload', status: 404 });
    // An upload id is bound to its key.
    expect(await statusOf(c.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/a/clip.mp4', UploadId: other.UploadId })))).toEqual({ name: 'NoSuchUpload', status: 404 });
    await c.send(new AbortMultipartUploadCommand({ Bucket: server.bucket, Key: 'mpu/b/clip.mp4', UploadId: other.UploadId }));
    expect((await c.send(new ListMultipartUploadsCommand({ Bucket: server.bucket, Prefix: 'mpu/' }))).Uploads ?? []).toEqual([]);
  });

  it('GetObject with a Range returns exactly those bytes; HeadObject reports the size; missing keys are 404', async () => {
    const data = randomBytes(50_000);
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'range/a.bin', Body: data }));
    const part = await c.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'range/a.bin', Range: 'bytes=1000-1999' }));
    expect(part.ContentRange).toBe('bytes 1000-1999/50000');
    expect(Buffer.from(await part.Body!.transformToByteArray()).equals(data.subarray(1000, 2000))).toBe(true);
    const tail = await c.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'range/a.bin', Range: 'bytes=49990-' }));
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(data.subarray(49_990))).toBe(true);
    const head = await c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'range/a.bin' }));
    expect(head.ContentLength).toBe(50_000);
    expect(await statusOf(c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'range/none.bin' })))).toEqual({ name: 'NotFound', status: 404 });
    expect(await statusOf(c.send(new GetObjectCommand({ Bucket: server.bucket, Key: 'range/none.bin' })))).toEqual({ name: 'NoSuchKey', status: 404 });
  });

  it('ListObjectsV2 filters by prefix, pages with MaxKeys and ContinuationToken, and groups by delimiter', async () => {
    const c = client();
    for (const key of ['list/a/1', 'list/a/2', 'list/a/3', 'list/a/4', 'list/a/5', 'list/b/1', 'list-other']) {
      await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: key }));
    }
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await c.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'list/a/', MaxKeys: 2, ContinuationToken: token }));
      pages.push((page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toEqual([['list/a/1', 'list/a/2'], ['list/a/3', 'list/a/4'], ['list/a/5']]);
    const grouped = await c.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'list/', Delimiter: '/' }));
    expect((grouped.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['list/a/', 'list/b/']);
    expect(grouped.Contents ?? []).toEqual([]);
  });

  it('DeleteObject and DeleteObjects remove exactly the keys named', async () => {
    const c = client();
    for (const key of ['del/1', 'del/2', 'del/3', 'del/4']) await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: key }));
    await c.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: 'del/1' }));
    const batch = await c.send(new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/3' }] } }));
    expect((batch.Deleted ?? []).map((d) => d.Key).sort()).toEqual(['del/2', 'del/3']);
    const left = await c.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'del/' }));
    expect((left.Contents ?? []).map((o) => o.Key)).toEqual(['del/4']);
  });

  it('CopyObject copies byte for byte; onto itself only with new metadata (MetadataDirective REPLACE), as S3 demands', async () => {
    const data = randomBytes(70_000);
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'copy/src.bin', Body: data, Metadata: { sha256: 'one' } }));
    await c.send(new CopyObjectCommand({ Bucket: server.bucket, Key: 'copy/dst.bin', CopySource: `${server.bucket}/copy/src.bin` }));
    expect((await read(c, 'copy/dst.bin')).equals(data)).toBe(true);
    expect((await c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'copy/dst.bin' }))).Metadata).toEqual({ sha256: 'one' });

    const self = { Bucket: server.bucket, Key: 'copy/src.bin', CopySource: `${server.bucket}/copy/src.bin` };
    expect(await statusOf(c.send(new CopyObjectCommand(self)))).toEqual({ name: 'InvalidRequest', status: 400 });
    await c.send(new CopyObjectCommand({ ...self, MetadataDirective: 'REPLACE', Metadata: { sha256: 'two' } }));
    expect((await c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'copy/src.bin' }))).Metadata).toEqual({ sha256: 'two' });
    expect((await read(c, 'copy/src.bin')).equals(data)).toBe(true);
  });

  it('a presigned GET URL works with plain fetch(); tampered, expired and unsigned requests get 403', async () => {
    const data = randomBytes(40_000);
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'signed/clip 1.mp4', Body: data }));
    const get = new GetObjectCommand({ Bucket: server.bucket, Key: 'signed/clip 1.mp4' });
    const url = await getSignedUrl(c, get, { expiresIn: 300 });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(data)).toBe(true);

    const tampered = new URL(url);
    tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect((await fetch(tampered)).status).toBe(403);

    // Signed ten minutes ago for five minutes: expired by the server's clock without waiting for it.
    const expired = await getSignedUrl(c, get, { expiresIn: 300, signingDate: new Date(Date.now() - 600_000) });
    const late = await fetch(expired);
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('Request has expired');

    const unsigned = new URL(url);
    unsigned.search = '';
    const anonymous = await fetch(unsigned);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('AccessDenied');
  });

  it('refuses a client with the wrong secret', async () => {
    const c = client({ credentials: { accessKeyId: server.credentials.accessKeyId, secretAccessKey: 'not-the-secret' } });
    expect((await statusOf(c.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'put/buffer.bin' })))).status).toBe(403);
    const stranger = client({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    expect((await statusOf(stranger.send(new HeadObjectCommand({ Bucket: server.bucket, Key: 'put/buffer.bin' })))).status).toBe(403);
  });

  it('keys with spaces, unicode and + = round-trip through put, list, get and presigned GET', async () => {
    const c = client();
    for (const key of ['odd/clip 2 final.mp4', 'odd/ünïcode/ç😀.mp4', 'odd/a+b=c.mp4']) {
      const data = randomBytes(1_000);
      await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: data }));
      expect((await read(c, key)).equals(data)).toBe(true);
      const listed = await c.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: key }));
      expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([key]);
      const res = await fetch(await getSignedUrl(c, new GetObjectCommand({ Bucket: server.bucket, Key: key }), { expiresIn: 60 }));
      expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    }
  });

  it('keys with XML specials (& < > " \') list back exactly as stored, once escaped on the wire', async () => {
    const c = client();
    const keys = ['xml/Tom & Jerry.mp4', 'xml/<b>"quoted"</b>.mp4', "xml/it's.mp4"];
    for (const key of keys) await c.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: key }));
    const listed = await c.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: 'xml/' }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([...keys].sort());
    const etag = (listed.Contents ?? [])[0]?.ETag;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('stop() closes the port and can be called twice; a second server is independent', async () => {
    const other = await startS3Server({ bucket: 'second-bucket' });
    const c = new S3Client({ endpoint: other.endpoint, region: other.region, credentials: other.credentials, forcePathStyle: true, maxAttempts: 1 });
    try {
      await c.send(new PutObjectCommand({ Bucket: 'second-bucket', Key: 'x', Body: 'x' }));
      expect(await statusOf(c.send(new HeadObjectCommand({ Bucket: 'second-bucket', Key: 'put/buffer.bin' })))).toEqual({ name: 'NotFound', status: 404 });
    } finally {
      c.destroy();
      await other.stop();
    }
    await other.stop();
    expect(existsSync(other.dataDir)).toBe(false);
    await expect(fetch(`${other.endpoint}/second-bucket/x`)).rejects.toThrow();
  });

  it('a server whose parent dies (no stop()) exits and removes its data', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const helper = pathToFileURL(path.resolve(import.meta.dirname, '../support/s3Server.ts')).href;
    const script = `const { startS3Server } = await import(${JSON.stringify(helper)}); const s = await startS3Server(); console.log(JSON.stringify(s)); setInterval(() => {}, 1 << 30);`;
    const parent = spawn(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const orphan = JSON.parse(line) as { endpoint: string; dataDir: string };
    expect(existsSync(orphan.dataDir)).toBe(true);
    expect((await fetch(`${orphan.endpoint}/`)).status).toBe(403);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    await waitUntil('the orphaned S3 server to close its port and remove its data', async () => {
      const refused = await fetch(`${orphan.endpoint}/`).then(
        () => false,
        () => true,
      );
      return refused && !existsSync(orphan.dataDir);
    });
  });
});
