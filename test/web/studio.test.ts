import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en, zhCN } from '../../src/i18n/index.js';
import { sessionCookie } from '../../src/web/studio/auth.js';
import { BROWSER_NAVIGATION, cookieOf, StudioWorld } from './studioSupport.js';

/** Sign-in, sessions, CSRF, sign-out and the session's language, on the real web service and Redis. */
describe('studio sign-in and sessions', () => {
  let world: StudioWorld;
  beforeAll(async () => {
    world = await StudioWorld.create('studio-auth');
  });
  afterAll(async () => {
    await world?.close();
  });

  const alice = { platform: 'telegram', userId: '1001', chatId: '-5' };

  it('a sign-in link sets an HttpOnly, SameSite=Strict cookie on /studio and redirects to the page', async () => {
    const res = await world.app.inject({ method: 'GET', url: world.loginPath(alice, { locale: 'en' }), headers: BROWSER_NAVIGATION });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/studio');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^lipsync_studio=[A-Za-z0-9_-]{43}; Path=\/studio; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    // PUBLIC_URL is http here: no Secure flag (it would keep the cookie from ever being sent back).
    expect(setCookie).not.toContain('Secure');
    const cookie = cookieOf(res);

    const page = await world.app.inject({ method: 'GET', url: '/studio', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const me = (await world.app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } })).json<{ csrf: string; owner: unknown; locale: string; limits: Record<string, number>; loopModes: string[] }>();
    expect(page.body).toContain(`<meta name="csrf-token" content="${me.csrf}">`);
    // The chat the link was asked in is not part of the studio identity.
    expect(me.owner).toEqual({ platform: 'telegram', userId: '1001' });
    expect(me.locale).toBe('en');
    expect(me.limits.maxClips).toBe(world.h.config.limits.maxClipsPerBatch);
    expect(me.limits.maxFileBytes).toBeGreaterThan(0);
    expect(me.loopModes).toEqual(expect.arrayContaining(['pingpong', 'loop', 'freeze']));
    // Strict CSP: scripts and styles from files only.
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/media-src 'self' blob:/);
  });

  it('a link clicked on another site signs in through a page of ours (a Strict cookie is not sent on that redirect)', async () => {
    const res = await world.app.inject({ method: 'GET', url: world.loginPath(alice), headers: { ...BROWSER_NAVIGATION, 'sec-fetch-site': 'cross-site' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers.refresh).toBe('0;url=/studio');
    expect(res.body).toContain('<a href="/studio">');
    const cookie = cookieOf(res);
    expect((await world.app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('a link works once: the second use gets the 410 page saying how to get a new one', async () => {
    const url = world.loginPath(alice);
    expect((await world.app.inject({ method: 'GET', url, headers: BROWSER_NAVIGATION })).statusCode).toBe(303);
    const again = await world.app.inject({ method: 'GET', url, headers: BROWSER_NAVIGATION });
    expect(again.statusCode).toBe(410);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(again.body).toContain(en.studioAuth.signIn.expiredTitle);
    expect(again.body).toContain('/studio');
    expect(again.body).toContain('lipsync studio-link');
  });

  it('a link previewer or scanner does not use the link: it gets a page whose button signs in (POST, once)', async () => {
    const url = world.loginPath(alice, { locale: 'zh-CN' });
    const token = new URL(url, 'http://x').searchParams.get('t')!;
    // Fetches without Fetch Metadata (an unfurler, a mail scanner, curl): a confirmation page, no session, twice over.
    for (let i = 0; i < 2; i++) {
      const preview = await world.app.inject({ method: 'GET', url, headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } });
      expect(preview.statusCode).toBe(200);
      expect(preview.headers['set-cookie']).toBeUndefined();
      expect(preview.headers['cache-control']).toBe('no-store');
      expect(preview.body).toContain(zhCN.studioAuth.signIn.continueButton);
      expect(preview.body).toContain('<form method="post" action="login">');
      expect(preview.body).toContain(`name="t" value="${token}"`);
    }
    // Another site posting the form (login CSRF) is refused and does not use the link.
    const forged = await world.app.inject({
      method: 'POST',
      url: '/studio/login',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      payload: `t=${encodeURIComponent(token)}`,
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['set-cookie']).toBeUndefined();
    // The button on our page: same origin, signs in and uses the link.
    const origin = world.origin;
    const pressed = await world.app.inject({
      method: 'POST',
      url: '/studio/login',
      headers: { origin, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      payload: `t=${encodeURIComponent(token)}`,
    });
    expect(pressed.statusCode, pressed.body).toBe(303);
    expect(pressed.headers.location).toBe('/studio');
    const cookie = cookieOf(pressed);
    expect((await world.app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } })).json<{ locale: string }>().locale).toBe('zh-CN');
    // Used: neither the page nor the button works again.
    expect((await world.app.inject({ method: 'GET', url })).statusCode).toBe(410);
    expect((await world.app.inject({ method: 'GET', url, headers: BROWSER_NAVIGATION })).statusCode).toBe(410);
    const twice = await world.app.inject({ method: 'POST', url: '/studio/login', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, payload: `t=${encodeURIComponent(token)}` });
    expect(twice.statusCode).toBe(410);
    expect(twice.headers['set-cookie']).toBeUndefined();
  });

  it('an expired link gets 410, a tampered one 403, both without a cookie; in the browser language', async () => {
    const old = world.loginPath(alice, { now: () => Date.now() - 3_600_000 });
    const expired = await world.app.inject({ method: 'GET', url: old, headers: { ...BROWSER_NAVIGATION, 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain(zhCN.studioAuth.signIn.expiredTitle);
    expect(expired.headers['set-cookie']).toBeUndefined();

    const url = world.loginPath(alice);
    const token = new URL(url, 'http://x').searchParams.get('t')!;
    const [payload, sig] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, owner: { platform: 'telegram', userId: '1' } })).toString('base64url');
    for (const t of [`${forged}.${sig}`, `${payload}.${'A'.repeat(43)}`, 'junk', '']) {
      const res = await world.app.inject({ method: 'GET', url: `/studio/login?t=${encodeURIComponent(t)}`, headers: BROWSER_NAVIGATION });
      expect(res.statusCode, t).toBe(403);
      expect(res.body).toContain(en.studioAuth.signIn.invalidTitle);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('without a session: the page is a 401 page, the API 401 JSON, in the browser language', async () => {
    const page = await world.app.inject({ method: 'GET', url: '/studio', headers: { 'accept-language': 'zh-CN' } });
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain(zhCN.studio.page.signedOutTitle);
    for (const url of ['/studio/api/me', '/studio/api/batches', '/studio/api/batches/b123', '/studio/api/events', '/studio/api/clips/b1-0/file']) {
      const res = await world.app.inject({ method: 'GET', url, headers: { cookie: 'lipsync_studio=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toEqual({ error: en.studioAuth.errors.noSession, code: 'no-session' });
    }
  });

  it('every state-changing request needs X-CSRF-Token equal to the session’s (403 otherwise)', async () => {
    const user = await world.signIn(alice);
    const routes: [string, string, unknown][] = [
      ['POST', '/studio/logout', undefined],
      ['PUT', '/studio/api/locale', { locale: 'zh-CN' }],
      ['POST', '/studio/api/batches', { audio: 'a', templates: ['b'] }],
      ['DELETE', '/studio/api/batches/b123', undefined],
      ['POST', '/studio/api/batches/b123/cancel', undefined],
      ['POST', '/studio/api/clips/b123-0/cancel', undefined],
      ['POST', '/studio/api/clips/b123-0/retry', undefined],
    ];
    for (const [method, url, body] of routes) {
      for (const token of [undefined, 'wrong', `${user.csrf}x`]) {
        const res = await world.app.inject({
          method: method as 'POST',
          url,
          headers: { cookie: user.cookie, ...(token ? { 'x-csrf-token': token } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        });
        expect(res.statusCode, `${method} ${url} token=${token}`).toBe(403);
        expect(res.json<{ code: string }>().code).toBe('csrf');
      }
    }
    // The session survived all that (logout without the token did nothing).
    expect((await world.call(user, 'GET', '/studio/api/me')).statusCode).toBe(200);
  });

  it('sign-out deletes the session and clears the cookie', async () => {
    const user = await world.signIn(alice);
    const out = await world.call(user, 'POST', '/studio/logout');
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/studio');
    expect(String(out.headers['set-cookie'])).toMatch(/^lipsync_studio=; Path=\/studio; .*Max-Age=0/);
    // The old cookie (a copy kept elsewhere) no longer opens anything.
    expect((await world.call(user, 'GET', '/studio/api/me')).statusCode).toBe(401);
    expect((await world.app.inject({ method: 'GET', url: '/studio', headers: { cookie: user.cookie } })).statusCode).toBe(401);
  });

  it('the session starts in the link’s language and PUT /studio/api/locale switches it', async () => {
    const zh = await world.signIn({ platform: 'discord', userId: '77' }, 'zh-CN');
    expect((await world.call(zh, 'GET', '/studio/api/me')).json<{ locale: string }>().locale).toBe('zh-CN');
    const en1 = await world.signIn({ platform: 'discord', userId: '78' });
    expect((await world.call(en1, 'GET', '/studio/api/me')).json<{ locale: string }>().locale).toBe('en');

    expect((await world.call(en1, 'PUT', '/studio/api/locale', { locale: 'zh-CN' })).statusCode).toBe(204);
    expect((await world.call(en1, 'GET', '/studio/api/me')).json<{ locale: string }>().locale).toBe('zh-CN');
    const page = await world.app.inject({ method: 'GET', url: '/studio', headers: { cookie: en1.cookie } });
    expect(page.body).toMatch(/<html lang="zh-CN"/);
    // API errors follow the session's language.
    const missing = await world.call(en1, 'GET', '/studio/api/batches/bnothere');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: zhCN.studioAuth.errors.notFound, code: 'not-found' });
    // Only our languages.
    expect((await world.call(en1, 'PUT', '/studio/api/locale', { locale: 'fr' })).statusCode).toBe(400);
  });

  it('a language from the browser when the link names none', async () => {
    const res = await world.app.inject({ method: 'GET', url: world.loginPath({ platform: 'cli', userId: 'op' }), headers: { ...BROWSER_NAVIGATION, 'accept-language': 'zh-TW' } });
    const cookie = cookieOf(res);
    expect((await world.app.inject({ method: 'GET', url: '/studio/api/me', headers: { cookie } })).json<{ locale: string }>().locale).toBe('zh-CN');
  });

  it('limits batch starts per user (20 a minute), not per address, in JSON', async () => {
    const eve = await world.signIn({ platform: 'telegram', userId: 'eve' });
    const frank = await world.signIn({ platform: 'telegram', userId: 'frank' });
    // Well-formed requests that fail in the handler still count (an upload id nobody has).
    const attempt = (user: typeof eve) => world.call(user, 'POST', '/studio/api/batches', { audio: 'nothing', templates: ['nothing'] });
    for (let i = 0; i < 20; i++) expect((await attempt(eve)).statusCode).toBe(400);
    const limited = await attempt(eve);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({ error: en.studioAuth.errors.tooMany, code: 'rate-limited' });
    // Same address, another person: not limited.
    expect((await attempt(frank)).statusCode).toBe(400);
  });
});

describe('studio behind an https PUBLIC_URL with a path', () => {
  it('sets a Secure cookie under the path and redirects there', async () => {
    const world = await StudioWorld.create('studio-https', { PUBLIC_URL: 'https://clips.example.com/lipsync' });
    try {
      const res = await world.app.inject({ method: 'GET', url: world.loginPath({ platform: 'cli', userId: 'op' }).replace('/lipsync', ''), headers: BROWSER_NAVIGATION });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/lipsync/studio');
      expect(String(res.headers['set-cookie'])).toMatch(/; Path=\/lipsync\/studio; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    } finally {
      await world.close();
    }
  });
});

describe('studio cookie', () => {
  it('is Secure when PUBLIC_URL is https, and always HttpOnly and SameSite=Strict', () => {
    expect(sessionCookie('v', { secure: true, maxAgeSeconds: 60 })).toBe('lipsync_studio=v; Path=/studio; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
    expect(sessionCookie('v', { secure: false, maxAgeSeconds: 60, path: '/lipsync/studio' })).toBe('lipsync_studio=v; Path=/lipsync/studio; HttpOnly; SameSite=Strict; Max-Age=60');
  });
});
