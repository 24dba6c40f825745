import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signLink } from '../../src/web/links.js';
import { DEFAULT_SIGN_IN_TTL_SECONDS, studioSignInUrl, verifyStudioSignIn } from '../../src/web/studio/signIn.js';

const secret = 's'.repeat(40);
const t0 = Date.UTC(2030, 0, 1);
const owner = { platform: 'telegram', userId: '42', chatId: '-100' };

function tokenOf(url: string): string {
  return new URL(url).searchParams.get('t')!;
}

describe('studio sign-in links', () => {
  it('builds /studio/login under PUBLIC_URL and verifies back to the same claims', () => {
    const url = studioSignInUrl({ secret, publicUrl: 'https://clips.example.com/', now: () => t0 }, owner, 'zh-CN');
    expect(url).toMatch(/^https:\/\/clips\.example\.com\/studio\/login\?t=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const check = verifyStudioSignIn(secret, tokenOf(url), t0 / 1000);
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.claims.owner).toEqual(owner);
    expect(check.claims.locale).toBe('zh-CN');
    expect(check.claims.expiresAt).toBe(t0 / 1000 + DEFAULT_SIGN_IN_TTL_SECONDS);
    expect(check.claims.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives every link its own nonce', () => {
    const o = { secret, publicUrl: 'https://x.example', now: () => t0 };
    expect(tokenOf(studioSignInUrl(o, owner))).not.toBe(tokenOf(studioSignInUrl(o, owner)));
  });

  it('is expired at its expiry and after, honouring ttlSeconds', () => {
    const token = tokenOf(studioSignInUrl({ secret, publicUrl: 'https://x.example', ttlSeconds: 3600, now: () => t0 }, owner));
    expect(verifyStudioSignIn(secret, token, t0 / 1000 + 3599).ok).toBe(true);
    expect(verifyStudioSignIn(secret, token, t0 / 1000 + 3600)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses tampered claims, another secret, a download signature and junk as invalid', () => {
    const token = tokenOf(studioSignInUrl({ secret, publicUrl: 'https://x.example', now: () => t0 }, owner));
    const [payload, sig] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, owner: { platform: 'telegram', userId: '1' } })).toString('base64url');
    expect(verifyStudioSignIn(secret, `${forged}.${sig}`, t0 / 1000)).toEqual({ ok: false, reason: 'invalid' });
    const later = Buffer.from(JSON.stringify({ ...claims, expiresAt: 1 })).toString('base64url');
    expect(verifyStudioSignIn(secret, `${later}.${sig}`, t0 / 1000 + 10_000)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyStudioSignIn('other'.repeat(8), token, t0 / 1000)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyStudioSignIn(secret, `${payload}.${signLink(secret, 'batch', payload, 1)}`, t0 / 1000).ok).toBe(false);
    for (const junk of ['', 'abc', `${payload}.`, `${payload}.${sig}x`, `${'a'.repeat(3000)}.${sig}`]) {
      expect(verifyStudioSignIn(secret, junk, t0 / 1000)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('refuses well-signed claims of the wrong shape', () => {
    const payload = Buffer.from(JSON.stringify({ owner: { platform: 'x' }, expiresAt: 9e9, nonce: 'n' })).toString('base64url');
    const sig = createHmac('sha256', secret).update('lipsync-studio-signin-v1\n').update(payload).digest('base64url');
    expect(verifyStudioSignIn(secret, `${payload}.${sig}`, 0)).toEqual({ ok: false, reason: 'invalid' });
  });
});
