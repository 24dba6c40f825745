import { beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinEngine } from '../../../../src/pipeline/engine/builtin/index.js';
import type { EngineFrame } from '../../../../src/pipeline/engine/types.js';
import type { FaceDetection } from '../../../../src/pipeline/face/types.js';
import { cloneRgbImage, createRgbImage, type RgbImage } from '../../../../src/pipeline/media/image.js';
import { changeCentroid, changedOutside, lowerFaceBox, mouthBox, mouthDarkening } from '../../../support/mouthMetrics.js';
import { decodeImage } from '../../../support/images.js';
import { PORTRAIT } from '../../../support/media.js';
import { PORTRAIT_KEYPOINTS, faceAt, flatMel, speechMel } from './portrait.js';

const FPS = 25;
const CONTEXT = { fps: FPS, width: 320, height: 320, facePads: { top: 0, bottom: 10, left: 0, right: 0 } };

let portrait: RgbImage;
beforeAll(() => {
  portrait = decodeImage(PORTRAIT);
});

/** Renders one clip: frame i gets `mels[i]` and `faces[i]` (or the portrait's face), each on its own copy of `image`. */
async function render(mels: Float32Array[], options: { image?: RgbImage; faces?: FaceDetection[]; batch?: number } = {}): Promise<RgbImage[]> {
  const engine = createBuiltinEngine();
  const clip = engine.startClip(CONTEXT);
  const frames: EngineFrame[] = mels.map((mel, index) => ({
    index,
    mel,
    image: cloneRgbImage(options.image ?? portrait),
    face: options.faces?.[index] ?? faceAt(PORTRAIT_KEYPOINTS),
  }));
  const batch = options.batch ?? engine.batchSize;
  for (let i = 0; i < frames.length; i += batch) await clip.synthesize(frames.slice(i, i + batch));
  await engine.dispose();
  return frames.map((f) => f.image);
}

const speech = (n: number, level = 1): Float32Array[] => Array.from({ length: n }, () => speechMel(level));
const silence = (n: number): Float32Array[] => Array.from({ length: n }, () => flatMel(-4));

describe('builtin engine', () => {
  it('is the preview engine', () => {
    const engine = createBuiltinEngine();
    expect(engine).toMatchObject({ name: 'builtin', preview: true });
    expect(engine.batchSize).toBeGreaterThan(0);
  });

  it('is deterministic, whatever the batching', async () => {
    const mels = [...speech(4), ...silence(3), ...speech(5, 0.3)];
    const a = await render(mels, { batch: 16 });
    const b = await render(mels, { batch: 3 });
    a.forEach((img, i) => expect(Buffer.compare(img.data, b[i]!.data)).toBe(0));
  });

  it('opens the mouth for loud speech, more than for quiet speech (measured on the pixels)', async () => {
    const box = mouthBox(PORTRAIT_KEYPOINTS, 320, 320);
    const loud = (await render(speech(6, 1))).at(-1)!;
    const [, quiet] = await render([speechMel(1), speechMel(0)]); // same gain, a quieter second frame
    const loudDark = mouthDarkening(loud, portrait, box);
    const quietDark = mouthDarkening(quiet!, portrait, box);
    expect(loudDark).toBeGreaterThan(4);
    expect(loudDark).toBeGreaterThan(quietDark * 1.3);
  });

  it('leaves silence untouched and returns to the exact template within 300 ms of silence', async () => {
    const frames = await render([...silence(3), ...speech(6), ...silence(10)]);
    for (const i of [0, 1, 2]) expect(Buffer.compare(frames[i]!.data, portrait.data)).toBe(0);
    expect(Buffer.compare(frames[8]!.data, portrait.data)).not.toBe(0);
    const closedBy = 9 + Math.ceil(0.3 * FPS);
    for (let i = closedBy; i < frames.length; i++) expect(Buffer.compare(frames[i]!.data, portrait.data)).toBe(0);
  });

  it('changes nothing outside the lower face', async () => {
    const frames = await render(speech(6, 1.5));
    const box = lowerFaceBox(PORTRAIT_KEYPOINTS, 320, 320);
    for (const img of frames) expect(changedOutside(img, portrait, box)).toBe(0);
  });

  it('follows a moved face exactly', async () => {
    const dx = 37;
    const dy = 23;
    const shifted = translate(portrait, dx, dy);
    const [base] = await render(speech(1, 1));
    const [moved] = await render(speech(1, 1), { image: shifted, faces: [faceAt(PORTRAIT_KEYPOINTS, { dx, dy })] });
    expect(Buffer.compare(moved!.data, translate(base!, dx, dy).data)).toBe(0);
  });

  it('follows a rotated and scaled face', async () => {
    const pivot = PORTRAIT_KEYPOINTS.nose;
    const angle = (12 * Math.PI) / 180;
    const scale = 1.6;
    const big = transform(portrait, pivot, scale, angle);
    const face = faceAt(PORTRAIT_KEYPOINTS, { scale, angle, pivot });
    const [out] = await render(speech(4, 1).slice(0, 1), { image: big, faces: [face] });
    const centroid = changeCentroid(out!, big);
    expect(centroid).not.toBeNull();
    // The change sits just below the mouth keypoint, along the rotated face axis.
    const eye = Math.hypot(face.keypoints.leftEye.x - face.keypoints.rightEye.x, face.keypoints.leftEye.y - face.keypoints.rightEye.y);
    const rel = { x: centroid!.x - face.keypoints.mouth.x, y: centroid!.y - face.keypoints.mouth.y };
    const along = rel.x * Math.cos(angle) + rel.y * Math.sin(angle);
    const down = -rel.x * Math.sin(angle) + rel.y * Math.cos(angle);
    expect(Math.abs(along)).toBeLessThan(0.15 * eye);
    expect(down).toBeGreaterThan(-0.1 * eye);
    expect(down).toBeLessThan(0.6 * eye);
    expect(changedOutside(out!, big, lowerFaceBox(face.keypoints, big.width, big.height))).toBe(0);
  });
});

function translate(img: RgbImage, dx: number, dy: number): RgbImage {
  const out = createRgbImage(img.width, img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const sx = Math.min(img.width - 1, Math.max(0, x - dx));
      const sy = Math.min(img.height - 1, Math.max(0, y - dy));
      out.data.set(img.data.subarray((sy * img.width + sx) * 3, (sy * img.width + sx) * 3 + 3), (y * img.width + x) * 3);
    }
  }
  return out;
}

/** Nearest-neighbour similarity transform about `pivot` (enough to move the face for a placement test). */
function transform(img: RgbImage, pivot: { x: number; y: number }, scale: number, angle: number): RgbImage {
  const out = createRgbImage(img.width, img.height);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const rx = x - pivot.x;
      const ry = y - pivot.y;
      const sx = Math.round(pivot.x + (rx * c + ry * s) / scale);
      const sy = Math.round(pivot.y + (-rx * s + ry * c) / scale);
      const i = (Math.min(img.height - 1, Math.max(0, sy)) * img.width + Math.min(img.width - 1, Math.max(0, sx))) * 3;
      out.data.set(img.data.subarray(i, i + 3), (y * img.width + x) * 3);
    }
  }
  return out;
}
