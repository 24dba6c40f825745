/**
 * Main-face selection and streaming temporal smoothing.
 *
 * Selection: with no reference yet (or when nothing overlaps it) the largest face wins, weighted towards the frame
 * centre when the frame size is known; afterwards the detection overlapping the previous main face best (IoU > 0.2)
 * is kept, so the tracker sticks to one person when several are visible.
 *
 * Smoothing: a centred moving average over a window of `smoothingFrames` frame indices (lookahead
 * floor(smoothingFrames / 2)), averaging box and keypoints of the frames in the window that have a face and belong to
 * the same segment. A new segment starts after a gap of more than `maxGapFrames` frames without a face, or at a cut
 * (the main face jumps or changes size abruptly), so boxes are never blended across shots or different people. Only
 * O(smoothingFrames) frames are held.
 */
import type { FaceDetection, FaceKeypoints, Point, TrackedFace } from './types.js';

export interface FaceTrackerOptions {
  /** Moving-average window in frames; 1 (or less) disables smoothing. */
  smoothingFrames: number;
  /** Frame size, used to prefer central faces when picking a new main face. Optional. */
  frameWidth?: number;
  frameHeight?: number;
  /** Longest run of face-less frames that smoothing may bridge; default 2. */
  maxGapFrames?: number;
  /** IoU with the previous main face above which a detection is taken as the same face; default 0.2. */
  matchIou?: number;
}

interface Entry {
  index: number;
  face: FaceDetection | null;
  segment: number;
}

const KEYPOINT_NAMES = ['rightEye', 'leftEye', 'nose', 'mouth', 'rightEar', 'leftEar'] as const satisfies readonly (keyof FaceKeypoints)[];

export function boxIou(a: FaceDetection, b: FaceDetection): number {
  const ix = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (ix <= 0 || iy <= 0) return 0;
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * True when `cur` cannot be the same face as `prev` one frame later: little overlap, a centre jump of more than
 * half the face size, or a size change of more than 1.5×.
 */
export function isCut(prev: FaceDetection, cur: FaceDetection, matchIou = 0.2): boolean {
  if (boxIou(prev, cur) <= matchIou) return true;
  const size = (Math.sqrt(prev.width * prev.height) + Math.sqrt(cur.width * cur.height)) / 2;
  const dx = prev.x + prev.width / 2 - (cur.x + cur.width / 2);
  const dy = prev.y + prev.height / 2 - (cur.y + cur.height / 2);
  if (Math.hypot(dx, dy) > 0.5 * size) return true;
  const ratio = (cur.width * cur.height) / (prev.width * prev.height);
  return ratio > 2.25 || ratio < 1 / 2.25;
}

export class FaceTracker {
  private readonly lookahead: number;
  private readonly lookbehind: number;
  private readonly maxGap: number;
  private readonly matchIou: number;
  private readonly frameWidth: number | undefined;
  private readonly frameHeight: number | undefined;
  /** Frames still needed: not yet emitted, or inside the look-behind of the next one to emit. */
  private readonly buffer: Entry[] = [];
  /** Number of entries at the front of `buffer` that were already emitted. */
  private emitted = 0;
  private lastIndex = -Infinity;
  private prevFace: FaceDetection | null = null;
  private prevFaceIndex = -Infinity;
  private segment = 0;

  constructor(opts: FaceTrackerOptions) {
    const window = Math.max(1, Math.floor(Number.isFinite(opts.smoothingFrames) ? opts.smoothingFrames : 1));
    this.lookahead = Math.floor(window / 2);
    this.lookbehind = window - 1 - this.lookahead;
    this.maxGap = opts.maxGapFrames ?? 2;
    this.matchIou = opts.matchIou ?? 0.2;
    this.frameWidth = opts.frameWidth;
    this.frameHeight = opts.frameHeight;
  }

  /** Adds one frame (indices strictly increasing) and returns the frames that are now final, in order. */
  push(frameIndex: number, detections: readonly FaceDetection[]): TrackedFace[] {
    if (!(frameIndex > this.lastIndex)) {
      throw new RangeError(`frame indices must increase (got ${frameIndex} after ${this.lastIndex})`);
    }
    const face = this.choose(detections);
    let segment = this.segment;
    if (face) {
      if (this.prevFace && (frameIndex - this.prevFaceIndex - 1 > this.maxGap || isCut(this.prevFace, face, this.matchIou))) {
        segment = ++this.segment;
      }
      this.prevFace = face;
      this.prevFaceIndex = frameIndex;
    }
    this.buffer.push({ index: frameIndex, face, segment });
    this.lastIndex = frameIndex;
    return this.drain(false);
  }

  /** Emits every frame still held (end of stream). The tracker can keep going afterwards with higher indices. */
  flush(): TrackedFace[] {
    return this.drain(true);
  }

  /** The main face among this frame's detections, or null. */
  private choose(detections: readonly FaceDetection[]): FaceDetection | null {
    if (detections.length === 0) return null;
    const prev = this.prevFace;
    if (prev) {
      let best: FaceDetection | null = null;
      let bestIou = this.matchIou;
      for (const d of detections) {
        const v = boxIou(prev, d);
        if (v > bestIou) {
          bestIou = v;
          best = d;
        }
      }
      if (best) return best;
    }
    let best: FaceDetection | null = null;
    let bestRank = -Infinity;
    for (const d of detections) {
      const rank = this.prominence(d);
      if (rank > bestRank) {
        bestRank = rank;
        best = d;
      }
    }
    return best;
  }

  /** Area, discounted by up to half towards the frame corners when the frame size is known. */
  private prominence(d: FaceDetection): number {
    const area = Math.max(0, d.width) * Math.max(0, d.height);
    const w = this.frameWidth;
    const h = this.frameHeight;
    if (!w || !h) return area;
    const nx = (d.x + d.width / 2 - w / 2) / (w / 2);
    const ny = (d.y + d.height / 2 - h / 2) / (h / 2);
    const dist = Math.min(1, Math.hypot(nx, ny) / Math.SQRT2);
    return area * (1 - 0.5 * dist);
  }

  private drain(all: boolean): TrackedFace[] {
    const out: TrackedFace[] = [];
    while (this.emitted < this.buffer.length) {
      const entry = this.buffer[this.emitted]!;
      if (!all && entry.index + this.lookahead > this.lastIndex) break;
      out.push(this.smooth(this.emitted));
      this.emitted++;
    }
    // Keep only what the look-behind of the next frame to emit can still use.
    const nextIndex = this.emitted < this.buffer.length ? this.buffer[this.emitted]!.index : this.lastIndex + 1;
    let drop = 0;
    while (drop < this.emitted && this.buffer[drop]!.index < nextIndex - this.lookbehind) drop++;
    if (drop > 0) {
      this.buffer.splice(0, drop);
      this.emitted -= drop;
    }
    return out;
  }

  private smooth(pos: number): TrackedFace {
    const entry = this.buffer[pos]!;
    const face = entry.face;
    if (!face) return null;
    const lo = entry.index - this.lookbehind;
    const hi = entry.index + this.lookahead;
    let n = 0;
    let x = 0;
    let y = 0;
    let width = 0;
    let height = 0;
    const kp = new Float64Array(KEYPOINT_NAMES.length * 2);
    for (const e of this.buffer) {
      if (e.index < lo || e.index > hi || !e.face || e.segment !== entry.segment) continue;
      const f = e.face;
      n++;
      x += f.x;
      y += f.y;
      width += f.width;
      height += f.height;
      KEYPOINT_NAMES.forEach((name, k) => {
        kp[2 * k] = kp[2 * k]! + f.keypoints[name].x;
        kp[2 * k + 1] = kp[2 * k + 1]! + f.keypoints[name].y;
      });
    }
    if (n <= 1) return { ...face, keypoints: cloneKeypoints(face.keypoints) };
    const point = (k: number): Point => ({ x: kp[2 * k]! / n, y: kp[2 * k + 1]! / n });
    return {
      x: x / n,
      y: y / n,
      width: width / n,
      height: height / n,
      score: face.score,
      keypoints: {
        rightEye: point(0),
        leftEye: point(1),
        nose: point(2),
        mouth: point(3),
        rightEar: point(4),
        leftEar: point(5),
      },
    };
  }
}

function cloneKeypoints(k: FaceKeypoints): FaceKeypoints {
  return {
    rightEye: { ...k.rightEye },
    leftEye: { ...k.leftEye },
    nose: { ...k.nose },
    mouth: { ...k.mouth },
    rightEar: { ...k.rightEar },
    leftEar: { ...k.leftEar },
  };
}
