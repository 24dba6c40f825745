/**
 * The child process behind test/support/s3Server.ts (read the findings there): one @20minutes/s3rver on 127.0.0.1,
 * one bucket, one random key pair, three small fixes and the multipart-upload calls of s3ServerUploads.ts.
 * startS3Server() runs it with `--openssl-legacy-provider`, because s3rver encrypts ListObjectsV2 continuation tokens
 * with DES, which OpenSSL 3 only has in its legacy provider (without it every truncated listing is a 500).
 *
 * Protocol: the configuration arrives as JSON in S3_TEST_SERVER_CONFIG; once listening it prints one JSON line
 * `{"port":N}` on stdout; it exits (removing its data directory) when its stdin closes or on SIGTERM/SIGINT, so a
 * parent that dies never leaves a server behind.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { addMultipartUploadRoutes, type KoaRouter } from './s3ServerUploads.js';

interface ChildConfig {
  directory: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Answer requests without any signature as S3 answers them for a private bucket (403) instead of serving them. */
  privateBucket: boolean;
}

/** The slice of Koa's context that the fixes below read and write. */
interface KoaContext {
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  state: { vhost?: boolean };
  mountPath?: string;
}
type Middleware = ((ctx: KoaContext, next: () => Promise<void>) => unknown) & { name: string };

interface S3rverApp {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;
interface AwsAccountModule {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
}
type S3ErrorClass = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const require = createRequire(import.meta.url);
const S3rver = require('@20minutes/s3rver') as S3rverClass;
const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account') as AwsAccountModule;
const S3Error = require('@20minutes/s3rver/lib/models/error') as S3ErrorClass;
addMultipartUploadRoutes(require('@20minutes/s3rver/lib/routes') as KoaRouter, S3Error);

/**
 * Fix 1: s3rver escapes every XML text with he.escape and then hands it to fast-xml-parser 5's builder, which
 * escapes again, so ListObjectsV2 answers the key `a&b` as `a&amp;b` after parsing. Only this process loads he.
 */
const he = createRequire(require.resolve('@20minutes/s3rver'))('he') as { escape: (text: string) => string };
he.escape = (text) => text;

const config = JSON.parse(process.env.S3_TEST_SERVER_CONFIG ?? '') as ChildConfig;

// Only the caller's random key pair signs requests: the built-in S3RVER/S3RVER pair would let a test pass with
// credentials the code under test never received.
DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
DUMMY_ACCOUNT.createKeyPair(config.accessKeyId, config.secretAccessKey);

/**
 * Fix 2: the SDK sends bucket-level calls path-style as `/bucket/?list-type=2` and signs the canonical URI
 * `/bucket/`; s3rver rebuilds it as `/bucket` (no slash) for path-style requests, so every ListObjectsV2 fails with
 * SignatureDoesNotMatch. Its virtual-host branch builds `'/' + bucket + mountPath`, which is exactly `/bucket/` with
 * mountPath '/'. Routing is unaffected: the path is left alone, and only the authentication (and website hosting,
 * unused here) reads these two fields.
 *
 * Fix 3: s3rver serves unsigned requests as if the bucket were public. Real S3 refuses them for a private bucket, and
 * the code under test must never rely on an unsigned URL working.
 */
function s3CompatFixes(ctx: KoaContext, next: () => Promise<void>): unknown {
  if (!ctx.state.vhost && /^\/[^/]+\/$/.test(ctx.path)) {
    ctx.state.vhost = true;
    ctx.mountPath = '/';
  }
  const signed = ctx.headers.authorization !== undefined || 'X-Amz-Signature' in ctx.query || 'Signature' in ctx.query;
  if (config.privateBucket && !signed) throw new S3Error('AccessDenied', 'Access Denied');
  return next();
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: config.directory,
  vhostBuckets: false,
  configureBuckets: [{ name: config.bucket }],
});
const vhostAt = server.middleware.findIndex((m) => m.name === 'vhost');
if (vhostAt < 0) throw new Error('@20minutes/s3rver changed: its vhost middleware is gone, so the request fixes have no place');
server.middleware.splice(vhostAt + 1, 0, s3CompatFixes as Middleware);

const address = await server.run();
function exitClean(): void {
  rmSync(config.directory, { recursive: true, force: true });
  process.exit(0);
}
process.stdin.on('end', exitClean);
process.once('SIGTERM', exitClean);
process.once('SIGINT', exitClean);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
