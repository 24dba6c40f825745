import { catalogFor, refusalText } from '../../i18n/index.js';
import type { BatchState, ClipState, ClipStatus, Position } from '../../queue/types.js';
import type { BatchLogEntry, StudioQueue } from './queuePort.js';
import { fill, type StudioAuthWords } from './words.js';

/** One clip as the studio page shows it: every text already in the reader's language. */
export interface ClipView {
  clipId: string;
  index: number;
  template: string;
  status: ClipStatus;
  statusText: string;
  stage: string | null;
  percent: number | null;
  etaSeconds: number | null;
  etaText: string | null;
  /** 1 = next to start; null when not waiting. */
  position: number | null;
  bytes: number | null;
  error: string | null;
  /** Plays inline (Range); null until the clip is done. */
  fileUrl: string | null;
  downloadUrl: string | null;
  canCancel: boolean;
  canRetry: boolean;
}

export interface BatchView {
  batchId: string;
  createdAt: number;
  createdText: string;
  status: 'running' | 'finished';
  audio: string;
  summary: { total: number; done: number; failed: number; cancelled: number };
  clips: ClipView[];
  /** Null while no clip is done. */
  zipUrl: string | null;
  log: { at: number; text: string }[];
}

export interface BatchViewInput {
  batch: BatchState;
  /** Places in line of waiting clips (may be empty: then no positions are shown). */
  positions: readonly Position[];
  log: readonly BatchLogEntry[];
  locale: string;
}

/** What a view needs beyond the batch record: places in line (running batches only) and the log; empty when unreadable. */
export async function batchDetails(
  queue: Pick<StudioQueue, 'batchPositions' | 'batchLog'>,
  batch: BatchState,
): Promise<Pick<BatchViewInput, 'positions' | 'log'>> {
  const [positions, log] = await Promise.all([
    batch.status === 'running' ? queue.batchPositions(batch.batchId).catch(() => []) : Promise.resolve([]),
    queue.batchLog(batch.batchId).catch(() => []),
  ]);
  return { positions, log };
}

export const studioApi = {
  clipFile: (clipId: string) => `/studio/api/clips/${clipId}/file`,
  clipDownload: (clipId: string) => `/studio/api/clips/${clipId}/file?dl=1`,
  zip: (batchId: string) => `/studio/api/batches/${batchId}/zip`,
};

type Catalog = ReturnType<typeof catalogFor>;

function clipLabel(w: StudioAuthWords, clip: { template: string; index: number }): string {
  return clip.template || fill(w.clipLabel, { number: clip.index + 1 });
}

/** A failure in the reader's words; codes the catalog does not know read as the generic "could not be rendered". */
function failureText(c: Catalog, locale: string, failure: { code: string; message?: string; params?: Readonly<Record<string, string | number | boolean>> } | null | undefined): string {
  if (!failure) return c.web.errors.clipFailedDetail;
  return refusalText(locale, { code: failure.code, message: failure.message ?? c.web.errors.clipFailedDetail, ...(failure.params ? { params: failure.params } : {}) });
}

function clipView(c: Catalog, locale: string, clip: ClipState, position: Position | undefined): ClipView {
  const w = c.studioAuth;
  const progress = clip.status === 'active' ? clip.progress : null;
  const percent =
    clip.status === 'done' ? 100 : progress && progress.framesTotal > 0 ? Math.min(100, Math.floor((100 * progress.framesDone) / progress.framesTotal)) : null;
  const waitingAt = clip.status === 'queued' ? (position?.position ?? null) : null;
  const etaSeconds = clip.status === 'active' ? (progress?.etaSeconds ?? null) : clip.status === 'queued' ? (position?.etaSeconds ?? null) : null;
  const stageWords = c.web.stages as Record<string, string>;
  const stage = progress ? (stageWords[progress.stage] ?? c.web.stages.render) : null;
  const error = clip.status === 'failed' ? failureText(c, locale, clip.error) : null;
  let statusText: string;
  switch (clip.status) {
    case 'queued':
      statusText = waitingAt !== null ? fill(w.status.queuedAt, { position: waitingAt }) : w.status.queued;
      break;
    case 'active':
      statusText = stage !== null && percent !== null ? fill(w.status.activeStage, { stage, percent }) : w.status.active;
      break;
    case 'done':
      // Users are told when the weights-free preview engine made the clip (no model installed), as in the chats.
      statusText = clip.output?.preview === true ? w.status.donePreview : w.status.done;
      break;
    case 'failed':
      statusText = fill(w.status.failed, { reason: error ?? '' });
      break;
    case 'cancelled':
      statusText = w.status.cancelled;
      break;
  }
  const etaText =
    etaSeconds === null ? null : fill(clip.status === 'active' ? w.status.etaLeft : w.status.startsIn, { eta: c.units.eta(etaSeconds) });
  const done = clip.status === 'done' && clip.output !== null;
  return {
    clipId: clip.clipId,
    index: clip.index,
    template: clip.template,
    status: clip.status,
    statusText,
    stage: progress?.stage ?? null,
    percent,
    etaSeconds,
    etaText,
    position: waitingAt,
    bytes: done ? (clip.output?.bytes ?? null) : null,
    error,
    fileUrl: done ? studioApi.clipFile(clip.clipId) : null,
    downloadUrl: done ? studioApi.clipDownload(clip.clipId) : null,
    canCancel: clip.status === 'queued' || clip.status === 'active',
    canRetry: clip.status === 'failed',
  };
}

function logText(c: Catalog, locale: string, entry: BatchLogEntry, clips: ReadonlyMap<string, ClipState>): string {
  const w = c.studioAuth;
  const clip = clipLabel(w, clips.get(entry.clipId) ?? { template: '', index: entry.index });
  switch (entry.kind) {
    case 'failed':
      return fill(w.log.failed, { clip, reason: failureText(c, locale, entry.code ? { code: entry.code, ...(entry.params ? { params: entry.params } : {}) } : null) });
    default:
      return fill(w.log[entry.kind], { clip });
  }
}

/** A batch record (with its places in line and log) as the studio's JSON, worded for `locale`. */
export function batchView(input: BatchViewInput): BatchView {
  const { batch, locale } = input;
  const c = catalogFor(locale);
  const positionOf = new Map(input.positions.map((p) => [p.clipId, p]));
  const clipsById = new Map(batch.clips.map((clip) => [clip.clipId, clip]));
  const anyDone = batch.clips.some((clip) => clip.status === 'done' && clip.output !== null);
  return {
    batchId: batch.batchId,
    createdAt: batch.createdAt,
    createdText: c.units.dateTime(batch.createdAt),
    status: batch.status,
    audio: batch.audio,
    summary: { total: batch.summary.total, done: batch.summary.done, failed: batch.summary.failed, cancelled: batch.summary.cancelled },
    clips: batch.clips.map((clip) => clipView(c, locale, clip, positionOf.get(clip.clipId))),
    zipUrl: anyDone ? studioApi.zip(batch.batchId) : null,
    log: input.log.map((entry) => ({ at: entry.at, text: logText(c, locale, entry, clipsById) })),
  };
}
