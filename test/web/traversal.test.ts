import path from 'node:path';
import * as fsp from 'node:fs/promises';
import * as fs from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Every file the server opens or stats goes through these spies.
vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>();
  const open = vi.fn(orig.open);
  const stat = vi.fn(orig.stat);
  return { ...orig, open, stat, default: { ...orig, open, stat } };
});
vi.mock('node:fs', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs')>();
  const createReadStream = vi.fn(orig.createReadStream);
  const openSync = vi.fn(orig.openSync);
  return { ...orig, createReadStream, openSync, default: { ...orig, createReadStream, openSync } };
});

const { createWebWorld, pathOf } = await import('../support/batchFixture.js');
type World = Awaited<ReturnType<typeof createWebWorld>>;

function touchedPaths(): string[] {
  const calls = [
    ...vi.mocked(fsp.open).mock.calls,
    ...vi.mocked(fsp.stat).mock.calls,
    ...vi.mocked(fs.createReadStream).mock.calls,
    ...vi.mocked(fs.openSync).mock.calls,
  ];
  return calls.map((c) => String(c[0]));
}

describe('path traversal and hostile URLs', () => {
  let w: World;
  let sig: string;
  beforeAll(async () => {
    w = await createWebWorld();
    await w.addBatch('btrav', [{ template: '../../../etc/passwd' }]);
    // A record whose stored output points outside storage: only the key is ever used, and it is validated.
    const hostile = await w.addBatch('bhostile', [{ template: 'x.mp4' }]);
    hostile.clips[0]!.output = { key: '../../../../etc/passwd', path: '/etc/passwd', bytes: 10, cached: false };
    const redirected = await w.addBatch('bredirect', [{ template: 'y.mp4' }]);
    redirected.clips[0]!.output = { ...redirected.clips[0]!.output!, path: '/etc/passwd' };
    sig = new URL(w.links.clipUrl('btrav-1')).search;
  });
  afterAll(async () => {
    await w.close();
  });
  beforeEach(() => {
    vi.mocked(fsp.open).mockClear();
    vi.mocked(fsp.stat).mockClear();
    vi.mocked(fs.createReadStream).mockClear();
    vi.mocked(fs.openSync).mockClear();
  });

  const attempts = [
    '/c/..%2F..%2F..%2Fetc%2Fpasswd',
    '/c/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/c/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/c/..%5c..%5cwindows%5cwin.ini',
    '/c/%2Fetc%2Fpasswd',
    '/c//etc/passwd',
    '/c/../../etc/passwd',
    '/c/btrav-1%00.mp4',
    '/c/btrav-1%00',
    '/c/%00',
    '/c/%252e%252e%252fetc%252fpasswd',
    '/c/..',
    '/c/.',
    '/c/%c0%ae%c0%ae%c0%afetc%c0%afpasswd',
    '/b/..%2F..%2Fetc/zip',
    '/b/%2e%2e%2f/zip',
    '/b/btrav%00/zip',
    `/c/${'a'.repeat(5000)}`,
    '/etc/passwd',
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
  ];

  it.each(attempts.map((a) => [a.length > 60 ? `${a.slice(0, 40)}… (${a.length} chars)` : a, a]))('%s never reaches the file system', async (_title, attempt) => {
    const res = await w.app.inject({ method: 'GET', url: `${attempt}${sig}` });
    expect([400, 403, 404, 414]).toContain(res.statusCode);
    expect(res.body).not.toMatch(/root:|\[fonts\]/);
    expect(touchedPaths()).toEqual([]);
  });

  it('absolute paths or traversal in a stored record never leave DATA_DIR', async () => {
    const hostile = await w.app.inject({ method: 'GET', url: pathOf(w.links.clipUrl('bhostile-1')) });
    expect(hostile.statusCode).toBe(410);
    expect(touchedPaths()).toEqual([]);

    const redirected = await w.app.inject({ method: 'GET', url: pathOf(w.links.clipUrl('bredirect-1')) });
    expect(redirected.statusCode).toBe(200);
    expect(redirected.body).not.toContain('root:');
    const touched = touchedPaths();
    expect(touched.length).toBeGreaterThan(0);
    const dataDir = path.join(w.dir, 'data') + path.sep;
    for (const p of touched) expect(p.startsWith(dataDir), p).toBe(true);
  });

  it('the user-given label (with ../) only names the download', async () => {
    const res = await w.app.inject({ method: 'GET', url: pathOf(w.links.downloadUrl('btrav-1')) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="_.._.._etc_passwd\.mp4"/);
    const dataDir = path.join(w.dir, 'data') + path.sep;
    for (const p of touchedPaths()) expect(p.startsWith(dataDir), p).toBe(true);
  });
});
