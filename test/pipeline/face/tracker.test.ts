import { describe, expect, it } from 'vitest';
import { FaceTracker, cropBoxForFace, s3fdLikeBox, type FaceDetection, type TrackedFace } from '../../../src/pipeline/face/index.js';

/** A synthetic detection: box at (x, y) of size s with keypoints at fixed fractions of the box. */
function face(x: number, y: number, s = 100, score = 0.9): FaceDetection {
  const p = (fx: number, fy: number) => ({ x: x + fx * s, y: y + fy * s });
  return {
    x,
    y,
    width: s,
    height: s,
    score,
    keypoints: {
      rightEye: p(0.3, 0.3),
      leftEye: p(0.7, 0.3),
      nose: p(0.5, 0.5),
      mouth: p(0.5, 0.75),
      rightEar: p(0.05, 0.4),
      leftEar: p(0.95, 0.4),
    },
  };
}

/** Pushes every frame, then flushes; checks the streaming contract along the way. */
function run(smoothingFrames: number, frames: FaceDetection[][]): TrackedFace[] {
  const tracker = new FaceTracker({ smoothingFrames });
  const lookahead = Math.floor(Math.max(1, smoothingFrames) / 2);
  const out: TrackedFace[] = [];
  frames.forEach((dets, i) => {
    out.push(...tracker.push(i, dets));
    expect(out.length).toBe(Math.max(0, i + 1 - lookahead));
  });
  out.push(...tracker.flush());
  expect(out).toHaveLength(frames.length);
  return out;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('FaceTracker', () => {
  it('reduces jitter around a smooth motion', () => {
    const rand = rng(3);
    const n = 120;
    const truth = (i: number) => ({ x: 200 + i * 1.5, y: 150 + 20 * Math.sin(i / 20) });
    const frames = Array.from({ length: n }, (_, i) => {
      const t = truth(i);
      return [face(t.x + (rand() - 0.5) * 12, t.y + (rand() - 0.5) * 12, 100 + (rand() - 0.5) * 10)];
    });
    const out = run(5, frames);
    const err = (list: (FaceDetection | null | undefined)[]) => {
      let sum = 0;
      let count = 0;
      for (let i = 5; i < n - 5; i++) {
        const f = list[i]!;
        const t = truth(i);
        sum += (f.x - t.x) ** 2 + (f.y - t.y) ** 2;
        count++;
      }
      return Math.sqrt(sum / count);
    };
    const raw = err(frames.map((d) => d[0]));
    const smooth = err(out);
    expect(smooth).toBeLessThan(raw * 0.6);
    // keypoints are smoothed together with the box
    const f = out[60]!;
    expect(f.keypoints.mouth.x).toBeCloseTo(f.x + 0.5 * f.width, 0);
    expect(out.every((f) => f !== null)).toBe(true);
  });

  it('moving average of a linear motion is exact in the middle and one-sided at the ends', () => {
    const frames = Array.from({ length: 10 }, (_, i) => [face(100 + 2 * i, 50)]);
    const out = run(5, frames);
    for (let i = 2; i < 8; i++) expect(out[i]!.x).toBeCloseTo(100 + 2 * i);
    expect(out[0]!.x).toBeCloseTo((100 + 102 + 104) / 3);
    expect(out[9]!.x).toBeCloseTo((118 + 116 + 114) / 3);
  });

  it('keeps face-less frames null, bridges short gaps and never averages across long ones', () => {
    const frames: FaceDetection[][] = [];
    for (let i = 0; i < 5; i++) frames.push([face(100, 100)]);
    frames.push([]); // 1-frame gap: bridged
    for (let i = 6; i < 10; i++) frames.push([face(110, 100)]);
    for (let i = 10; i < 16; i++) frames.push([]); // 6-frame gap: reset
    for (let i = 16; i < 22; i++) frames.push([face(140, 100)]);
    const out = run(5, frames);
    expect(out[5]).toBeNull();
    for (let i = 10; i < 16; i++) expect(out[i]).toBeNull();
    // frame 6 averages frames 4..8 that have a face: 100, 110, 110, 110
    expect(out[6]!.x).toBeCloseTo((100 + 110 * 3) / 4);
    expect(out[9]!.x).toBeCloseTo(110);
    expect(out[16]!.x).toBeCloseTo(140);
  });

  it('handles empty input, all-null clips and smoothing disabled', () => {
    expect(new FaceTracker({ smoothingFrames: 5 }).flush()).toEqual([]);
    expect(run(5, [[], [], []])).toEqual([null, null, null]);
    const frames = [[face(1, 1)], [face(5, 1)], [], [face(9, 1)]];
    const out = run(1, frames);
    expect(out.map((f) => f?.x ?? null)).toEqual([1, 5, null, 9]);
    expect(run(0, frames).map((f) => f?.x ?? null)).toEqual([1, 5, null, 9]);
    // even windows: lookahead floor(4/2) = 2
    expect(run(4, frames)).toHaveLength(4);
  });

  it('resets smoothing at a cut where the face jumps', () => {
    const frames: FaceDetection[][] = [];
    for (let i = 0; i < 10; i++) frames.push([face(100, 100)]);
    for (let i = 10; i < 20; i++) frames.push([face(600, 300)]);
    // and a scale jump: same centre, 3x the size
    for (let i = 20; i < 30; i++) frames.push([face(500, 200, 300)]);
    const out = run(7, frames);
    expect(out[9]!.x).toBe(100);
    expect(out[10]!.x).toBe(600);
    expect(out[19]!.width).toBe(100);
    expect(out[20]!.width).toBe(300);
  });

  it('sticks to the same person when several faces are visible', () => {
    const frames: FaceDetection[][] = [];
    for (let i = 0; i < 40; i++) {
      const a = face(300 + i * 3, 200, 150); // main face, drifting right
      const b = face(40, 40, 60 + i * 4, 0.99); // another face that grows bigger than A after ~25 frames
      frames.push(i % 2 ? [a, b] : [b, a]);
    }
    const out = run(5, frames);
    for (let i = 0; i < 40; i++) {
      expect(out[i]!.width).toBeCloseTo(150);
      expect(out[i]!.y).toBeCloseTo(200);
    }
  });

  it('picks the largest face first and prefers central faces when the frame size is known', () => {
    const big = face(0, 0, 120);
    const central = face(590, 310, 100);
    const plain = new FaceTracker({ smoothingFrames: 1 });
    expect(plain.push(0, [central, big])[0]!.width).toBe(120);
    const centred = new FaceTracker({ smoothingFrames: 1, frameWidth: 1280, frameHeight: 720 });
    expect(centred.push(0, [big, central])[0]!.x).toBe(590);
  });

  it('switches to the largest face when the tracked one disappears', () => {
    const frames = [[face(100, 100)], [face(100, 100)], [face(700, 100, 80)], [face(700, 100, 80), face(0, 500, 60)]];
    const out = run(3, frames);
    expect(out.map((f) => f!.x)).toEqual([100, 100, 700, 700]);
  });

  it('holds only a window of frames and rejects non-increasing indices', () => {
    const tracker = new FaceTracker({ smoothingFrames: 9 });
    let emitted = 0;
    for (let i = 0; i < 5000; i++) emitted += tracker.push(i, i % 7 === 3 ? [] : [face(100 + (i % 5), 100)]).length;
    expect(emitted).toBe(5000 - 4);
    const held = (tracker as unknown as { buffer: unknown[] }).buffer.length;
    expect(held).toBeLessThanOrEqual(9);
    expect(() => tracker.push(4999, [])).toThrow(RangeError);
    expect(tracker.flush()).toHaveLength(4);
  });
});

describe('cropBoxForFace', () => {
  const f = face(100, 100, 100);

  it('derives the S3FD-like box from the keypoints, adds pads exactly as Wav2Lip and rounds', () => {
    // Eye distance 40 (> 0.85 × eye-to-mouth 45), face centre (150, 152.5): 2.35 × 40 wide, 2.8 × 40 high, centre at 55.5%.
    const b = s3fdLikeBox(f);
    expect(b.x1).toBeCloseTo(103, 9);
    expect(b.x2).toBeCloseTo(197, 9);
    expect(b.y1).toBeCloseTo(90.34, 9);
    expect(b.y2).toBeCloseTo(202.34, 9);
    expect(cropBoxForFace(f, { top: 0, bottom: 10, left: 0, right: 0 }, 1280, 720)).toEqual({ x1: 103, y1: 90, x2: 197, y2: 212 });
    expect(cropBoxForFace(f, { top: 3, bottom: 0, left: 4, right: 5 }, 1280, 720)).toEqual({ x1: 99, y1: 87, x2: 202, y2: 202 });
    const odd = { ...f, x: 100.4, y: 99.6 };
    const c = cropBoxForFace(odd, { top: 0, bottom: 10, left: 0, right: 0 }, 1280, 720);
    expect(Object.values(c).every(Number.isInteger)).toBe(true);
  });

  it('ignores the detector box: only the keypoints place the crop', () => {
    const bigger = { ...f, x: 90, y: 85, width: 120, height: 125 };
    expect(cropBoxForFace(bigger, { top: 0, bottom: 10, left: 0, right: 0 }, 1280, 720)).toEqual(cropBoxForFace(f, { top: 0, bottom: 10, left: 0, right: 0 }, 1280, 720));
  });

  it('a turned head (eyes foreshortened) keeps its size through the eye-to-mouth distance', () => {
    const k = f.keypoints;
    const turned = { ...f, keypoints: { ...k, rightEye: { x: 140, y: 130 }, leftEye: { x: 160, y: 130 } } };
    const c = cropBoxForFace(turned, { top: 0, bottom: 0, left: 0, right: 0 }, 1280, 720);
    expect(c.y2 - c.y1).toBe(Math.round(2.8 * 0.85 * 45));
  });

  it('a fixed-box face is its own crop: no reshaping, no pads', () => {
    const fixed = { ...f, x: 40, y: 30, width: 101, height: 77, fixedCrop: true as const };
    expect(cropBoxForFace(fixed, { top: 0, bottom: 10, left: 5, right: 5 }, 1280, 720)).toEqual({ x1: 40, y1: 30, x2: 141, y2: 107 });
  });

  it('the mouth lands in the lower half and the eyes in the upper half of the crop', () => {
    const c = cropBoxForFace(f, { top: 0, bottom: 10, left: 0, right: 0 }, 1280, 720);
    const rel = (y: number) => (y - c.y1) / (c.y2 - c.y1);
    expect(rel(f.keypoints.mouth.y)).toBeGreaterThan(0.5);
    expect(rel(f.keypoints.leftEye.y)).toBeLessThan(0.5);
  });

  it('clamps to the frame and never returns an empty box', () => {
    expect(cropBoxForFace(face(-50, -40, 100), { top: 0, bottom: 10, left: 0, right: 0 }, 320, 240)).toEqual({
      x1: 0,
      y1: 0,
      x2: 47,
      y2: 72,
    });
    expect(cropBoxForFace(face(300, 200, 100), { top: 0, bottom: 10, left: 0, right: 0 }, 320, 240)).toEqual({
      x1: 303,
      y1: 190,
      x2: 320,
      y2: 240,
    });
    const outside = cropBoxForFace(face(1000, 1000, 50), { top: 0, bottom: 0, left: 0, right: 0 }, 320, 240);
    expect(outside.x2 - outside.x1).toBeGreaterThanOrEqual(1);
    expect(outside.y2 - outside.y1).toBeGreaterThanOrEqual(1);
    expect(outside.x2).toBeLessThanOrEqual(320);
  });
});
