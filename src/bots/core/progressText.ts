import { summarize, type BatchView, type ClipView } from './batchView.js';
import { fitText, progressBar, shortLabel } from './format.js';
import { refusalText } from '../../i18n/index.js';
import { wordsFor, type Words } from './wording.js';

/** One line per clip: "2. face.mp4 — ▓▓▓▓░░░░░░ 42% · 24 fps · about 10 s left". */
export function clipLine(clip: ClipView, locale?: string): string {
  return `${clip.index + 1}. ${shortLabel(clip.template)} — ${clipState(clip, locale)}`;
}

function clipState(clip: ClipView, locale: string | undefined): string {
  const words = wordsFor(locale);
  switch (clip.status) {
    case 'queued':
      return words.clipQueued(clip.position);
    case 'done':
      return clip.output?.preview ? words.clipDonePreview : words.clipDone;
    case 'failed':
      return words.clipFailed(clip.failure ? refusalText(locale, clip.failure) : clip.error);
    case 'cancelled':
      return words.clipCancelled;
    case 'active': {
      const p = clip.progress;
      if (!p || p.stage === 'probe') return words.clipPreparing;
      if (p.stage === 'audio') return words.clipReadingAudio;
      if (p.stage === 'finalize') return words.clipFinishing;
      const fraction = p.framesTotal > 0 ? p.framesDone / p.framesTotal : 0;
      return words.clipRendering(progressBar(fraction), Math.floor(fraction * 100), p.fps, p.etaSeconds);
    }
  }
}

function header(view: BatchView, words: Words): string {
  const s = summarize(view);
  if (view.finished || s.active + s.queued === 0) return words.progressHeaderFinished(s.done, s.failed, s.cancelled, s.total);
  if (view.cancelRequested) return words.progressCancelling;
  if (s.active > 0) {
    const current = Math.min(s.total, s.done + s.failed + s.cancelled + 1);
    return words.progressHeaderRendering(current, s.total);
  }
  const next = view.clips.filter((c) => c.status === 'queued').sort((a, b) => (a.position ?? Infinity) - (b.position ?? Infinity))[0];
  return words.progressHeaderWaiting(next?.position ?? null, next?.etaSeconds ?? null);
}

/** The whole progress message of a batch: header, audio, one line per clip. Pure: same view, same text. */
export function renderProgress(view: BatchView, maxLength = 4096, locale?: string): string {
  const words = wordsFor(locale);
  return fitText([header(view, words), words.progressAudioLine(view.audio), '', ...view.clips.map((c) => clipLine(c, locale))].join('\n'), maxLength);
}

/** True while the batch can still be cancelled. */
export function isCancellable(view: BatchView): boolean {
  if (view.finished || view.cancelRequested) return false;
  return view.clips.some((c) => c.status === 'queued' || c.status === 'active');
}
