import { createHash } from 'node:crypto';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** For text and attribute values alike (attributes are always double-quoted). */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"'`]/g, (c) => entities[c] ?? c);
}

/** Tagged template that escapes every interpolation unless it is already `Html`. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = string | number | Html | readonly Html[] | null | undefined | false;

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    if (p === null || p === undefined || p === false) out += '';
    else if (p instanceof Html) out += p.value;
    else if (Array.isArray(p)) out += (p as readonly Html[]).map((h) => h.value).join('');
    else out += escapeHtml(p as string | number);
    out += strings[i + 1] ?? '';
  });
  return new Html(out);
}

const css = `
:root{color-scheme:light dark;--fg:#1b1b1f;--muted:#5b5b66;--bg:#fafafa;--card:#fff;--line:#d9d9e0;--accent:#1a56db;--bad:#b42318;--ok:#067647}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--muted:#a9a9b6;--bg:#111114;--card:#1c1c21;--line:#33333b;--accent:#7aa7ff;--bad:#ff8a80;--ok:#6ee7a8}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
p{margin:.5rem 0}
.muted{color:var(--muted)}
.actions{margin:1rem 0}
.button{display:inline-block;padding:.7rem 1.1rem;border-radius:.5rem;background:var(--accent);color:#fff;text-decoration:none;font-weight:600}
.button.secondary{background:transparent;color:var(--accent);border:2px solid var(--accent);padding:.5rem .9rem}
a{color:var(--accent)}
a:focus-visible,.button:focus-visible,video:focus-visible{outline:3px solid var(--accent);outline-offset:3px}
ul.clips{list-style:none;padding:0;margin:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
.clip{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:.75rem}
.clip h2{font-size:1rem;margin:0 0 .5rem;overflow-wrap:anywhere}
video{display:block;width:100%;max-height:70vh;background:#000;border-radius:.5rem}
.status{font-weight:600}
.status.failed,.status.cancelled{color:var(--bad)}
.status.done{color:var(--ok)}
progress{width:100%}
`.trim();

const cssHash = createHash('sha256').update(css).digest('base64');

/** Strict CSP: no scripts at all, the one inline stylesheet by hash, media only from us. */
export function contentSecurityPolicy(publicOrigin: string): string {
  return [
    "default-src 'none'",
    `style-src 'sha256-${cssHash}'`,
    `media-src 'self' ${publicOrigin}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The studio's CSP: still no inline script or style (the page's code and styles are files under /studio/assets; the
 * error pages' one stylesheet by hash), plus what the studio needs: its scripts, fetch/SSE/tus to this origin, and
 * previews of local files (blob:) before they are uploaded.
 */
export function studioContentSecurityPolicy(publicOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'sha256-${cssHash}'`,
    "connect-src 'self'",
    `media-src 'self' blob: ${publicOrigin}`,
    "img-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A whole HTML page with the head every page of ours shares (charset, viewport, no indexing, no referrer). */
export function htmlDocument(o: { lang: string; title: string; head: Html; bodyAttrs?: Html; body: Html }): string {
  return `<!doctype html>
<html lang="${escapeHtml(o.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(o.title)}</title>
${o.head.value}
</head>
<body${o.bodyAttrs?.value ?? ''}>
${o.body.value}
</body>
</html>
`;
}

export function page(title: string, body: Html, lang = 'en'): string {
  return htmlDocument({ lang, title, head: new Html(`<style>${css}</style>`), body: new Html(`<main>\n${body.value}\n</main>`) });
}

/** A short page for errors and expired links. */
export function messagePage(title: string, message: string, lang = 'en'): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`, lang);
}
