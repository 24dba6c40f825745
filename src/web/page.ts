import type { RenderStage } from '../pipeline/render/types.js';
import type { BatchState, ClipState, Position } from '../queue/index.js';
import { html, page, type Html } from './html.js';
import type { LinkSigner } from './links.js';

export interface ResultsPageInput {
  batch: BatchState;
  positions: readonly Position[];
  links: LinkSigner;
  /** Expiry of the page's own link (unix seconds); the links on the page expire with it. */
  expiresAt: number;
}

const stageNames: Record<RenderStage, string> = {
  probe: 'checking the files',
  audio: 'reading the audio',
  render: 'lip-syncing',
  finalize: 'finishing',
};

function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

function clipStatus(clip: ClipState, position: Position | undefined, headingId: string): Html {
  switch (clip.status) {
    case 'done':
      return html`<p class="status done">Ready</p>`;
    case 'failed':
      return html`<p class="status failed">Failed: ${clip.error?.message ?? 'this clip could not be rendered.'}</p>`;
    case 'cancelled':
      return html`<p class="status cancelled">Cancelled</p>`;
    case 'active': {
      const p = clip.progress;
      if (!p || p.framesTotal <= 0) return html`<p class="status">Rendering…</p>`;
      const percent = Math.min(100, Math.floor((100 * p.framesDone) / p.framesTotal));
      return html`<p class="status">Rendering: ${stageNames[p.stage] ?? 'rendering'}, ${percent}%</p>
<progress max="100" value="${percent}" aria-labelledby="${headingId}">${percent}%</progress>`;
    }
    case 'queued': {
      const n = position?.position;
      return html`<p class="status">${n ? `Waiting in line (number ${n})` : 'Waiting in line'}</p>`;
    }
  }
}

function clipCard(clip: ClipState, input: ResultsPageInput, position: Position | undefined): Html {
  const headingId = `clip-${clip.index + 1}`;
  const label = clip.template || `Clip ${clip.index + 1}`;
  const linkOptions = { expiresAt: input.expiresAt };
  const body =
    clip.status === 'done' && clip.output
      ? html`<video controls preload="metadata" playsinline src="${input.links.clipUrl(clip.clipId, linkOptions)}" aria-labelledby="${headingId}"></video>
<p><a href="${input.links.downloadUrl(clip.clipId, linkOptions)}" download>Download ${label}</a> <span class="muted">(MP4, ${fileSize(clip.output.bytes)})</span></p>`
      : html``;
  return html`<li class="clip" data-clip-id="${clip.clipId}" data-status="${clip.status}">
<h2 id="${headingId}">${clip.index + 1}. ${label}</h2>
${clipStatus(clip, position, headingId)}
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
  const counts = [`${s.total} ${s.total === 1 ? 'clip' : 'clips'}`, `${s.done} ready`];
  if (s.failed > 0) counts.push(`${s.failed} failed`);
  if (s.cancelled > 0) counts.push(`${s.cancelled} cancelled`);
  const pending = s.total - s.done - s.failed - s.cancelled;
  if (pending > 0) counts.push(`${pending} still rendering`);

  const body = html`<h1>Your lip-synced clips</h1>
<p>Audio: <strong>${batch.audio || 'audio'}</strong> · ${counts.join(' · ')}</p>
<p class="muted">These links work until <time datetime="${expiry.toISOString()}">${expiry.toUTCString()}</time>.</p>
${
  done.length > 0
    ? html`<p class="actions"><a class="button" href="${input.links.zipUrl(batch.batchId, { expiresAt: input.expiresAt })}" download>Download all (ZIP)</a>
${done.length < s.total ? html` <span class="muted">${done.length} of ${s.total} clips</span>` : ''}</p>`
    : ''
}
${
  running
    ? html`<p role="status">Some clips are still being made. <a class="button secondary" href="${input.links.batchUrl(batch.batchId, { expiresAt: input.expiresAt })}">Reload</a> to see the latest.</p>`
    : ''
}
<ul class="clips">
${batch.clips.map((c) => clipCard(c, input, positionOf.get(c.clipId)))}
</ul>`;
  return page('Your lip-synced clips', body);
}
