import type { BatchState, ClipFailure, ClipProgress, ClipStatus, QueueEvent, SubmitBatchResult } from '../../queue/index.js';

/** What a progress message shows about one clip. */
export interface ClipView {
  clipId: string;
  index: number;
  template: string;
  status: ClipStatus;
  /** Place in line while queued (1 = next). */
  position: number | null;
  etaSeconds: number | null;
  progress: ClipProgress | null;
  /** User-safe failure text. */
  error: string | null;
  /** The failure's code and params, to word it in the reader's language (falls back to `error`). */
  failure?: ClipFailure | null;
  /** `preview`: rendered by the weights-free preview engine, which users are told. */
  /** `key`: the output's storage key (delivery reads it through the storage interface, wherever it is stored). */
  output: { key: string; bytes: number; preview: boolean } | null;
}

/** What a progress message shows about one batch; built from the queue's state and kept current by its events. */
export interface BatchView {
  batchId: string;
  audio: string;
  clips: ClipView[];
  finished: boolean;
  /** Set once the user pressed Cancel, until the queue confirms. */
  cancelRequested: boolean;
}

const terminal: ReadonlySet<ClipStatus> = new Set<ClipStatus>(['done', 'failed', 'cancelled']);

export function isTerminal(status: ClipStatus): boolean {
  return terminal.has(status);
}

export function viewFromSubmit(result: SubmitBatchResult, audio: string): BatchView {
  return {
    batchId: result.batchId,
    audio,
    clips: result.clips.map((c, index) => ({
      clipId: c.clipId,
      index,
      template: c.template,
      status: c.status,
      position: c.position,
      etaSeconds: c.etaSeconds,
      progress: null,
      error: null,
      output: null,
    })),
    finished: false,
    cancelRequested: false,
  };
}

export function viewFromState(state: BatchState): BatchView {
  return {
    batchId: state.batchId,
    audio: state.audio,
    clips: state.clips.map((c) => ({
      clipId: c.clipId,
      index: c.index,
      template: c.template,
      status: c.status,
      position: null,
      etaSeconds: null,
      progress: c.progress,
      error: c.error?.message ?? null,
      failure: c.error,
      output: c.output ? { key: c.output.key, bytes: c.output.bytes, preview: c.output.preview === true } : null,
    })),
    finished: state.status === 'finished',
    cancelRequested: false,
  };
}

/**
 * Applies one queue event to the view (in place). A clip that reached a final state never goes back, so events
 * replayed after a restart or delivered twice are harmless. Returns the clip the event finished, if any.
 */
export function applyEvent(view: BatchView, event: QueueEvent): ClipView | null {
  if (event.batchId !== view.batchId) return null;
  if (event.type === 'batchDone') {
    view.finished = true;
    return null;
  }
  const clip = view.clips.find((c) => c.clipId === event.clipId);
  if (!clip || isTerminal(clip.status)) return null;
  switch (event.type) {
    case 'queued':
      clip.status = 'queued';
      clip.position = event.position;
      clip.etaSeconds = event.etaSeconds;
      return null;
    case 'started':
      clip.status = 'active';
      clip.position = null;
      clip.etaSeconds = null;
      return null;
    case 'progress':
      clip.status = 'active';
      clip.position = null;
      clip.progress = event.progress;
      return null;
    case 'clipDone':
      clip.status = 'done';
      clip.output = { key: event.output.key, bytes: event.output.bytes, preview: event.output.preview === true };
      return clip;
    case 'clipFailed':
      clip.status = 'failed';
      clip.error = event.reason.message;
      clip.failure = event.reason;
      return clip;
    case 'cancelled':
      clip.status = 'cancelled';
      return clip;
  }
}

/** Copies waiting positions from a fresh queue look-up. */
export function applyPositions(view: BatchView, positions: readonly { clipId: string; position: number | null; etaSeconds: number | null }[]): void {
  for (const p of positions) {
    const clip = view.clips.find((c) => c.clipId === p.clipId);
    if (clip && clip.status === 'queued') {
      clip.position = p.position;
      clip.etaSeconds = p.etaSeconds;
    }
  }
}

export function summarize(view: BatchView): { total: number; done: number; failed: number; cancelled: number; active: number; queued: number } {
  const count = (s: ClipStatus) => view.clips.filter((c) => c.status === s).length;
  return { total: view.clips.length, done: count('done'), failed: count('failed'), cancelled: count('cancelled'), active: count('active'), queued: count('queued') };
}
