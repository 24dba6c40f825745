import { catalogFor, locales, type Catalog, type Locale } from '../../i18n/index.js';
import { escapeHtml, html, Html, htmlDocument } from '../html.js';
import { SIGN_IN_COMMANDS } from './words.js';

/**
 * The studio page: a server-rendered shell in the session's language that web/studio/studio.js brings to life.
 * Strict CSP: no inline script, style or handler; the browser's strings travel as JSON data
 * (`script#studio-messages`, never executed) and the CSRF token as a meta tag. Element ids: /tmp/briefs/dom.md.
 */

export type StudioWords = Catalog['studio'];

/** What the page needs of GET /studio/api/me. */
export interface StudioMe {
  owner: { platform: string; userId: string };
  limits: { maxClips: number; maxAudioSeconds: number; maxVideoSeconds: number; maxFileBytes: number };
  loopModes: readonly string[];
}

export interface StudioPageInput {
  /** The catalog of the session's language (catalogFor(session.locale)). */
  words: Catalog;
  locale: Locale;
  csrf: string;
  me: StudioMe;
}

export const STUDIO_ASSETS_PATH = '/studio/assets';
/**
 * The same seen from the page at …/studio: relative, so the page also works behind a proxy that serves the web
 * server under a path (PUBLIC_URL https://host/lipsync → https://host/lipsync/studio/assets/…).
 */
const ASSETS_HREF = 'studio/assets';

/** Each language by its own name: readers look for their language in their script. */
const languageNames: Record<Locale, string> = { en: 'English', 'zh-CN': '中文' };

/** `{name}` placeholders of a catalog string filled with markup or escaped text; the rest of the string is escaped. */
export function fillHtml(template: string, parts: Readonly<Record<string, Html | string | number>>): Html {
  let out = '';
  let last = 0;
  for (const m of template.matchAll(/\{([a-zA-Z]+)\}/g)) {
    const name = m[1]!;
    out += escapeHtml(template.slice(last, m.index));
    const part = Object.hasOwn(parts, name) ? parts[name]! : m[0];
    out += part instanceof Html ? part.value : escapeHtml(part);
    last = m.index + m[0].length;
  }
  return new Html(out + escapeHtml(template.slice(last)));
}

/** JSON that is safe inside a <script> element: nothing in it can close the element or start a comment. */
export function scriptJson(value: unknown): Html {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new Html(json);
}

function shell(lang: string, title: string, head: Html, bodyAttrs: Html, body: Html): string {
  return htmlDocument({
    lang,
    title,
    head: html`<link rel="icon" href="${ASSETS_HREF}/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS_HREF}/studio.css">
${head}`,
    bodyAttrs,
    body,
  });
}

function languageSwitch(w: StudioWords, locale: Locale): Html {
  return html`<div id="lang-switch" class="lang-switch" role="group" aria-label="${w.page.languageLabel}">
${locales.map((l) => html`<button type="button" class="chip" data-locale="${l}" lang="${l}" aria-pressed="${l === locale ? 'true' : 'false'}">${languageNames[l]}</button>`)}
</div>`;
}

function stepHeading(id: string, step: number | null, text: string): Html {
  return html`<h2 id="${id}">${step === null ? '' : html`<span class="step" aria-hidden="true">${step}</span> `}${text}</h2>`;
}

/** The whole studio page for a signed-in session. */
export function renderStudioPage(input: StudioPageInput): string {
  const { words, me } = input;
  const w = words.studio;
  const units = words.units;
  const lim = me.limits;
  const platform = (w.page.platforms as Record<string, string | undefined>)[me.owner.platform] ?? me.owner.platform;
  const head = html`<meta name="csrf-token" content="${input.csrf}">
<script src="${ASSETS_HREF}/tus.min.js" defer></script>
<script type="module" src="${ASSETS_HREF}/studio.js"></script>`;
  const loopOptions = me.loopModes.map(
    (mode) => html`<option value="${mode}">${(w.page.loopModes as Record<string, string | undefined>)[mode] ?? mode}</option>`,
  );

  const body = html`<header class="top">
<div class="brand">
<h1>${w.page.title}</h1>
<p class="muted">${w.page.tagline}</p>
</div>
<div class="account">
<p class="muted who">${fillHtml(w.page.signedInAs, { platform, user: me.owner.userId })}</p>
${languageSwitch(w, input.locale)}
<form id="sign-out-form" method="post" action="studio/logout"><button id="sign-out" type="submit" class="secondary">${w.page.signOut}</button></form>
</div>
</header>
<noscript><p class="notice bad">${w.page.noScript}</p></noscript>
<p id="notice" class="notice" role="status" aria-live="polite"></p>
<main class="studio">
<section id="audio-section" class="panel" aria-labelledby="audio-heading">
${stepHeading('audio-heading', 1, w.page.audioHeading)}
<p class="hint">${fillHtml(w.page.audioHint, { duration: units.seconds(lim.maxAudioSeconds), size: units.bytes(lim.maxFileBytes) })}</p>
<div class="picker">
<input id="audio-input" class="file-input" type="file" accept="audio/*,video/*">
<label for="audio-input" class="button">${w.page.audioPick}</label>
</div>
<div id="audio-card" class="upload-card" data-kind="audio" data-upload-id="" data-status="" hidden></div>
<h3 id="recent-heading">${w.page.recentAudios}</h3>
<ul id="recent-audios" class="recent" aria-labelledby="recent-heading"></ul>
</section>
<section id="templates-section" class="panel" aria-labelledby="templates-heading">
${stepHeading('templates-heading', 2, w.page.templatesHeading)}
<p class="hint">${fillHtml(w.page.templatesHint, { count: lim.maxClips, duration: units.seconds(lim.maxVideoSeconds), size: units.bytes(lim.maxFileBytes) })}</p>
<div id="drop-zone" class="drop-zone">
<input id="template-input" class="file-input" type="file" multiple accept="video/*,image/*">
<label for="template-input" class="button">${w.page.templatesPick}</label>
<span class="muted drop-hint">${w.page.dropHint}</span>
</div>
<ul id="template-list" class="cards" aria-labelledby="templates-heading"></ul>
</section>
<section id="start-section" class="panel" aria-labelledby="start-heading">
${stepHeading('start-heading', 3, w.page.startHeading)}
<div class="start-row">
<label for="loop-select">${w.page.loopLabel}</label>
<select id="loop-select">${loopOptions}</select>
<button id="start-button" type="button" disabled>${w.page.startButton}</button>
</div>
<p id="start-status" class="hint" role="status" aria-live="polite"></p>
</section>
<section id="queue" class="panel wide" aria-labelledby="queue-heading">
${stepHeading('queue-heading', null, w.page.queueHeading)}
<p id="queue-empty" class="muted">${w.page.queueEmpty}</p>
<div id="queue-list" class="batches"></div>
</section>
<section id="history" class="panel wide" aria-labelledby="history-heading">
${stepHeading('history-heading', null, w.page.historyHeading)}
<p id="history-empty" class="muted" hidden>${w.page.historyEmpty}</p>
<div id="history-list" class="batches"></div>
<nav id="history-pager" class="pager" aria-label="${w.page.historyNav}" data-page="1" data-pages="1">
<button type="button" class="pager-prev secondary" disabled>${w.page.newer}</button>
<span class="pager-label" aria-live="polite"></span>
<button type="button" class="pager-next secondary" disabled>${w.page.older}</button>
</nav>
</section>
</main>
<script type="application/json" id="studio-messages">${scriptJson(w.client)}</script>`;
  return shell(words.web.lang, w.page.title, head, html` data-ready="false" data-live="closed"`, body);
}

/** The page for a browser without a session (the server sends it with 401): how to get a sign-in link. */
export function renderStudioSignedOut(words: Catalog = catalogFor(null)): string {
  const w = words.studio.page;
  const code = (text: string) => html`<code>${text}</code>`;
  const body = html`<main class="studio signed-out">
<section class="panel">
<h1>${w.signedOutTitle}</h1>
<p>${fillHtml(w.signedOutText, { telegram: code(SIGN_IN_COMMANDS.telegram), discord: code(SIGN_IN_COMMANDS.discord), cli: code(SIGN_IN_COMMANDS.cli) })}</p>
</section>
</main>`;
  return shell(words.web.lang, w.signedOutTitle, html``, html``, body);
}
