import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector, FaceTracker } from '../../../src/pipeline/face/index.js';
import { KeyframeDetection, lerpFace, sameFaceNearby } from '../../../src/pipeline/face/keyframes.js';
import { decodeTemplate } from '../../../src/pipeline/media/decodeVideo.js';
import { createYuvImage, type YuvImage } from '../../../src/pipeline/media/yuvImage.js';
import { binaries, makeMovingTemplate, tempDir } from '../../support/media.js';
import type { FaceDetection } from '../../../src/pipeline/face/types.js';

/** A 100 px face at (x, y) with keypoints placed relative to its box. */
function face(x: number, y: number, size = 100): FaceDetection {
  const at = (fx: number, fy: number) => ({ x: x + fx * size, y: y + fy * size });
  return {
    x,
    y,
    width: size,
    height: size,
    score: 0.9,
    keypoints: { rightEye: at(0.3, 0.3), leftEye: at(0.7, 0.3), nose: at(0.5, 0.5), mouth: at(0.5, 0.7), rightEar: at(0.1, 0.35), leftEar: at(0.9, 0.35) },
  };
}

/** A fake detector over a scripted clip: frame i shows `faces[i]` (or nothing); records which frames it ran on. */
function scripted(faces: Array<FaceDetection | null>) {
  const calls: number[] = [];
  const detect = async (index: number) => {
    calls.push(index);
    const f = faces[index];
    return f ? [f] : [];
  };
  return { calls, detect };
}

async function run(faces: Array<FaceDetection | null>, every: number, known: Map<number, FaceDetection[]> = new Map()) {
  const { calls, detect } = scripted(faces);
  const keyframes = new KeyframeDetection<number>(detect, every);
  const out: Array<{ index: number; detections: FaceDetection[] }> = [];
  for (let i = 0; i < faces.length; i++) out.push(...(await keyframes.push(i, i, known.get(i))));
  out.push(...(await keyframes.flush()));
  return { calls, out };
}

describe('KeyframeDetection', () => {
  it('detects every frame when every = 1', async () => {
    const faces = Array.from({ length: 5 }, (_, i) => face(100 + i, 50));
    const { calls, out } = await run(faces, 1);
    expect(calls).toEqual([0, 1, 2, 3, 4]);
    expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('detects key frames only and interpolates a smoothly moving face in between', async () => {
    const faces = Array.from({ length: 10 }, (_, i) => face(100 + 2 * i, 50 + i));
    const { calls, out } = await run(faces, 3);
    expect(calls).toEqual([0, 3, 6, 9]);
    expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const { index, detections } of out) {
      expect(detections).toHaveLength(1);
      expect(detections[0]!.x).toBeCloseTo(100 + 2 * index, 6);
      expect(detections[0]!.keypoints.mouth.y).toBeCloseTo(50 + index + 70, 6);
    }
  });

  it('detects the frames in between after a jump (a cut), instead of guessing across it', async () => {
    const faces = [face(100, 50), face(100, 50), face(600, 300), face(600, 300), face(600, 300), face(600, 300)];
    const { calls, out } = await run(faces, 3);
    expect(calls).toEqual([0, 3, 1, 2, 5]);
    expect(out.map((f) => f.detections[0]!.x)).toEqual([100, 100, 600, 600, 600, 600]);
  });

  it('looks at every frame while there is no face, so a face that appears is found at once', async () => {
    const faces = [null, null, face(100, 50), face(100, 50), face(100, 50)];
    const { calls, out } = await run(faces, 3);
    expect(calls.slice(0, 3)).toEqual([0, 1, 2]);
    expect(out.map((f) => f.detections.length)).toEqual([0, 0, 1, 1, 1]);
  });

  it('settles the frames still waiting at the end of the clip', async () => {
    const faces = Array.from({ length: 5 }, () => face(100, 50));
    const { calls, out } = await run(faces, 3);
    expect(calls).toEqual([0, 3, 4]);
    expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('takes known detections (a looped template frame) as a free key frame', async () => {
    const faces = Array.from({ length: 4 }, () => face(100, 50));
    const { calls, out } = await run(faces, 3, new Map([[2, [face(100, 50)]]]));
    expect(calls).toEqual([0, 3]);
    expect(out.map((f) => f.index)).toEqual([0, 1, 2, 3]);
  });

  it('judges "same face nearby" by centre shift and size', () => {
    expect(sameFaceNearby(face(100, 50), face(110, 55))).toBe(true);
    expect(sameFaceNearby(face(100, 50), face(130, 50))).toBe(false);
    expect(sameFaceNearby(face(100, 50), face(100, 50, 130))).toBe(false);
    expect(lerpFace(face(0, 0), face(10, 20), 0.5)).toMatchObject({ x: 5, y: 10, width: 100 });
  });
});

describe('KeyframeDetection on a real turning face', () => {
  const { dir, cleanup } = tempDir();
  let detector: FaceDetector;
  beforeAll(async () => {
    detector = await FaceDetector.create({ model: 'auto' });
  });
  afterAll(async () => {
    await detector?.dispose();
    cleanup();
  });

  it('keeps the smoothed mouth point within a few percent of the eye distance of per-frame detection (every 3rd frame)', async () => {
    // The portrait close-up rolling ±11° every 3 s and drifting, as in the builtin engine's end-to-end test.
    const size = 352;
    const template = makeMovingTemplate(path.join(dir, 'turning.mp4'), {
      seconds: 6,
      vf: `rotate='0.2*sin(2*PI*t/3)':fillcolor=gray,crop=170:170:55:0,scale=${size}:${size}`,
    });
    const geometry = { width: size, height: size, fps: 25, fpsRational: '25/1' };
    const frames: YuvImage[] = [];
    for await (const data of decodeTemplate(template, 1000, { ffmpeg: binaries().ffmpeg, geometry, stallTimeoutMs: 10_000, purpose: 'decode' })) {
      frames.push(createYuvImage(size, size, new Uint8Array(data)));
    }
    const mouths = async (every: number) => {
      const keyframes = new KeyframeDetection<YuvImage>((image, near) => detector.detectNear(image, near), every);
      const tracker = new FaceTracker({ smoothingFrames: 5, frameWidth: size, frameHeight: size });
      const out: Array<{ x: number; y: number; eye: number } | null> = [];
      const take = (faces: ReturnType<FaceTracker['flush']>) =>
        faces.forEach((f) => out.push(f && { ...f.keypoints.mouth, eye: Math.hypot(f.keypoints.leftEye.x - f.keypoints.rightEye.x, f.keypoints.leftEye.y - f.keypoints.rightEye.y) }));
      for (let i = 0; i < frames.length; i++) for (const s of await keyframes.push(i, frames[i]!)) take(tracker.push(s.index, s.detections));
      for (const s of await keyframes.flush()) take(tracker.push(s.index, s.detections));
      take(tracker.flush());
      return out;
    };
    const everyFrame = await mouths(1);
    const keyFrames = await mouths(3);
    expect(everyFrame.every(Boolean)).toBe(true);
    const errors = everyFrame.map((t, i) => Math.hypot(keyFrames[i]!.x - t!.x, keyFrames[i]!.y - t!.y) / t!.eye);
    // Measured: mean 0.8%, max 2.9% of the eye distance (every 5th frame: 1.4% and 3.5%).
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(0.02);
    expect(Math.max(...errors)).toBeLessThan(0.06);
  });
});
