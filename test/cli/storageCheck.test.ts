import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStorageCheck } from '../../src/cli/commands/storage.js';
import { freePort } from '../support/net.js';
import { startS3Server, useS3Credentials, type S3TestServer } from '../support/s3Server.js';

describe('lipsync storage check', () => {
  let s3: S3TestServer;
  let dir: string;
  let restoreCredentials: (() => void) | undefined;
  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-storage-check-test-'));
    // The SDK's standard chain reads the process environment, as `lipsync storage check` does in production.
    restoreCredentials = useS3Credentials(s3);
  }, 60_000);
  afterAll(async () => {
    restoreCredentials?.();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runStorageCheck({ DATA_DIR: path.join(dir, 'data'), ...env }, (l) => lines.push(l));
    return { code, lines };
  }

  it('on an S3-compatible store: every step works, the probe is gone, no secret or signed URL is printed', async () => {
    const { code, lines } = await run({ STORAGE_URL: s3.storageUrl('check'), S3_ENDPOINT: s3.endpoint, S3_FORCE_PATH_STYLE: 'true' });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines[0]).toBe(`Checking s3://${s3.bucket}/check`);
    for (const name of ['reach', 'write', 'stat', 'read', 'range', 'presign', 'delete']) expect(lines.some((l) => l.startsWith(`ok      ${name}`)), name).toBe(true);
    expect(lines.find((l) => l.includes(' presign'))).toContain('206 (Range honoured)');
    expect(lines.at(-1)).toBe('Storage works.');
    const text = lines.join('\n');
    expect(text).not.toContain(s3.credentials.secretAccessKey);
    expect(text).not.toContain('X-Amz-Signature');
  });

  it('on local storage: presign is skipped, the rest works', async () => {
    const { code, lines } = await run({ STORAGE_URL: pathToFileURL(path.join(dir, 'store')).href });
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.some((l) => l.startsWith('skipped presign'))).toBe(true);
    expect(lines.some((l) => l.startsWith('ok      delete'))).toBe(true);
  });

  it('exits non-zero and says what failed when the store does not answer', async () => {
    const { code, lines } = await run({ STORAGE_URL: s3.storageUrl('check'), S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`, S3_FORCE_PATH_STYLE: '1' });
    expect(code).toBe(1);
    expect(lines.some((l) => l.startsWith('FAILED  reach') && l.includes('object store unavailable'))).toBe(true);
    expect(lines.at(-1)).toBe('Storage check failed: reach.');
  });
});
