import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:crypto')>();
  return { ...orig, timingSafeEqual: vi.fn(orig.timingSafeEqual) };
});

const { createLinkSigner, signLink, verifyLink } = await import('../../src/web/links.js');

const secret = 'k'.repeat(40);
const t0 = Date.UTC(2030, 0, 1) / 1000;

function parts(url: string): { kind: string; id: string; e: string; s: string } {
  const u = new URL(url);
  const m = /\/(c|b)\/([^/]+)(\/zip)?$/.exec(u.pathname)!;
  const kind = m[1] === 'c' ? 'clip' : m[3] ? 'zip' : 'batch';
  return { kind, id: m[2]!, e: u.searchParams.get('e')!, s: u.searchParams.get('s')! };
}

describe('signed links', () => {
  const signer = createLinkSigner({ secret, ttlSeconds: 7 * 86_400, publicUrl: 'https://clips.example.com/lipsync/', now: () => t0 * 1000 });
  beforeEach(() => {
    vi.mocked(crypto.timingSafeEqual).mockClear();
  });

  it('builds URLs under PUBLIC_URL carrying only the id, the expiry and the signature', () => {
    const url = signer.clipUrl('bx1-2');
    expect(url).toMatch(/^https:\/\/clips\.example\.com\/lipsync\/c\/bx1-2\?e=\d+&s=[A-Za-z0-9_-]{43}$/);
    expect(signer.batchUrl('bx1')).toMatch(/\/lipsync\/b\/bx1\?e=/);
    expect(signer.zipUrl('bx1')).toMatch(/\/lipsync\/b\/bx1\/zip\?e=/);
    expect(signer.downloadUrl('bx1-2')).toMatch(/&dl=1$/);
    expect(parts(url).e).toBe(String(t0 + 7 * 86_400));
  });

  it('accepts its own links until they expire, then says expired', () => {
    const { id, e, s } = parts(signer.clipUrl('bx1-2'));
    expect(verifyLink(secret, 'clip', id, e, s, t0)).toEqual({ ok: true, expiresAt: t0 + 7 * 86_400 });
    expect(verifyLink(secret, 'clip', id, e, s, t0 + 7 * 86_400 - 1).ok).toBe(true);
    expect(verifyLink(secret, 'clip', id, e, s, t0 + 7 * 86_400)).toEqual({ ok: false, reason: 'expired', expiresAt: t0 + 7 * 86_400 });
  });

  it('refuses a tampered signature, a moved expiry, a swapped id, another kind and another secret', () => {
    const { id, e, s } = parts(signer.clipUrl('bx1-2'));
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const lastFlipped = s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    expect(verifyLink(secret, 'clip', id, e, flipped, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink(secret, 'clip', id, e, lastFlipped, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink(secret, 'clip', id, String(Number(e) + 86_400), s, t0)).toEqual({ ok: false, reason: 'invalid' });
    // Expired and then extended: still tampered, not "valid".
    expect(verifyLink(secret, 'clip', id, String(Number(e) + 86_400), s, Number(e) + 10)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink(secret, 'clip', 'bx1-3', e, s, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink(secret, 'batch', id, e, s, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink(secret, 'zip', 'bx1', e, parts(signer.batchUrl('bx1')).s, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyLink('z'.repeat(40), 'clip', id, e, s, t0)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses malformed fields before computing anything', () => {
    const { id, e, s } = parts(signer.clipUrl('bx1-2'));
    for (const [ee, ss, ii] of [
      [undefined, s, id],
      [e, undefined, id],
      [e, `${s}=`, id],
      [e, s.slice(1), id],
      [`-${e}`, s, id],
      [`${e}.5`, s, id],
      [e, s, '../etc/passwd'],
      [e, s, 'BX1-2'],
    ] as const) {
      expect(verifyLink(secret, 'clip', ii, ee, ss, t0)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('compares signatures with crypto.timingSafeEqual', () => {
    const { id, e, s } = parts(signer.clipUrl('bx1-2'));
    verifyLink(secret, 'clip', id, e, s, t0);
    verifyLink(secret, 'clip', id, e, (s[0] === 'A' ? 'B' : 'A') + s.slice(1), t0);
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalledTimes(2);
    const [a, b] = vi.mocked(crypto.timingSafeEqual).mock.calls[0]!;
    expect(Buffer.from(a as Uint8Array).toString()).toBe(signLink(secret, 'clip', id, Number(e)));
    expect(Buffer.from(b as Uint8Array).toString()).toBe(s);
  });

  it('honours an explicit expiry and refuses ids that are not queue ids', () => {
    expect(parts(signer.batchUrl('bx1', { expiresAt: t0 + 60 })).e).toBe(String(t0 + 60));
    expect(() => signer.clipUrl('../x')).toThrow(/not a batch or clip id/);
    expect(() => signer.clipUrl('')).toThrow();
    expect(() => createLinkSigner({ secret: '', ttlSeconds: 1, publicUrl: 'http://x' })).toThrow();
  });
});
