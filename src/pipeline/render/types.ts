import type { EngineName, LoopMode } from '../../config/index.js';
import type { FixedBox } from '../face/fixedBox.js';

export type RenderStage = 'probe' | 'audio' | 'render' | 'finalize';

/** Progress of one clip, reported at most every ~250 ms by renderClip (callers throttle further as they like). */
export interface RenderProgress {
  stage: RenderStage;
  /** Output frames finished so far (0 before the render stage). */
  framesDone: number;
  /** Output frames in total (known after probing). */
  framesTotal: number;
  /** Frames per second over the render stage so far. */
  fps: number;
  /** Seconds left, estimated from fps; null while unknown. */
  etaSeconds: number | null;
  /** The face restorer the render stage applies (LIPSYNC_ENHANCER), e.g. "GFPGAN-style 512 px"; absent without one. */
  enhancer?: string;
  /** Length of the clip being made in seconds, once the audio is decoded (the worker bounds render time by it). */
  clipSeconds?: number;
}

export interface RenderClipInput {
  /** Audio file (or a video whose sound track is used). */
  audioPath: string;
  /** Template video or still image. */
  templatePath: string;
  /** Where the MP4 goes; written atomically (temp file + rename). */
  outputPath: string;
  /** Names shown in user-facing errors instead of paths, e.g. the uploaded file name ("video2.mp4"). */
  audioLabel?: string;
  templateLabel?: string;
}

export interface RenderClipOptions {
  engine?: EngineName;
  loopMode?: LoopMode;
  /**
   * A fixed crop (Wav2Lip's --box) in the template's own upright pixels: that rectangle of every frame is the face
   * crop — no face detection (the detector is not loaded), no pads, no smoothing. Scaled with the frames when the
   * template is rendered smaller (MAX_RENDER_HEIGHT).
   */
  box?: FixedBox;
}

export interface RenderClipResult {
  outputPath: string;
  /** Output frames written. */
  frames: number;
  /** Frames where a face was found and lip-synced; the rest passed through unchanged. */
  framesWithFace: number;
  fps: number;
  width: number;
  height: number;
  durationSeconds: number;
  /** The engine actually used (after any fallback). */
  engine: EngineName;
  /** True when the weights-free preview engine rendered the clip. */
  preview: boolean;
  /** Wall-clock seconds spent. */
  seconds: number;
}

export type ProgressCallback = (progress: RenderProgress) => void;
