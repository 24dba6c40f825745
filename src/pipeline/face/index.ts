/**
 * Face detection and tracking for the render pipeline.
 *
 *   const detector = await FaceDetector.create({ model: config.faceDetector, threads: 1 });
 *   const tracker = new FaceTracker({ smoothingFrames: config.smoothingFrames, frameWidth, frameHeight });
 *   for each frame i: for (const face of tracker.push(i, await detector.detect(frame))) use(face)
 *   at the end:       for (const face of tracker.flush()) use(face)
 *   crop:             cropBoxForFace(face, config.facePads, frameWidth, frameHeight)
 */
import type { FacePads } from '../../config/index.js';
import type { Rect } from '../composite/rect.js';
import type { RgbImage } from '../media/image.js';
import type { FrameImage } from '../media/yuvImage.js';
import { FULL_RANGE_ANCHORS } from './anchors.js';
import { BlazeFaceModel, type BlazeFaceModelKind } from './blazeface.js';
import { sampleRegion } from './detectorInput.js';
import type { FaceDetection, Point } from './types.js';

export type { FaceDetection, FaceKeypoints, Point, TrackedFace } from './types.js';
export { FaceTracker, type FaceTrackerOptions, boxIou, isCut } from './tracker.js';
export { BlazeFaceModel, blazeFaceModelPath, type BlazeFaceModelKind } from './blazeface.js';

export type FaceDetectorModel = 'short' | 'full' | 'auto';

export interface FaceDetectorOptions {
  /**
   * 'short': 128×128 short-range model (faces filling a good part of the frame; fastest).
   * 'full': 256×256 full-range model (also finds small / distant faces).
   * 'auto': short-range first, full-range for frames where the short-range model finds nothing. Once the full-range
   *   model was needed, it stays first while the face is small (< 20% of the frame's long side) so a clip with a
   *   small face costs one full-range run per frame rather than both models.
   */
  model: FaceDetectorModel;
  /** onnxruntime intra-op threads per model; default 1. */
  threads?: number;
  /** Minimum detection score; default 0.5. */
  scoreThreshold?: number;
}

/**
 * 'auto' switches back from the full-range to the short-range model when the main face is at least this fraction of
 * the frame's long side (128 input: ≥ ~26 px), comfortably above where the short-range model starts to find faces.
 */
const AUTO_SHORT_RANGE_MIN_FACE = 0.2;

/** Side of the search region around the previous main face, in face sizes. */
const NEAR_REGION_SCALE = 2.4;
/** Searching near the previous face only pays off when the region is clearly smaller than the frame. */
const NEAR_REGION_MAX_FRACTION = 0.7;

/** The square search region around a face (clamped to the frame), or null when it would cover most of the frame. */
export function regionAround(face: FaceDetection, frameWidth: number, frameHeight: number): { x: number; y: number; size: number } | null {
  const size = Math.round(NEAR_REGION_SCALE * Math.max(face.width, face.height));
  if (size >= NEAR_REGION_MAX_FRACTION * Math.min(frameWidth, frameHeight) || size < 8) return null;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const x = Math.min(Math.max(0, Math.round(cx - size / 2)), frameWidth - size);
  const y = Math.min(Math.max(0, Math.round(cy - size / 2)), frameHeight - size);
  return { x, y, size };
}

/** The same face with its box and keypoints moved by (dx, dy) pixels. */
export function translateFace(face: FaceDetection, dx: number, dy: number): FaceDetection {
  return mapFace(face, 1, 1, dx, dy);
}

/** The face found in a sampled region (see sampleRegion) in frame pixels: scaled by (sx, sy), then moved by (dx, dy). */
function mapFace(face: FaceDetection, sx: number, sy: number, dx: number, dy: number): FaceDetection {
  const move = (p: Point): Point => ({ x: p.x * sx + dx, y: p.y * sy + dy });
  const k = face.keypoints;
  return {
    ...face,
    x: face.x * sx + dx,
    y: face.y * sy + dy,
    width: face.width * sx,
    height: face.height * sy,
    keypoints: {
      rightEye: move(k.rightEye),
      leftEye: move(k.leftEye),
      nose: move(k.nose),
      mouth: move(k.mouth),
      rightEar: move(k.rightEar),
      leftEar: move(k.leftEar),
    },
  };
}

export class FaceDetector {
  private full: BlazeFaceModel | undefined;
  private fullLoading: Promise<BlazeFaceModel> | undefined;
  private disposed = false;
  /** 'auto': the short-range model missed the face on a recent frame and the face is still small. */
  private preferFull = false;
  private readonly opts: FaceDetectorOptions;
  private readonly primary: BlazeFaceModel;

  private constructor(opts: FaceDetectorOptions, primary: BlazeFaceModel) {
    this.opts = opts;
    this.primary = primary;
    if (primary.kind === 'full') this.full = primary;
  }

  static async create(opts: FaceDetectorOptions): Promise<FaceDetector> {
    const kind: BlazeFaceModelKind = opts.model === 'full' ? 'full' : 'short';
    const primary = await BlazeFaceModel.load(kind, { threads: opts.threads, scoreThreshold: opts.scoreThreshold });
    return new FaceDetector(opts, primary);
  }

  /** All faces in the frame, in frame pixels, best score first. Await each call before the next. */
  async detect(frame: FrameImage): Promise<FaceDetection[]> {
    if (this.disposed) throw new Error('FaceDetector used after dispose()');
    // The models only ever see their input size: shrink once, to the largest input a model here may need.
    const largestInput = this.opts.model === 'short' ? this.primary.inputSize : FULL_RANGE_ANCHORS.inputSize;
    const sampled = sampleRegion(frame, { x1: 0, y1: 0, x2: frame.width, y2: frame.height }, largestInput);
    const faces = await this.detectSampled(sampled.image);
    return faces.map((f) => mapFace(f, sampled.scaleX, sampled.scaleY, 0, 0));
  }

  private async detectSampled(image: RgbImage): Promise<FaceDetection[]> {
    if (this.opts.model !== 'auto') return this.primary.detect(image);
    // 'auto': start with the model that worked on the previous frame, try the other one when it finds nothing.
    const first = this.preferFull ? await this.fullModel() : this.primary;
    let faces = await first.detect(image);
    let used = first;
    if (faces.length === 0) {
      used = first === this.primary ? await this.fullModel() : this.primary;
      faces = await used.detect(image);
      if (faces.length === 0) return faces;
    }
    if (used === this.primary) {
      this.preferFull = false;
    } else {
      // Go back to the cheap short-range model only once the face is clearly big enough for it (hysteresis: the
      // short-range model starts finding faces at ~12-14% of the frame's long side; see the tests).
      const best = faces[0]!;
      this.preferFull = Math.max(best.width, best.height) < AUTO_SHORT_RANGE_MIN_FACE * Math.max(image.width, image.height);
    }
    return faces;
  }

  /**
   * Faces near where the main face was on the previous frame: the short-range model on a square around it sees a
   * small face large, so it finds it as well as the full-range model does on the whole frame, for a fraction of the
   * cost. Falls back to the whole frame when nothing is found there (the face moved away, a cut).
   */
  async detectNear(image: FrameImage, near: FaceDetection | null): Promise<FaceDetection[]> {
    if (this.disposed) throw new Error('FaceDetector used after dispose()');
    const region = near && this.opts.model !== 'full' ? regionAround(near, image.width, image.height) : null;
    if (region) {
      const rect = { x1: region.x, y1: region.y, x2: region.x + region.size, y2: region.y + region.size };
      const crop = sampleRegion(image, rect, this.primary.inputSize);
      const faces = await this.primary.detect(crop.image);
      if (faces.length > 0) return faces.map((f) => mapFace(f, crop.scaleX, crop.scaleY, region.x, region.y));
    }
    return this.detect(image);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const pending = this.fullLoading;
    await this.primary.dispose();
    if (pending) {
      const full = await pending.catch(() => undefined);
      if (full && full !== this.primary) await full.dispose();
    }
  }

  /** The full-range model for 'auto', loaded on first need. */
  private fullModel(): Promise<BlazeFaceModel> {
    if (this.full) return Promise.resolve(this.full);
    this.fullLoading ??= BlazeFaceModel.load('full', { threads: this.opts.threads, scoreThreshold: this.opts.scoreThreshold }).then(
      (m) => {
        this.full = m;
        return m;
      },
    );
    return this.fullLoading;
  }
}

/** Integer crop rectangle in frame pixels; x2/y2 exclusive (the compositing stage's Rect). */
export type CropBox = Rect;

/**
 * How the S3FD-like face box Wav2Lip was trained on is derived from BlazeFace's keypoints rather than its box: the
 * box's size differs between the short-range and the full-range model (on the test portrait 59.8 vs 65.3 px, 9%), so a
 * box-based crop would jump whenever FaceDetector 'auto' switches models, while the keypoints agree. The unit is
 * s = max(eye distance, 0.85 × eye-to-mouth distance): the eye distance is the better-localised measure (identical,
 * 28.2 px, from both models on the portrait, where eye-to-mouth is 26.4 vs 29.2 px); the mouth term takes over when a
 * turned head foreshortens the eyes (beyond ~30° of yaw). The box is centred on the face centre (midway between the eye
 * centre and the mouth: 139.1,78.3 vs 140.5,78.4 px) and is 2.35 s wide by 2.8 s high (66 × 79 px on the portrait),
 * with the centre at 55.5% of its height: the top lies on the forehead (y ≈ 34, brows at 52), the bottom just below the
 * chin (y ≈ 113, chin at 107), the eyes at ~37-39% and the mouth at ~72-74% of the height, a little wider than cheek to
 * cheek (110-172) — S3FD's proportions. The two models' crops of the portrait differ by < 3% of the crop size (test).
 */
export const S3FD_LIKE_GEOMETRY = { width: 2.35, height: 2.8, centreAt: 0.555, mouthWeight: 0.85 } as const;

/** The S3FD-like face box (before pads), as floats, from the eye and mouth keypoints. */
export function s3fdLikeBox(face: FaceDetection): { x1: number; y1: number; x2: number; y2: number } {
  const { rightEye, leftEye, mouth } = face.keypoints;
  const eyes = { x: (rightEye.x + leftEye.x) / 2, y: (rightEye.y + leftEye.y) / 2 };
  const g = S3FD_LIKE_GEOMETRY;
  const s = Math.max(Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y), g.mouthWeight * Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y));
  const cx = (eyes.x + mouth.x) / 2;
  const cy = (eyes.y + mouth.y) / 2;
  const top = cy - g.centreAt * g.height * s;
  return { x1: cx - (g.width * s) / 2, y1: top, x2: cx + (g.width * s) / 2, y2: top + g.height * s };
}

/**
 * Wav2Lip's crop: the S3FD-like face box (see s3fdLikeBox) plus pads top/bottom/left/right in pixels, rounded and
 * clamped to the frame: y1 = max(0, top - padTop), y2 = min(h, bottom + padBottom), likewise for x. A face made from a
 * fixed box (`fixedCrop`, see fixedBox.ts) is its own crop: no reshaping, no pads. The result is never empty (at least
 * 1×1) as long as the frame is not.
 */
export function cropBoxForFace(face: FaceDetection, pads: FacePads, frameWidth: number, frameHeight: number): CropBox {
  const b = face.fixedCrop ? { x1: face.x, y1: face.y, x2: face.x + face.width, y2: face.y + face.height } : padded(s3fdLikeBox(face), pads);
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  let x1 = clamp(Math.round(b.x1), 0, frameWidth);
  let y1 = clamp(Math.round(b.y1), 0, frameHeight);
  let x2 = clamp(Math.round(b.x2), 0, frameWidth);
  let y2 = clamp(Math.round(b.y2), 0, frameHeight);
  if (x2 <= x1) {
    if (x1 >= frameWidth) x1 = Math.max(0, frameWidth - 1);
    x2 = Math.min(frameWidth, x1 + 1);
  }
  if (y2 <= y1) {
    if (y1 >= frameHeight) y1 = Math.max(0, frameHeight - 1);
    y2 = Math.min(frameHeight, y1 + 1);
  }
  return { x1, y1, x2, y2 };
}

function padded(b: { x1: number; y1: number; x2: number; y2: number }, pads: FacePads) {
  return { x1: b.x1 - pads.left, y1: b.y1 - pads.top, x2: b.x2 + pads.right, y2: b.y2 + pads.bottom };
}
