import type { Rect } from '../composite/rect.js';
import type { RgbImage } from '../media/image.js';
import { isYuvImage, rgbRegion, yuvToRgbInto, type FrameImage } from '../media/yuvImage.js';

/** A region of a frame as the detector sees it, and how many frame pixels one of its pixels spans. */
export interface SampledRegion {
  image: RgbImage;
  scaleX: number;
  scaleY: number;
}

/** At most this many samples per axis are averaged into one pixel (enough to keep a face from aliasing). */
const MAX_SAMPLES = 4;

/**
 * The rectangle of a frame as an RGB image whose longer side is at most `maxSide`: a detector only ever sees its
 * input size (128 or 256 px), so converting every frame pixel of a 720p frame to RGB first would be wasted. Each
 * pixel averages an n×n grid of samples (n = the shrink factor rounded up, at most 4); for YUV frames the luma is
 * averaged and converted with the chroma of the middle sample.
 */
export function sampleRegion(frame: FrameImage, rect: Rect, maxSide: number): SampledRegion {
  const width = rect.x2 - rect.x1;
  const height = rect.y2 - rect.y1;
  const s = Math.min(1, maxSide / Math.max(width, height));
  if (s >= 1) return { image: rgbRegion(frame, rect), scaleX: 1, scaleY: 1 };
  const outW = Math.max(1, Math.round(width * s));
  const outH = Math.max(1, Math.round(height * s));
  const scaleX = width / outW;
  const scaleY = height / outH;
  const n = Math.min(MAX_SAMPLES, Math.ceil(Math.max(scaleX, scaleY) - 1e-6));
  const xs = sampleGrid(outW, n, scaleX, rect.x1, rect.x2);
  const ys = sampleGrid(outH, n, scaleY, rect.y1, rect.y2);
  const out = new Uint8Array(outW * outH * 3);
  const count = n * n;
  const { data } = frame;

  if (isYuvImage(frame)) {
    const W = frame.width;
    const cw = W >> 1;
    const uBase = W * frame.height;
    const vOffset = cw * (frame.height >> 1);
    const lumaRows = ys.map((row) => row * W);
    const chromaRows = ys.map((row) => uBase + (row >> 1) * cw);
    const chromaCols = xs.map((col) => col >> 1);
    const middle = n >> 1;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = oy * n;
      for (let ox = 0; ox < outW; ox++) {
        const c0 = ox * n;
        let y = 0;
        for (let j = 0; j < n; j++) {
          const lumaRow = lumaRows[r0 + j]!;
          for (let i = 0; i < n; i++) y += data[lumaRow + xs[c0 + i]!]!;
        }
        // Chroma has half the resolution: the middle sample's is close enough to the average, for a third of the reads.
        const c = chromaRows[r0 + middle]! + chromaCols[c0 + middle]!;
        yuvToRgbInto(y / count, data[c]!, data[c + vOffset]!, out, (oy * outW + ox) * 3);
      }
    }
  } else {
    const stride = frame.width * 3;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = 0; j < n; j++) {
          const row = ys[oy * n + j]! * stride;
          for (let i = 0; i < n; i++) {
            const p = row + xs[ox * n + i]! * 3;
            r += data[p]!;
            g += data[p + 1]!;
            b += data[p + 2]!;
          }
        }
        const o = (oy * outW + ox) * 3;
        out[o] = (r / count + 0.5) | 0;
        out[o + 1] = (g / count + 0.5) | 0;
        out[o + 2] = (b / count + 0.5) | 0;
      }
    }
  }
  return { image: { width: outW, height: outH, data: out }, scaleX, scaleY };
}

/** Frame coordinates of the n samples of each output pixel along one axis: evenly spread over the pixel's span. */
function sampleGrid(outputs: number, n: number, scale: number, start: number, end: number): Int32Array {
  const at = new Int32Array(outputs * n);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < n; i++) at[o * n + i] = Math.min(end - 1, start + Math.floor((o + (i + 0.5) / n) * scale));
  }
  return at;
}
