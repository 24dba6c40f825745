import type { RgbImage } from '../media/image.js';
import type { FaceDetection } from '../face/types.js';
import type { FacePads } from '../../config/index.js';
import type { Rect } from '../composite/rect.js';
import type { StageTimings } from '../render/stageTimings.js';

/** One output frame handed to an engine. The engine edits `image` in place. */
export interface EngineFrame {
  /** Output frame index (0-based), also the index of its audio window. */
  index: number;
  /**
   * The part of the frame the engine works on (at least its `workArea` for this face; the whole frame is fine too),
   * as RGB. The renderer writes back whatever the engine changed.
   */
  image: RgbImage;
  /** The smoothed main face of this frame, in `image`'s coordinates; frames without a face never reach an engine. */
  face: FaceDetection;
  /** The 80x16 mel window for this frame, band-major (80 rows of 16 columns). */
  mel: Float32Array;
  /**
   * Set by the engine, optionally: the part of `image` it changed (null: nothing), so only that part is written back.
   * Left undefined, the whole image is compared with what it was.
   */
  changed?: Rect | null;
}

/** Per-clip state of an engine (e.g. temporal smoothing of the mouth); created once per rendered clip. */
export interface ClipSynthesizer {
  /**
   * The pixels the engine reads or changes for a face, in frame coordinates (within the clip's width × height).
   * Frames stay in the decoder's YUV; only this part is converted to RGB for the engine and back.
   */
  workArea(face: FaceDetection): Rect;
  /** Lip-syncs a batch of consecutive frames in place. Frames arrive in output order. */
  synthesize(frames: readonly EngineFrame[], signal?: AbortSignal): Promise<void>;
}

export interface ClipContext {
  fps: number;
  width: number;
  height: number;
  facePads: FacePads;
  /**
   * The fixed crop (render option `box`) in frame pixels, when there is one: every face of the clip is then made from
   * it (`fixedCrop`) and the crop is exactly this rectangle.
   */
  fixedBox?: Rect;
  /** The render's stage timings: an engine with a face restorer adds its time to `enhance` (part of `engine`). */
  timings?: StageTimings;
}

export interface LipSyncEngine {
  readonly name: 'wav2lip' | 'builtin';
  /** True for the weights-free preview engine; shown to users as "preview engine". */
  readonly preview: boolean;
  /** How many frames the pipeline should hand over per synthesize() call. */
  readonly batchSize: number;
  /** The face restorer applied to generated faces (LIPSYNC_ENHANCER), by its label; null or absent without one. */
  readonly enhancer?: string | null;
  startClip(context: ClipContext): ClipSynthesizer;
  dispose(): Promise<void>;
}
