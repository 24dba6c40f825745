import type { RgbImage } from '../media/image.js';
import type { FaceDetection } from '../face/types.js';
import type { FacePads } from '../../config/index.js';

/** One output frame handed to an engine. The engine edits `image` in place. */
export interface EngineFrame {
  /** Output frame index (0-based), also the index of its audio window. */
  index: number;
  image: RgbImage;
  /** The smoothed main face of this frame; frames without a face are never handed to an engine. */
  face: FaceDetection;
  /** The 80x16 mel window for this frame, band-major (80 rows of 16 columns). */
  mel: Float32Array;
}

/** Per-clip state of an engine (e.g. temporal smoothing of the mouth); created once per rendered clip. */
export interface ClipSynthesizer {
  /** Lip-syncs a batch of consecutive frames in place. Frames arrive in output order. */
  synthesize(frames: readonly EngineFrame[], signal?: AbortSignal): Promise<void>;
}

export interface ClipContext {
  fps: number;
  width: number;
  height: number;
  facePads: FacePads;
}

export interface LipSyncEngine {
  readonly name: 'wav2lip' | 'builtin';
  /** True for the weights-free preview engine; shown to users as "preview engine". */
  readonly preview: boolean;
  /** How many frames the pipeline should hand over per synthesize() call. */
  readonly batchSize: number;
  startClip(context: ClipContext): ClipSynthesizer;
  dispose(): Promise<void>;
}
