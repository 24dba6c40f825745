import type { RenderClipOptions, RenderStage } from '../pipeline/render/types.js';

/** Who asked for a batch. `platform` is e.g. "telegram", "discord", "cli", "web". */
export interface Owner {
  platform: string;
  userId: string;
  chatId?: string;
}

/** Opaque, JSON-serialisable data the submitter needs to find its status message again (chat id, message id…). */
export type ReplyTo = Record<string, string | number | boolean | null>;

export interface InputFile {
  /** Local file to copy into storage (the caller may delete it afterwards). */
  path: string;
  /** Display name, e.g. the uploaded file name. Never used to build a path. */
  label?: string;
}

export interface SubmitBatchRequest {
  owner: Owner;
  audio: InputFile;
  videos: InputFile[];
  options?: RenderClipOptions;
  replyTo?: ReplyTo;
  /** The submitter's language (src/i18n locale): later progress edits and deliveries use it. */
  locale?: string;
  /** Audio length when the caller already knows it; otherwise it is probed. */
  audioSeconds?: number;
}

export type ClipStatus = 'queued' | 'active' | 'done' | 'failed' | 'cancelled';
export const terminalStatuses: readonly ClipStatus[] = ['done', 'failed', 'cancelled'];

export interface ClipProgress {
  stage: RenderStage;
  framesDone: number;
  framesTotal: number;
  fps: number;
  etaSeconds: number | null;
}

export interface ClipOutput {
  /** Storage key of the MP4 (content address of the inputs and options). */
  key: string;
  /** Local path of the MP4 on the machine that reads it. */
  path: string;
  bytes: number;
  /** True when a previous render was reused instead of rendering again. */
  cached: boolean;
  /** True when the weights-free preview engine rendered it (users are told); unknown for reused outputs. */
  preview?: boolean;
}

export interface ClipFailure {
  /**
   * Stable code: an InputError code, 'internal', 'timeout', 'input-missing', 'lost', 'queue-unavailable' or
   * 'cancelled'. The bots word it per language by this code (src/i18n `refusals`), so one code means one sentence.
   */
  code: string;
  /** Safe to show to the user as-is. */
  message: string;
  /** The InputError's params: the bots and the results page word the failure in the reader's language (src/i18n). */
  params?: Readonly<Record<string, string | number | boolean>>;
}

export interface ClipState {
  clipId: string;
  batchId: string;
  index: number;
  /** Display label of the template (sanitised). */
  template: string;
  status: ClipStatus;
  attempts: number;
  progress: ClipProgress | null;
  output: ClipOutput | null;
  error: ClipFailure | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface BatchSummary {
  total: number;
  done: number;
  failed: number;
  cancelled: number;
}

export interface BatchState {
  batchId: string;
  owner: Owner;
  replyTo: ReplyTo | null;
  /** The submitter's language; absent on batches made before it was recorded (read them in DEFAULT_LOCALE). */
  locale?: string;
  options: RenderClipOptions;
  audio: string;
  status: 'running' | 'finished';
  createdAt: number;
  finishedAt: number | null;
  summary: BatchSummary;
  clips: ClipState[];
  /** Id of the last event written for this batch: resume an event subscription from here after a restart. */
  lastEventId: string | null;
}

export type BatchLogKind = 'queued' | 'started' | 'done' | 'failed' | 'cancelled' | 'retried' | 'cached';

/** One line of a batch's log (RenderQueue.batchLog): what happened to which clip, when. */
export interface BatchLogEntry {
  /** Milliseconds since the epoch. */
  at: number;
  clipId: string;
  index: number;
  kind: BatchLogKind;
  /** A failure's code (ClipFailure.code), worded per language from src/i18n `refusals`. */
  code?: string;
  /** A failure's params. */
  params?: Record<string, string | number | boolean>;
}

/** One page of a user's batches, newest first (RenderQueue.listBatches). */
export interface BatchPage {
  /** The user's batches still kept, on all pages. */
  total: number;
  batches: BatchState[];
}

export interface QueuedClip {
  clipId: string;
  template: string;
  status: ClipStatus;
  /** 1 = next to start; null when the clip is not waiting. */
  position: number | null;
  etaSeconds: number | null;
  cached: boolean;
}

export interface SubmitBatchResult {
  batchId: string;
  clips: QueuedClip[];
}

export interface Position {
  clipId: string;
  status: ClipStatus;
  position: number | null;
  etaSeconds: number | null;
}

/** The data a BullMQ job carries: everything the worker needs, nothing user-controlled that reaches a path. */
export interface ClipJobData {
  clipId: string;
  batchId: string;
  audioKey: string;
  templateKey: string;
  renderKey: string;
  options: RenderClipOptions;
  audioLabel: string;
  templateLabel: string;
}

export interface ClipJobResult {
  status: 'done' | 'failed' | 'cancelled' | 'skipped';
}
