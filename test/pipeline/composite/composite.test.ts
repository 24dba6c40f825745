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
  it('changes only the lower face inside the box, feathered to nothing at its sides and top', () => {
    const img = createRgbImage(100, 100);
    const rect = { x1: 20, y1: 10, x2: 80, y2: 90 };
    const generated = new Float32Array(3 * S * S).fill(1);
    pasteGeneratedFace(img, rect, generated, 0, S, 'rgb');
    const at = (x: number, y: number) => img.data[(y * 100 + x) * 3]!;
    // Outside the box and on its side borders: untouched.
    for (const [x, y] of [[19, 60], [80, 60], [50, 9], [50, 90], [20, 60], [79, 60], [20, 89], [79, 89]] as const) expect(at(x, y)).toBe(0);
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

  it('has mask weights of exactly 0 on the side and top borders and 1 in the lower face down to the bottom row', () => {
    const wx = horizontalWeights(50);
    const wy = verticalWeights(50);
    expect([wx[0], wx[49], wy[0]]).toEqual([0, 0, 0]);
    expect(Array.from(wy.subarray(Math.ceil(50 * DEFAULT_PASTE_MASK.topFull)))).toEqual(new Array(50 - Math.ceil(50 * DEFAULT_PASTE_MASK.topFull)).fill(1));
    expect(wx[25]).toBe(1);
    expect(wy[Math.round(50 * (DEFAULT_PASTE_MASK.topFull + 0.1))]).toBe(1);
  });

  it('keeps the chin: the bottom rows of the crop get the generated face at full weight inside the side feathers', () => {
    // A different image underneath (a gradient), an opened-jaw generated face (a flat colour): the bottom rows,
    // pad included, must show only the generated face, and nothing outside the crop may change.
    const W = 90;
    const H = 120;
    const img = createRgbImage(W, H);
    for (let p = 0; p < W * H; p++) img.data.set([p % 251, (p * 7) % 253, 40], p * 3);
    const before = img.data.slice();
    const rect = { x1: 15, y1: 20, x2: 75, y2: 110 };
    const generated = new Float32Array(3 * S * S);
    generated.fill(200 / 255, 0, S * S);
    generated.fill(10 / 255, S * S, 2 * S * S);
    generated.fill(90 / 255, 2 * S * S);
    pasteGeneratedFace(img, rect, generated, 0, S, 'rgb');
    const wx = horizontalWeights(rect.x2 - rect.x1);
    for (let y = rect.y2 - 5; y < rect.y2; y++) {
      for (let x = rect.x1; x < rect.x2; x++) {
        if (wx[x - rect.x1] !== 1) continue;
        const p = (y * W + x) * 3;
        expect([img.data[p], img.data[p + 1], img.data[p + 2]]).toEqual([200, 10, 90]);
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (x >= rect.x1 && x < rect.x2 && y >= rect.y1 && y < rect.y2) continue;
        const p = (y * W + x) * 3;
        expect([img.data[p], img.data[p + 1], img.data[p + 2]]).toEqual([before[p], before[p + 1], before[p + 2]]);
      }
    }
  });
});
