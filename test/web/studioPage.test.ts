import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogFor, en, zhCN, type Catalog } from '../../src/i18n/index.js';
import { packageRoot, studioAssetRoutes } from '../../src/web/studio/assets.js';
import { renderStudioPage, renderStudioSignedOut, type StudioMe } from '../../src/web/studio/page.js';

const me: StudioMe = {
  owner: { platform: 'telegram', userId: '3001' },
  limits: { maxClips: 10, maxAudioSeconds: 300, maxVideoSeconds: 60, maxFileBytes: 200 * 1024 * 1024 },
  loopModes: ['pingpong', 'loop', 'freeze'],
};
const root = packageRoot();

function render(locale: 'en' | 'zh-CN', overrides: Partial<Parameters<typeof renderStudioPage>[0]> = {}): string {
  return renderStudioPage({ words: catalogFor(locale), locale, csrf: 'csrf-token-value', me, ...overrides });
}

/** Every string leaf of an object: "client.ready" → text. */
function strings(obj: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else if (v && typeof v === 'object') for (const [kk, vv] of strings(v as object, key)) out.set(kk, vv);
  }
  return out;
}

/** The text nodes a reader sees (attributes, scripts and the JSON data left out). */
function visibleTexts(page: string): string[] {
  return page
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<title>[\s\S]*?<\/title>/g, ' ')
    .split(/<[^>]+>/)
    .map((s) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").trim())
    .filter((s) => s.length > 0);
}

const placeholders = (s: string) => [...s.matchAll(/\{([a-zA-Z]+)\}/g)].map((m) => m[1]).sort();

describe('studio page', () => {
  it('renders in English and Chinese with the language, the CSRF token, the client strings and the assets', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const page = render(locale);
      const words: Catalog = catalogFor(locale);
      expect(page).toContain(`<html lang="${locale}">`);
      expect(page).toContain('<meta name="csrf-token" content="csrf-token-value">');
      // Relative to the page at …/studio, so a PUBLIC_URL with a path works too.
      expect(page).toContain('<script type="module" src="studio/assets/studio.js"></script>');
      expect(page).toContain('<script src="studio/assets/tus.min.js" defer></script>');
      expect(page).toContain('<link rel="stylesheet" href="studio/assets/studio.css">');
      expect(page).not.toMatch(/(href|src|action)="\//);
      expect(page).toContain(`<title>${words.studio.page.title}</title>`);
      const json = /<script type="application\/json" id="studio-messages">([\s\S]*?)<\/script>/.exec(page)?.[1];
      expect(JSON.parse(json!)).toEqual(words.studio.client);
      for (const id of ['audio-input', 'template-input', 'drop-zone', 'start-button', 'loop-select', 'queue-list', 'history-list', 'history-pager', 'lang-switch', 'sign-out', 'audio-card', 'recent-audios', 'template-list', 'notice']) {
        expect(page, id).toContain(`id="${id}"`);
      }
      expect(page).toContain(`<option value="freeze">${words.studio.page.loopModes.freeze}</option>`);
      expect(page).toContain(`data-locale="${locale}" lang="${locale}" aria-pressed="true"`);
    }
  });

  it('has no inline script, style or event handler (strict CSP)', () => {
    for (const page of [render('en'), render('zh-CN'), renderStudioSignedOut(en), renderStudioSignedOut(zhCN)]) {
      const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      for (const [, attrs, content] of scripts) {
        if (/type="application\/json"/.test(attrs!)) continue;
        expect(attrs).toMatch(/\bsrc="studio\/assets\//);
        expect(content).toBe('');
      }
      expect(page).not.toMatch(/<style\b/i);
      expect(page).not.toMatch(/\sstyle=/i);
      expect(page).not.toMatch(/\son[a-z]+=/i);
      expect(page).not.toMatch(/javascript:/i);
    }
  });

  it('escapes what it is given: the user, the token and the JSON cannot close the script element', () => {
    const evil = '</script><script>alert(1)</script><!--';
    const words = catalogFor('en');
    const page = render('en', {
      csrf: '"><script>x</script>',
      me: { ...me, owner: { platform: 'telegram', userId: evil } },
      words: { ...words, studio: { ...words.studio, client: { ...words.studio.client, ready: evil } } },
    });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<script>x');
    expect(page.match(/<\/script>/g)).toHaveLength(3); // tus, studio.js, the JSON
    const json = /<script type="application\/json" id="studio-messages">([\s\S]*?)<\/script>/.exec(page)?.[1];
    expect((JSON.parse(json!) as { ready: string }).ready).toBe(evil);
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
  });

  it('the Chinese page shows no English catalog text, and every studio string is translated with the same placeholders', () => {
    const enStrings = strings(en.studio);
    const zhStrings = strings(zhCN.studio);
    expect([...zhStrings.keys()].sort()).toEqual([...enStrings.keys()].sort());
    // The same in both only where it is a format: a number and a unit name both languages write alike.
    const sameByDesign = new Set(['client.kilobytes', 'client.megabytes', 'page.platforms.telegram', 'page.platforms.discord']);
    for (const [key, text] of enStrings) {
      const zh = zhStrings.get(key)!;
      expect(placeholders(zh), key).toEqual(placeholders(text));
      if (!sameByDesign.has(key)) expect(zh, key).not.toBe(text);
    }
    const texts = visibleTexts(render('zh-CN'));
    expect(texts.length).toBeGreaterThan(15);
    const english = [...enStrings].filter(([key]) => !sameByDesign.has(key)).map(([, s]) => s).map((s) => s.split(/\{[a-zA-Z]+\}/)[0]!.trim()).filter((s) => s.length > 3);
    const leftovers = texts.filter((t) => english.some((e) => t.includes(e)));
    expect(leftovers).toEqual([]);
    // The check can fail: the English page is full of them.
    expect(visibleTexts(render('en')).filter((t) => english.some((e) => t.includes(e))).length).toBeGreaterThan(15);
  });

  it('the signed-out page says how to get a link, in the reader’s language', () => {
    const page = renderStudioSignedOut(zhCN);
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('<code>/studio</code>');
    expect(page).toContain('<code>lipsync studio-link</code>');
    expect(page).toContain(zhCN.studio.page.signedOutTitle);
    expect(renderStudioSignedOut(en)).toContain(en.studio.page.signedOutTitle);
  });

  it('the browser script only asks for strings the catalog has, and uses every one of them', async () => {
    const script = await readFile(path.join(root, 'web', 'studio', 'studio.js'), 'utf8');
    const used = new Set([...script.matchAll(/\bt\('([a-zA-Z]+)'/g)].map((m) => m[1]!));
    const known = new Set(Object.keys(en.studio.client));
    expect([...used].filter((k) => !known.has(k))).toEqual([]);
    expect([...known].filter((k) => !used.has(k))).toEqual([]);
  });
});

describe('studio assets', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function server(): Promise<FastifyInstance> {
    app = Fastify();
    await studioAssetRoutes(app);
    return app;
  }

  it('serves the script, the style sheet and tus-js-client with types and revalidation headers', async () => {
    const a = await server();
    const cases = [
      ['studio.js', 'text/javascript; charset=utf-8', path.join(root, 'web', 'studio', 'studio.js')],
      ['studio.css', 'text/css; charset=utf-8', path.join(root, 'web', 'studio', 'studio.css')],
      ['icon.svg', 'image/svg+xml; charset=utf-8', path.join(root, 'web', 'studio', 'icon.svg')],
      ['tus.min.js', 'text/javascript; charset=utf-8', path.join(root, 'node_modules', 'tus-js-client', 'dist', 'tus.min.js')],
    ] as const;
    for (const [name, type, file] of cases) {
      const res = await a.inject({ method: 'GET', url: `/studio/assets/${name}` });
      expect(res.statusCode, name).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.rawPayload.equals(await readFile(file))).toBe(true);
      const etag = res.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await a.inject({ method: 'GET', url: `/studio/assets/${name}`, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('serves nothing else: other names and traversal attempts are 404', async () => {
    const a = await server();
    for (const url of [
      '/studio/assets/page.ts',
      '/studio/assets/',
      '/studio/assets/..%2Fpackage.json',
      '/studio/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/studio/assets/../../package.json',
      '/studio/assets/studio.js.map',
      '/studio/assets/constructor',
      '/studio/assets/__proto__',
    ]) {
      const res = await a.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('finds web/studio from dist/ as from src/', () => {
    expect(packageRoot(path.join(root, 'dist', 'web', 'studio'))).toBe(root);
    expect(packageRoot(path.join(root, 'src', 'web', 'studio'))).toBe(root);
  });
});
