import { refusalText, webWordsFor, type WebWords } from '../i18n/index.js';
import type { BatchState, ClipState, Position } from '../queue/index.js';
import { html, page, type Html } from './html.js';
import type { LinkSigner } from './links.js';

export interface ResultsPageInput {
  batch: BatchState;
  positions: readonly Position[];
  links: LinkSigner;
  /** Expiry of the page's own link (unix seconds); the links on the page expire with it. */
  expiresAt: number;
  /** The reader's language (Accept-Language); English when absent. */
  locale?: string;
}

function clipStatus(w: WebWords, clip: ClipState, position: Position | undefined, headingId: string): Html {
  switch (clip.status) {
    case 'done':
      // Readers are told when the weights-free preview engine made the clip (no model installed), as in the chats.
      return html`<p class="status done">${clip.output?.preview === true ? w.readyPreview : w.ready}</p>`;
    case 'failed':
      return html`<p class="status failed">${w.failed(clip.error ? refusalText(w.lang, clip.error) : null)}</p>`;
    case 'cancelled':
      return html`<p class="status cancelled">${w.cancelled}</p>`;
    case 'active': {
      const p = clip.progress;
      if (!p || p.framesTotal <= 0) return html`<p class="status">${w.renderingNoProgress}</p>`;
      const percent = Math.min(100, Math.floor((100 * p.framesDone) / p.framesTotal));
      return html`<p class="status">${w.rendering(w.stages[p.stage] ?? w.stages.render, percent)}</p>
<progress max="100" value="${percent}" aria-labelledby="${headingId}">${percent}%</progress>`;
    }
    case 'queued': {
      const n = position?.position;
      return html`<p class="status">${w.waiting(n ?? null)}</p>`;
    }
  }
}

function clipCard(w: WebWords, clip: ClipState, input: ResultsPageInput, position: Position | undefined): Html {
  const headingId = `clip-${clip.index + 1}`;
  const label = clip.template || w.clipFallbackLabel(clip.index);
  const linkOptions = { expiresAt: input.expiresAt };
  const body =
    clip.status === 'done' && clip.output
      ? html`<video controls preload="metadata" playsinline src="${input.links.clipUrl(clip.clipId, linkOptions)}" aria-labelledby="${headingId}"></video>
<p><a href="${input.links.downloadUrl(clip.clipId, linkOptions)}" download>${w.download(label)}</a> <span class="muted">(MP4, ${w.fileSize(clip.output.bytes)})</span></p>`
      : html``;
  return html`<li class="clip" data-clip-id="${clip.clipId}" data-status="${clip.status}">
<h2 id="${headingId}">${clip.index + 1}. ${label}</h2>
${clipStatus(w, clip, position, headingId)}
${body}
</li>
`;
}

/** The page behind a batch link: every clip with its preview or its status, and the ZIP of the finished ones. */
export function renderResultsPage(input: ResultsPageInput): string {
  const { batch } = input;
  const s = batch.summary;
  const done = batch.clips.filter((c) => c.status === 'done' && c.output);
  const running = batch.status === 'running';
  const expiry = new Date(input.expiresAt * 1000);
  const positionOf = new Map(input.positions.map((p) => [p.clipId, p]));
  const w = webWordsFor(input.locale);
  const pending = s.total - s.done - s.failed - s.cancelled;
  const counts = w.counts(s.total, s.done, s.failed, s.cancelled, pending);

  const body = html`<h1>${w.title}</h1>
<p>${w.audioLine} <strong>${batch.audio || w.audioFallback}</strong> · ${counts}</p>
<p class="muted">${w.linksUntil} <time datetime="${expiry.toISOString()}">${w.dateTime(expiry.getTime())}</time>.</p>
${
  done.length > 0
    ? html`<p class="actions"><a class="button" href="${input.links.zipUrl(batch.batchId, { expiresAt: input.expiresAt })}" download>${w.downloadAll}</a>
${done.length < s.total ? html` <span class="muted">${w.someOfAll(done.length, s.total)}</span>` : ''}</p>`
    : ''
}
${
  running
    ? html`<p role="status">${w.stillRendering} <a class="button secondary" href="${input.links.batchUrl(batch.batchId, { expiresAt: input.expiresAt })}">${w.reload}</a> ${w.reloadTail}</p>`
    : ''
}
<ul class="clips">
${batch.clips.map((c) => clipCard(w, c, input, positionOf.get(c.clipId)))}
</ul>`;
  return page(w.title, body, w.lang);
}
