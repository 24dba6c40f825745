/**
 * BLEND_MODE end to end: a turning, moving face rendered with the test model (which redraws a mouth patch and returns
 * the rest of the crop as it got it, resampled) at CRF 0, so the encoder adds no noise to the luma. With `mouth`, no
 * pixel outside each frame's mouth mask (computed from the face the engine got for that frame) may change; with `box`,
 * the nose and cheeks inside the crop do change (blurred by the paste).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../../src/config/index.js';
import { mouthMaskWeights } from '../../../src/pipeline/composite/mouthMask.js';
import type { Rect } from '../../../src/pipeline/composite/rect.js';
import { disposeEngines, getEngine } from '../../../src/pipeline/engine/select.js';
import type { LipSyncEngine } from '../../../src/pipeline/engine/types.js';
import { cropBoxForFace, type FaceDetection } from '../../../src/pipeline/face/index.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { ffmpeg, makeMovingTemplate, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

const SIZE = 352;
const FRAMES = 70;

/** The configured engine, recording the face (in frame coordinates) each output frame was lip-synced with. */
async function recordingEngine(config: PipelineConfig, faces: Map<number, FaceDetection>): Promise<LipSyncEngine> {
  const inner = await getEngine({ requested: 'wav2lip', config });
  return {
    name: inner.name,
    preview: inner.preview,
    batchSize: inner.batchSize,
    dispose: () => inner.dispose(),
    startClip: (context) => {
      const clip = inner.startClip(context);
      const cut: FaceDetection[] = [];
      return {
        workArea: (face) => {
          cut.push(face);
          return clip.workArea(face);
        },
        synthesize: (frames, signal) => {
          for (const frame of frames) {
            const face = cut.shift()!;
            expect(face.width).toBe(frame.face.width);
            faces.set(frame.index, face);
          }
          return clip.synthesize(frames, signal);
        },
      };
    },
  };
}

function lumaFrames(file: string): Buffer[] {
  const raw = ffmpeg(['-i', file, '-frames:v', String(FRAMES), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  return Array.from({ length: raw.length / (SIZE * SIZE) }, (_, k) => raw.subarray(k * SIZE * SIZE, (k + 1) * SIZE * SIZE));
}

interface Mask {
  crop: Rect;
  weights: Float32Array;
}

function weightAt(mask: Mask, x: number, y: number): number {
  const { crop, weights } = mask;
  if (x < crop.x1 || x >= crop.x2 || y < crop.y1 || y >= crop.y2) return 0;
  return weights[(y - crop.y1) * (crop.x2 - crop.x1) + (x - crop.x1)]!;
}

describe('BLEND_MODE on a moving, turning face', () => {
  const { dir, cleanup } = tempDir('lipsync-blend-');
  const audio = path.join(dir, 'speech.wav');
  let template: string;
  let templateLuma: Buffer[];
  const render = async (blend: 'mouth' | 'box') => {
    const config = await testModelConfig(dir, { ENCODE_CRF: '0', BLEND_MODE: blend, LIPSYNC_BATCH_SIZE: '8' });
    const faces = new Map<number, FaceDetection>();
    const output = path.join(dir, `${blend}.mp4`);
    const result = await renderClip({ audioPath: audio, templatePath: template, outputPath: output }, {}, undefined, undefined, {
      config,
      engine: await recordingEngine(config, faces),
    });
    expect(result.frames).toBe(FRAMES);
    const masks = new Map<number, Mask>();
    for (const [index, face] of faces) {
      const crop = cropBoxForFace(face, config.facePads, SIZE, SIZE);
      masks.set(index, { crop, weights: mouthMaskWeights(face, crop) });
    }
    return { faces, masks, luma: lumaFrames(output) };
  };
  let mouth: Awaited<ReturnType<typeof render>>;
  let box: Awaited<ReturnType<typeof render>>;

  beforeAll(async () => {
    // The portrait close-up rolling ±11° (period 3 s) and drifting, as in test/pipeline/face/keyframes.test.ts.
    template = makeMovingTemplate(path.join(dir, 'turning.mp4'), {
      seconds: 3,
      vf: `rotate='0.2*sin(2*PI*t/3)':fillcolor=gray,crop=170:170:55:0,scale=${SIZE}:${SIZE}`,
    });
    ffmpeg(['-i', SPEECH, '-t', String(FRAMES / 25), audio]);
    templateLuma = lumaFrames(template);
    mouth = await render('mouth');
    box = await render('box');
  }, 120_000);
  afterAll(async () => {
    await disposeEngines();
    cleanup();
  });

  it('the face really moves and turns', () => {
    const faces = [...mouth.faces.values()];
    expect(faces.length).toBe(FRAMES);
    const rolls = faces.map((f) => (Math.atan2(f.keypoints.leftEye.y - f.keypoints.rightEye.y, f.keypoints.leftEye.x - f.keypoints.rightEye.x) * 180) / Math.PI);
    const mouthX = faces.map((f) => f.keypoints.mouth.x);
    const mouthY = faces.map((f) => f.keypoints.mouth.y);
    expect(Math.max(...rolls) - Math.min(...rolls)).toBeGreaterThan(15);
    expect(Math.hypot(Math.max(...mouthX) - Math.min(...mouthX), Math.max(...mouthY) - Math.min(...mouthY))).toBeGreaterThan(10);
  });

  it('mouth: outside each frame’s mask no pixel changes; inside, the mouth is redrawn', () => {
    let outsideChanged = 0;
    let outsideWorst = 0;
    let redrawn = 0;
    let outsideFirstFrameMask = 0;
    const first = mouth.masks.get(0)!;
    for (let f = 0; f < FRAMES; f++) {
      const mask = mouth.masks.get(f)!;
      const got = mouth.luma[f]!;
      const was = templateLuma[f]!;
      let mouthDiff = 0;
      let mouthN = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const diff = Math.abs(got[y * SIZE + x]! - was[y * SIZE + x]!);
          const weight = weightAt(mask, x, y);
          if (weight === 0 && diff > 0) {
            outsideChanged++;
            outsideWorst = Math.max(outsideWorst, diff);
          }
          if (weight === 1) {
            mouthDiff += diff;
            mouthN++;
          }
          if (diff > 0 && weightAt(first, x, y) === 0) outsideFirstFrameMask++;
        }
      }
      if (mouthDiff / mouthN > 2) redrawn++;
    }
    console.log(`mouth mode: ${outsideChanged} pixels changed outside the masks (worst ${outsideWorst}); ${outsideFirstFrameMask} outside frame 0's mask`);
    expect(outsideChanged).toBe(0);
    // The test model's patch shows in most frames (its brightness follows the audio, so now and then it matches the skin).
    expect(redrawn).toBeGreaterThan(0.7 * FRAMES);
    // A mask that stayed where the face was in frame 0 would not have held the changes: the mask follows the face.
    expect(outsideFirstFrameMask).toBeGreaterThan(500);
  });

  it('mouth keeps the nose and the cheeks as they were; box replaces them with the resampled crop', () => {
    let noseMouth = 0;
    let noseBox = 0;
    let cheeksBox = 0;
    for (let f = 0; f < FRAMES; f++) {
      const face = mouth.faces.get(f)!;
      const { nose, mouth: lips, rightEye, leftEye } = face.keypoints;
      const eyes = Math.hypot(leftEye.x - rightEye.x, leftEye.y - rightEye.y);
      const cheeks = [-0.9, 0.9].map((d) => ({ x: Math.round(lips.x + d * eyes), y: Math.round((nose.y + lips.y) / 2) }));
      const near = (buf: Buffer, p: { x: number; y: number }) => {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += Math.abs(buf[(p.y + dy) * SIZE + p.x + dx]! - templateLuma[f]![(p.y + dy) * SIZE + p.x + dx]!);
        return sum;
      };
      const nosePoint = { x: Math.round(nose.x), y: Math.round(nose.y) };
      noseMouth += near(mouth.luma[f]!, nosePoint);
      if (near(box.luma[f]!, nosePoint) > 0) noseBox++;
      if (cheeks.some((c) => near(box.luma[f]!, c) > 0)) cheeksBox++;
    }
    expect(noseMouth).toBe(0);
    expect(noseBox).toBeGreaterThan(0.5 * FRAMES);
    expect(cheeksBox).toBeGreaterThan(0.5 * FRAMES);
  });

  it('box: the paste changes pixels outside the mouth mask (what mouth mode leaves alone)', () => {
    let outsideChanged = 0;
    for (let f = 0; f < FRAMES; f++) {
      const mask = box.masks.get(f)!;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) if (weightAt(mask, x, y) === 0 && box.luma[f]![y * SIZE + x] !== templateLuma[f]![y * SIZE + x]) outsideChanged++;
      }
    }
    expect(outsideChanged).toBeGreaterThan(100 * FRAMES);
  });
});
