import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/index.js';
import { createBuiltinEngine } from '../../../../src/pipeline/engine/builtin/index.js';
import type { LipSyncEngine } from '../../../../src/pipeline/engine/types.js';
import { FaceDetector, type FaceKeypoints } from '../../../../src/pipeline/face/index.js';
import type { RgbImage } from '../../../../src/pipeline/media/image.js';
import { renderClip } from '../../../../src/pipeline/render/renderClip.js';
import { ffmpeg, makeMovingTemplate, readAllFrames, SPEECH, tempDir } from '../../../support/media.js';
import { bestLag, changeCentroid, changedOutside, lowerFaceBox, meanAbsDiff, mouthBox, mouthDarkening } from '../../../support/mouthMetrics.js';

/**
 * The built-in engine through the whole pipeline, judged only on the decoded output video. Every output is compared
 * with the same template rendered through the same pipeline by an engine that does nothing, so codec noise cancels.
 */
const FPS = 25;
// A close-up of the portrait's face (the 320 px fixture's face, about 2.2× larger) with gentle motion.
const CLOSE_UP = 'crop=160:160:60:0,scale=352:352';
// The same close-up, turning (rolling ±11°) and drifting.
const TURNING = "rotate='0.2*sin(2*PI*t/3)':fillcolor=gray,crop=170:170:55:0,scale=352:352";

const passThrough: LipSyncEngine = {
  name: 'builtin',
  preview: true,
  batchSize: 16,
  startClip: () => ({ workArea: () => ({ x1: 0, y1: 0, x2: 2, y2: 2 }), synthesize: async () => {} }),
  dispose: async () => {},
};

async function renderWith(engine: LipSyncEngine, templatePath: string, outputPath: string): Promise<RgbImage[]> {
  // A finer quantiser than the default 18: x264's rate control spreads a little noise over the whole frame when only
  // the mouth differs between two encodes, and the checks below are about the engine, not the codec.
  const config = { ...loadConfig({}).pipeline, encodeCrf: 12 };
  await renderClip({ audioPath: SPEECH, templatePath, outputPath }, {}, undefined, undefined, { config, engine });
  return readAllFrames(outputPath);
}

/** RMS of the speech per output frame (the frame's own 40 ms). */
function rmsPerFrame(frames: number): number[] {
  const raw = ffmpeg(['-i', SPEECH, '-f', 'f32le', '-ac', '1', '-ar', '16000', 'pipe:1']);
  const samples = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  const per = 16000 / FPS;
  return Array.from({ length: frames }, (_, i) => {
    let sum = 0;
    for (let k = Math.round(i * per); k < Math.round((i + 1) * per) && k < samples.length; k++) sum += samples[k]! ** 2;
    return Math.sqrt(sum / per);
  });
}

/** Runs of at least `minFrames` silent frames, as [first, last]. */
function pauses(rms: number[], minFrames: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  rms.forEach((r, i) => {
    if (r < 1e-3 && start < 0) start = i;
    if ((r >= 1e-3 || i === rms.length - 1) && start >= 0) {
      const end = r >= 1e-3 ? i - 1 : i;
      if (end - start + 1 >= minFrames) runs.push([start, end]);
      start = -1;
    }
  });
  return runs;
}

interface Rendered {
  out: RgbImage[];
  ref: RgbImage[];
  keypoints: FaceKeypoints[];
}

async function renderPair(name: string, vf: string, dir: string, detector: FaceDetector): Promise<Rendered> {
  const template = makeMovingTemplate(path.join(dir, `${name}.mp4`), { seconds: 8, fps: FPS, vf });
  const ref = await renderWith(passThrough, template, path.join(dir, `${name}-ref.mp4`));
  const out = await renderWith(createBuiltinEngine(), template, path.join(dir, `${name}-builtin.mp4`));
  const keypoints: FaceKeypoints[] = [];
  for (const frame of ref) {
    const [face] = await detector.detect(frame);
    if (!face) throw new Error(`no face in ${name} frame ${keypoints.length}`);
    keypoints.push(face.keypoints);
  }
  return { out, ref, keypoints };
}

describe('builtin engine end to end (portrait template + speech fixture, decoded output)', () => {
  const { dir, cleanup } = tempDir();
  let detector: FaceDetector;
  let still: Rendered;
  let turning: Rendered;
  let rms: number[];

  beforeAll(async () => {
    detector = await FaceDetector.create({ model: 'auto' });
    still = await renderPair('closeup', CLOSE_UP, dir, detector);
    turning = await renderPair('turning', TURNING, dir, detector);
    rms = rmsPerFrame(still.out.length);
  });
  afterAll(async () => {
    await detector?.dispose();
    cleanup();
  });

  const opening = (r: Rendered, i: number): number => {
    const { width, height } = r.out[i]!;
    return mouthDarkening(r.out[i]!, r.ref[i]!, mouthBox(r.keypoints[i]!, width, height));
  };

  it('opens the mouth with the speech: Pearson r ≥ 0.6 with the RMS envelope, best lag within ±1 frame', () => {
    const open = still.out.map((_, i) => opening(still, i));
    const { lag, r } = bestLag(rms, open, 3);
    expect(r).toBeGreaterThanOrEqual(0.6);
    expect(Math.abs(lag)).toBeLessThanOrEqual(1);
  });

  it('returns to the template in every pause of 300 ms or more', () => {
    const found = pauses(rms, Math.ceil(0.3 * FPS));
    expect(found.length).toBeGreaterThanOrEqual(2);
    const speaking = still.out.map((_, i) => i).filter((i) => rms[i]! > 0.1);
    const speechDiff = speaking.map((i) => meanAbsDiff(still.out[i]!, still.ref[i]!, mouthBox(still.keypoints[i]!, 352, 352)));
    expect(median(speechDiff)).toBeGreaterThan(3);
    // After a word the encoder still codes the (now identical) mouth a little differently for a while: a couple of
    // levels. A mouth left open would differ by about the speech median.
    const tolerance = Math.min(3, 0.15 * median(speechDiff));
    let checked = 0;
    for (const [first, last] of found) {
      // The release closes the mouth within 200 ms; the next word may start opening one frame early.
      for (let i = first + Math.ceil(0.2 * FPS); i < last; i++, checked++) {
        expect(meanAbsDiff(still.out[i]!, still.ref[i]!, mouthBox(still.keypoints[i]!, 352, 352)), `frame ${i}`).toBeLessThan(tolerance);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2 * found.length);
  });

  it('leaves everything outside the lower face unchanged (within codec noise)', () => {
    for (const r of [still, turning]) {
      r.out.forEach((frame, i) => {
        const box = lowerFaceBox(r.keypoints[i]!, frame.width, frame.height);
        expect(changedOutside(frame, r.ref[i]!, box, 12), `frame ${i}`).toBeLessThan(frame.width * frame.height * 0.002);
      });
    }
  });

  it('follows a turning, drifting face (the change stays put relative to the mouth keypoint)', () => {
    // Centroid of the changed pixels in face coordinates: along the eye line and down from the mouth, in eye distances.
    const along: number[] = [];
    const down: number[] = [];
    turning.out.forEach((frame, i) => {
      if (opening(turning, i) < 4) return;
      const kp = turning.keypoints[i]!;
      const eye = Math.hypot(kp.leftEye.x - kp.rightEye.x, kp.leftEye.y - kp.rightEye.y);
      const angle = Math.atan2(kp.leftEye.y - kp.rightEye.y, kp.leftEye.x - kp.rightEye.x);
      const c = changeCentroid(frame, turning.ref[i]!, 30)!;
      const dx = c.x - kp.mouth.x;
      const dy = c.y - kp.mouth.y;
      along.push((dx * Math.cos(angle) + dy * Math.sin(angle)) / eye);
      down.push((-dx * Math.sin(angle) + dy * Math.cos(angle)) / eye);
    });
    expect(along.length).toBeGreaterThan(60);
    // Centred on the mouth, below it (the lower lip and chin move), and not drifting as the head turns.
    expect(Math.abs(mean(along))).toBeLessThan(0.15);
    expect(mean(down)).toBeGreaterThan(0.1);
    expect(mean(down)).toBeLessThan(0.9);
    expect(stdDev(along)).toBeLessThan(0.12);
    expect(stdDev(down)).toBeLessThan(0.12);
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function stdDev(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}
