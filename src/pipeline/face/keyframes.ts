import type { FaceDetection, FaceKeypoints, Point } from './types.js';
import { boxIou } from './tracker.js';

/** Finds the faces in one frame; `near` is where the main face was on the previous frame (a search hint). */
export type DetectFaces<Image> = (image: Image, near: FaceDetection | null) => Promise<FaceDetection[]>;

export interface DetectedFrame<Image> {
  index: number;
  image: Image;
  detections: FaceDetection[];
}

/**
 * Runs the face detector on every `every`-th frame (the key frames) and fills in the frames between, so a face that
 * moves smoothly costs one detection per `every` frames instead of one per frame:
 *  - when the main face of two consecutive key frames is clearly the same face in about the same place, the frames
 *    between get boxes and keypoints interpolated linearly between the two (head motion over a tenth of a second is
 *    close to linear, and the tracker's smoothing follows anyway);
 *  - otherwise (a cut, a fast move, a face appearing or leaving) the frames between are detected one by one too, so
 *    nothing is ever guessed across a jump.
 * Frames come out in order, each with its detections, at most `every - 1` frames after they went in. `every` = 1
 * detects every frame.
 */
export class KeyframeDetection<Image> {
  private readonly detect: DetectFaces<Image>;
  private readonly every: number;
  /** Frames since the last key frame, waiting for the next one. */
  private waiting: Array<{ index: number; image: Image }> = [];
  /** The main face of the last key frame (null: none yet, or none there); the next detection searches near it. */
  private lastMain: FaceDetection | null = null;

  constructor(detect: DetectFaces<Image>, every: number) {
    this.detect = detect;
    this.every = Math.max(1, Math.floor(every));
  }

  /**
   * Adds the next frame. `known`: detections already known for this picture (a looped template shows the same frame
   * again); such a frame is a free key frame. Returns the frames whose detections are now settled, in order.
   */
  async push(index: number, image: Image, known?: FaceDetection[]): Promise<Array<DetectedFrame<Image>>> {
    const isKey = known !== undefined || !this.lastMain || this.waiting.length + 1 >= this.every;
    if (!isKey) {
      this.waiting.push({ index, image });
      return [];
    }
    return this.settle(index, image, known);
  }

  /** Settles the frames still waiting at the end of the clip (the last one becomes a key frame). */
  async flush(): Promise<Array<DetectedFrame<Image>>> {
    const last = this.waiting.pop();
    return last ? this.settle(last.index, last.image) : [];
  }

  private async settle(index: number, image: Image, known?: FaceDetection[]): Promise<Array<DetectedFrame<Image>>> {
    const previous = this.lastMain;
    const detections = known ?? (await this.detect(image, previous));
    const main = mainFace(detections, previous);
    const between = this.waiting;
    this.waiting = [];
    const out: Array<DetectedFrame<Image>> = [];
    if (between.length > 0) {
      if (previous && main && sameFaceNearby(previous, main)) {
        const span = index - (between[0]!.index - 1);
        between.forEach((frame, k) => out.push({ ...frame, detections: [lerpFace(previous, main, (k + 1) / span)] }));
      } else {
        let hint = previous;
        for (const frame of between) {
          const found = await this.detect(frame.image, hint);
          hint = mainFace(found, hint) ?? hint;
          out.push({ ...frame, detections: found });
        }
      }
    }
    out.push({ index, image, detections });
    this.lastMain = main;
    return out;
  }
}

/** The detection that continues the previous main face (best overlap), else the largest; null without faces. */
function mainFace(detections: readonly FaceDetection[], previous: FaceDetection | null): FaceDetection | null {
  let best: FaceDetection | null = null;
  let bestScore = -1;
  for (const face of detections) {
    const score = previous ? boxIou(previous, face) : face.width * face.height;
    if (score > bestScore) {
      best = face;
      bestScore = score;
    }
  }
  if (previous && bestScore < 0.2) return detections.reduce<FaceDetection | null>((a, f) => (!a || f.width * f.height > a.width * a.height ? f : a), null);
  return best;
}

/**
 * True when `b` is `a` a few frames later having moved smoothly: centres within a fifth of the face size and sizes
 * within 15%. Anything more is detected frame by frame.
 */
export function sameFaceNearby(a: FaceDetection, b: FaceDetection): boolean {
  const size = (Math.sqrt(a.width * a.height) + Math.sqrt(b.width * b.height)) / 2;
  const shift = Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
  const ratio = Math.sqrt((b.width * b.height) / (a.width * a.height));
  return shift < 0.2 * size && ratio < 1.15 && ratio > 1 / 1.15;
}

/** The face a fraction `t` of the way from `a` to `b` (box, keypoints and score). */
export function lerpFace(a: FaceDetection, b: FaceDetection, t: number): FaceDetection {
  const mix = (p: number, q: number) => p + (q - p) * t;
  const point = (p: Point, q: Point): Point => ({ x: mix(p.x, q.x), y: mix(p.y, q.y) });
  const keypoints = Object.fromEntries(
    (Object.keys(a.keypoints) as Array<keyof FaceKeypoints>).map((name) => [name, point(a.keypoints[name], b.keypoints[name])]),
  ) as unknown as FaceKeypoints;
  return { x: mix(a.x, b.x), y: mix(a.y, b.y), width: mix(a.width, b.width), height: mix(a.height, b.height), score: mix(a.score, b.score), keypoints };
}
