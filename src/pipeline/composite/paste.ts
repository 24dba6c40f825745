import type { RgbImage } from '../media/image.js';
import type { ChannelOrder } from './crop.js';
import { horizontalWeights, verticalWeights, DEFAULT_PASTE_MASK, type PasteMaskShape } from './pasteMask.js';
import { rectHeight, rectWidth, type Rect } from './rect.js';

/**
 * A model output in [0, 1] as the byte Wav2Lip's inference.py makes of it before resizing: `(pred * 255).astype(uint8)`
 * truncates, it does not round (rounding instead would brighten every pasted face by half a level on average).
 */
function toByte(value: number): number {
  const scaled = value * 255;
  return scaled <= 0 ? 0 : scaled >= 255 ? 255 : Math.floor(scaled);
}

/** Bilinear sample positions along one axis: for each output pixel, the two source indices and the blend factor. */
function samplePositions(outSize: number, srcSize: number): { lo: Int32Array; hi: Int32Array; t: Float32Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  const scale = srcSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const f = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), srcSize - 1);
    const base = Math.floor(f);
    lo[i] = base;
    hi[i] = Math.min(base + 1, srcSize - 1);
    t[i] = f - base;
  }
  return { lo, hi, t };
}

/**
 * Blends a generated face (3 planes × size², values in [0, 1], at `offset` in `generated`) back into `image`
 * inside `rect`, resized with bilinear sampling and weighted by the feathered lower-face mask (`box`) or, given as
 * per-pixel weights of the crop (row-major, its width × height; see mouthMask.ts), by any other mask.
 */
export function pasteGeneratedFace(
  image: RgbImage,
  rect: Rect,
  generated: Float32Array,
  offset: number,
  size: number,
  order: ChannelOrder,
  mask: PasteMaskShape | Float32Array = DEFAULT_PASTE_MASK,
): void {
  const w = rectWidth(rect);
  const h = rectHeight(rect);
  if (w <= 0 || h <= 0) return;
  const weights = mask instanceof Float32Array ? mask : null;
  if (weights && weights.length !== w * h) throw new RangeError(`paste weights hold ${weights.length} values for a ${w}×${h} crop`);
  const shape = weights ? DEFAULT_PASTE_MASK : (mask as PasteMaskShape);
  const wx = horizontalWeights(w, shape);
  const wy = verticalWeights(h, shape);
  const xs = samplePositions(w, size);
  const ys = samplePositions(h, size);
  const plane = size * size;
  const { data, width: imgW } = image;
  // Output channel c (R, G, B) reads model plane planeR/G/B: BGR models keep red in plane 2.
  const planeR = offset + (order === 'bgr' ? 2 : 0) * plane;
  const planeG = offset + plane;
  const planeB = offset + (order === 'bgr' ? 0 : 2) * plane;
  const planes = [planeR, planeG, planeB];
  for (let y = 0; y < h; y++) {
    const weightY = weights ? 1 : wy[y]!;
    if (weightY === 0) continue;
    const row0 = ys.lo[y]! * size;
    const row1 = ys.hi[y]! * size;
    const ty = ys.t[y]!;
    let p = ((rect.y1 + y) * imgW + rect.x1) * 3;
    for (let x = 0; x < w; x++, p += 3) {
      const weight = weights ? weights[y * w + x]! : weightY * wx[x]!;
      if (weight === 0) continue;
      const c0 = xs.lo[x]!;
      const c1 = xs.hi[x]!;
      const tx = xs.t[x]!;
      for (let c = 0; c < 3; c++) {
        const base = planes[c]!;
        const a = toByte(generated[base + row0 + c0]!);
        const b = toByte(generated[base + row0 + c1]!);
        const top = a + (b - a) * tx;
        const d = toByte(generated[base + row1 + c0]!);
        const e = toByte(generated[base + row1 + c1]!);
        const bottom = d + (e - d) * tx;
        const value = top + (bottom - top) * ty;
        const old = data[p + c]!;
        data[p + c] = (old + (value - old) * weight + 0.5) | 0;
      }
    }
  }
}
