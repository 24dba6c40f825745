import { describe, expect, it } from 'vitest';
import { KeyframeDetection, lerpFace, sameFaceNearby } from '../../../src/pipeline/face/keyframes.js';
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
