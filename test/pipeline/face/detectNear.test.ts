import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceDetector, regionAround } from '../../../src/pipeline/face/index.js';
import { decodeImage } from '../../support/images.js';
import { PORTRAIT } from '../../support/media.js';

describe('FaceDetector.detectNear', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    detector = await FaceDetector.create({ model: 'auto' });
  });
  afterAll(() => detector.dispose());

  // The portrait at 720 px height on a 1280×720 canvas: the face is ~11% of the long side, too small for the
  // short-range model on the whole frame.
  const frame = () => decodeImage(PORTRAIT, 'scale=720:720,pad=1280:720:280:0:color=gray');

  it('finds a small face with the short-range model in a region around the previous one', async () => {
    const image = frame();
    const [whole] = await detector.detect(image);
    expect(whole).toBeDefined();
    const near = await detector.detectNear(image, whole!);
    expect(near).toHaveLength(1);
    const [a, b] = [whole!, near[0]!];
    const centre = (f: typeof a) => [f.x + f.width / 2, f.y + f.height / 2];
    const [ax, ay] = centre(a);
    const [bx, by] = centre(b);
    expect(Math.hypot(ax! - bx!, ay! - by!)).toBeLessThan(0.1 * a.width);
    // The two models draw boxes of somewhat different size around the same face (see the detector tests).
    expect(b.width / a.width).toBeGreaterThan(0.75);
    expect(b.width / a.width).toBeLessThan(1.25);
    expect(b.keypoints.mouth.y).toBeGreaterThan(b.keypoints.nose.y);
  });

  it('falls back to the whole frame when the face is not where it was', async () => {
    const image = frame();
    const [whole] = await detector.detect(image);
    const stale = { ...whole!, x: 20, y: 400 };
    const faces = await detector.detectNear(image, stale);
    expect(faces).toHaveLength(1);
    expect(Math.abs(faces[0]!.x - whole!.x)).toBeLessThan(10);
  });

  it('searches the whole frame when the face already fills most of it', () => {
    expect(regionAround({ x: 0, y: 0, width: 200, height: 200, score: 1, keypoints: undefined as never }, 320, 320)).toBeNull();
    expect(regionAround({ x: 600, y: 300, width: 100, height: 100, score: 1, keypoints: undefined as never }, 1280, 720)).toEqual({ x: 530, y: 230, size: 240 });
  });
});
