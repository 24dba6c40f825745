import type { RgbImage } from '../media/image.js';
import type { ChannelOrder } from './crop.js';
import { horizontalWeights, verticalWeights, DEFAULT_PASTE_MASK, type PasteMaskShape } from './pasteMask.js';
import { rectHeight, rectWidth, type Rect } from './rect.js';

/**
 * Blends a generated face (3 planes × size², values in [0, 1], at `offset` in `generated`) back into `image`
 * inside `rect`, resized with bilinear sampling and weighted by the feathered lower-face mask.
 */
export function pasteGeneratedFace(
  image: RgbImage,
  rect: Rect,
  generated: Float32Array,
  offset: number,
  size: number,
  order: ChannelOrder,
  shape: PasteMaskShape = DEFAULT_PASTE_MASK,
): void {
  const w = rectWidth(rect);
  const h = rectHeight(rect);
  if (w <= 0 || h <= 0) return;
  const wx = horizontalWeights(w, shape);
  const wy = verticalWeights(h, shape);
  const plane = size * size;
  const { data, width: imgW } = image;
  const planeOf = order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const sx = size / w;
  const sy = size / h;
  for (let y = 0; y < h; y++) {
    const weightY = wy[y]!;
    if (weightY === 0) continue;
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), size - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, size - 1);
    const ty = fy - y0;
    const rowBase = ((rect.y1 + y) * imgW + rect.x1) * 3;
    for (let x = 0; x < w; x++) {
      const weight = weightY * wx[x]!;
      if (weight === 0) continue;
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), size - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, size - 1);
      const tx = fx - x0;
      const i00 = y0 * size + x0;
      const i01 = y0 * size + x1;
      const i10 = y1 * size + x0;
      const i11 = y1 * size + x1;
      const p = rowBase + x * 3;
      for (let c = 0; c < 3; c++) {
        const base = offset + planeOf[c]! * plane;
        const top = generated[base + i00]! + (generated[base + i01]! - generated[base + i00]!) * tx;
        const bottom = generated[base + i10]! + (generated[base + i11]! - generated[base + i10]!) * tx;
        const value = Math.min(1, Math.max(0, top + (bottom - top) * ty)) * 255;
        data[p + c] = Math.round(data[p + c]! + (value - data[p + c]!) * weight);
      }
    }
  }
}
