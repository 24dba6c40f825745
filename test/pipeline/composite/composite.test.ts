import { describe, expect, it } from 'vitest';
import { writeFaceInput } from '../../../src/pipeline/composite/crop.js';
import { pasteGeneratedFace } from '../../../src/pipeline/composite/paste.js';
import { DEFAULT_PASTE_MASK, horizontalWeights, verticalWeights } from '../../../src/pipeline/composite/pasteMask.js';
import { createRgbImage } from '../../../src/pipeline/media/image.js';

const S = 16;

describe('writeFaceInput', () => {
  it('writes the masked crop then the reference, /255, in the model colour order', () => {
    const img = createRgbImage(40, 40);
    for (let p = 0; p < 40 * 40; p++) img.data.set([200, 100, 50], p * 3);
    const out = new Float32Array(6 * S * S);
    writeFaceInput(img, { x1: 10, y1: 10, x2: 26, y2: 26 }, S, 'bgr', out, 0);
    const plane = (c: number) => out.subarray(c * S * S, (c + 1) * S * S);
    // Reference planes, BGR: blue first.
    expect(plane(3)[0]).toBeCloseTo(50 / 255, 6);
    expect(plane(5)[0]).toBeCloseTo(200 / 255, 6);
    // Masked planes: upper half kept, lower half zero.
    expect(plane(0)[S * 2]).toBeCloseTo(50 / 255, 6);
    expect(plane(0)[S * (S / 2) + 3]).toBe(0);
    expect(plane(2)[S * S - 1]).toBe(0);
  });

  it('resamples the crop: a left/right split image stays split', () => {
    const img = createRgbImage(64, 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 64; x++) img.data.fill(x < 32 ? 0 : 255, (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
    const out = new Float32Array(6 * S * S);
    writeFaceInput(img, { x1: 0, y1: 0, x2: 64, y2: 32 }, S, 'rgb', out, 0);
    const ref = out.subarray(3 * S * S, 4 * S * S);
    expect(ref[0]).toBe(0);
    expect(ref[S - 1]).toBe(1);
  });
});

describe('pasteGeneratedFace', () => {
  it('changes only the lower face inside the box, feathered to nothing at its edges', () => {
    const img = createRgbImage(100, 100);
    const rect = { x1: 20, y1: 10, x2: 80, y2: 90 };
    const generated = new Float32Array(3 * S * S).fill(1);
    pasteGeneratedFace(img, rect, generated, 0, S, 'rgb');
    const at = (x: number, y: number) => img.data[(y * 100 + x) * 3]!;
    // Outside the box and on its border: untouched.
    for (const [x, y] of [[19, 60], [80, 60], [50, 9], [50, 90], [20, 60], [79, 60], [50, 89]] as const) expect(at(x, y)).toBe(0);
    // Upper face (eyes) untouched.
    expect(at(50, 20)).toBe(0);
    expect(at(50, 35)).toBe(0);
    // Mouth area fully replaced.
    expect(at(50, 65)).toBe(255);
    // A feathered ramp in between, monotonic going down from the eyes to the mouth.
    const column = Array.from({ length: 30 }, (_, k) => at(50, 35 + k));
    for (let k = 1; k < column.length; k++) expect(column[k]!).toBeGreaterThanOrEqual(column[k - 1]!);
  });

  it('maps BGR model planes back to RGB', () => {
    const img = createRgbImage(40, 40);
    const generated = new Float32Array(3 * S * S);
    generated.fill(1, 2 * S * S); // plane 2 = red for a BGR model
    pasteGeneratedFace(img, { x1: 0, y1: 0, x2: 40, y2: 40 }, generated, 0, S, 'bgr');
    const p = (30 * 40 + 20) * 3;
    expect([img.data[p], img.data[p + 1], img.data[p + 2]]).toEqual([255, 0, 0]);
  });

  it('has mask weights of exactly 0 on the border and 1 in the middle of the lower face', () => {
    const wx = horizontalWeights(50);
    const wy = verticalWeights(50);
    expect([wx[0], wx[49], wy[0], wy[49]]).toEqual([0, 0, 0, 0]);
    expect(wx[25]).toBe(1);
    expect(wy[Math.round(50 * (DEFAULT_PASTE_MASK.topFull + 0.1))]).toBe(1);
  });
});
