/**
 * A real S3-compatible server for tests, offline: `startS3Server()` runs @20minutes/s3rver 4.0.x (a maintained fork
 * of s3rver; devDependency) in a child process on 127.0.0.1, on a free port, with a fresh temp dir, one bucket and a
 * random key pair. test/queue/s3Server.test.ts proves each call below byte for byte with @aws-sdk/client-s3 3.117x.
 *
 * Findings (December 2026, Node 20, @aws-sdk/client-s3 3.1175):
 * - Debian bookworm packages no MinIO, Garage or SeaweedFS (radosgw needs a Ceph cluster); pip's registry is not
 *   reachable. npm candidates: s3rver 3.7.1 (2021), @20minutes/s3rver 4.0.4 (engines node >= 20; 5.x needs Node 24),
 *   @push.rocks/smarts3 (wraps s3rver 3.7.1), fauxqs (needs Node >= 22.5).
 * - s3rver 3.7.1 is unfit: it checks no signature at all (a wrong secret and a tampered presigned URL both get 200),
 *   and it stores a streamed PutObject's aws-chunked framing inside the object (100 000 bytes in, 100 052 out,
 *   starting "c350;…": silent corruption).
 * - @20minutes/s3rver 4.0.4 verifies SigV4 (headers and presigned query), and refuses the SDK's default framing for a
 *   streamed PutObject loudly (400 InvalidArgument for `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`)
 *   instead of storing it. Three of its bugs are fixed here (s3ServerProcess.ts): path-style bucket URLs `/bucket/`
 *   failed the signature check (ListObjectsV2, HeadBucket: every bucket-level call); its DES continuation tokens need
 *   OpenSSL's legacy provider (every truncated listing was a 500); listed keys with & < > were escaped twice. It also
 *   served unsigned requests; here the bucket is private (403) like S3's. It answers ListMultipartUploads with 501 and
 *   AbortMultipartUpload with 405; s3ServerUploads.ts adds both (plus NoSuchUpload for unknown upload ids).
 *
 * Client settings the code under test needs against this server:
 * - `forcePathStyle: true` and `endpoint` (a bucket sub-domain of 127.0.0.1 does not resolve).
 * - Any `region`; `us-east-1` is what it reports.
 * - Default checksum settings work for PutObject with a Buffer/string body and for @aws-sdk/lib-storage `Upload`
 *   with any body, streams included (it sends each part as a buffer, so the checksum goes in a header).
 * - PutObject with a *stream* body needs `requestChecksumCalculation: 'WHEN_REQUIRED'` (then it is sent as plain
 *   UNSIGNED-PAYLOAD with its Content-Length). `responseChecksumValidation` may stay at its default: this server
 *   returns no checksum headers, so there is nothing to validate. Give such a PutObject its ContentLength: without
 *   it the SDK sends Transfer-Encoding: chunked, which this server stores correctly but real S3 refuses (411).
 * Works: PutObject, Upload (multipart, 5 MiB parts), GetObject (full and Range), HeadObject (404 NotFound),
 * ListObjectsV2 (prefix, delimiter, MaxKeys/ContinuationToken pages), DeleteObject, DeleteObjects, CopyObject,
 * HeadBucket, CreateMultipartUpload/UploadPart/CompleteMultipartUpload, ListMultipartUploads (prefix, one page),
 * AbortMultipartUpload, presigned GET (tampered or expired: 403), any client region (us-east-1, eu-central-1 tried).
 * Limits: a ListObjectsV2 Prefix (or other query value) containing `!'()*` fails the signature check (s3rver encodes
 * query values with encodeURIComponent, the SDK with RFC 3986); such keys work for put/get/head/presign. Keys with
 * `//` are not routed (404). Multipart ETags are a plain MD5, without S3's `-N` suffix.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export interface S3TestServer {
  /** http://127.0.0.1:PORT — give it to the client with forcePathStyle: true. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Where the server keeps its files (removed by stop(), or by the server itself when its parent dies). */
  dataDir: string;
  /** `s3://bucket/prefix` (a leading slash of `prefix` is dropped). */
  storageUrl(prefix?: string): string;
  /** Stops the server and removes its data. Safe to call twice. */
  stop(): Promise<void>;
}

export interface S3TestServerOptions {
  bucket?: string;
  /** false serves unsigned requests (s3rver's own behaviour); default true: they get 403 like a private S3 bucket. */
  privateBucket?: boolean;
}

/** The environment the AWS SDK's standard credential chain reads, pointing at `server` (for child processes). */
export function s3CredentialsEnv(server: S3TestServer): { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string } {
  return { AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey };
}

/**
 * Points this process's AWS credentials at `server`, as an operator's environment would; the returned function puts
 * back what was there before.
 */
export function useS3Credentials(server: S3TestServer): () => void {
  const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
  Object.assign(process.env, s3CredentialsEnv(server));
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

const CHILD = path.join(import.meta.dirname, 's3ServerProcess.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export async function startS3Server(options: S3TestServerOptions = {}): Promise<S3TestServer> {
  const bucket = options.bucket ?? `lipsync-test-${randomBytes(3).toString('hex')}`;
  const credentials = { accessKeyId: `AKTEST${randomBytes(7).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('base64url') };
  const directory = mkdtempSync(path.join(os.tmpdir(), 'lipsync-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '--import', TSX, CHILD], {
    env: { ...process.env, S3_TEST_SERVER_CONFIG: JSON.stringify({ directory, bucket, ...credentials, privateBucket: options.privateBucket ?? true }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  exited.catch(() => undefined); // a spawn error surfaces where `exited` is awaited
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4_000)));

  let port: number;
  try {
    port = await readPort(child, exited, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    credentials,
    dataDir: directory,
    storageUrl: (prefix = '') => `s3://${bucket}/${prefix.replace(/^\/+/, '')}`,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end();
          await exited;
        }
        rmSync(directory, { recursive: true, force: true });
      })()),
  };
}

async function readPort(child: ChildProcessWithoutNullStreams, exited: Promise<unknown[]>, stderr: () => string): Promise<number> {
  const lines = createInterface({ input: child.stdout });
  const firstLine = once(lines, 'line').then(([line]) => line as string);
  const result = await Promise.race([firstLine, exited.then(([code, signal]) => ({ code, signal }))]);
  lines.close();
  if (typeof result !== 'string') {
    throw new Error(`The S3 test server exited before listening (code ${String(result.code)}, signal ${String(result.signal)}): ${stderr().trim()}`);
  }
  const { port } = JSON.parse(result) as { port: number };
  return port;
}
