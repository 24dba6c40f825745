import type { Rect } from '../composite/rect.js';
import { cropRgbImage, type RgbImage } from './image.js';

/**
 * One video frame as ffmpeg's yuv420p (I420): a full-size luma plane, then the U and V planes at half size both ways.
 * Width and height are even (the render geometry makes them so).
 *
 * Frames travel decoder → renderer → encoder in this form, untouched: converting whole frames to RGB and back cost
 * more than everything else the renderer does. Only the parts that are looked at (the detector's search region) or
 * changed (an engine's work area around the face) are converted, with `rgbRegion` and `writeRgbRegion`.
 */
export interface YuvImage {
  readonly format: 'yuv420p';
  readonly width: number;
  readonly height: number;
  /** length = width * height * 3 / 2: Y, then U, then V. */
  readonly data: Uint8Array;
}

/** A frame in either form the pipeline handles. */
export type FrameImage = RgbImage | YuvImage;

export function yuvFrameBytes(width: number, height: number): number {
  return width * height + 2 * (width >> 1) * (height >> 1);
}

export function createYuvImage(width: number, height: number, data?: Uint8Array): YuvImage {
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`yuv420p frames have even sizes, got ${width}x${height}`);
  const size = yuvFrameBytes(width, height);
  if (data && data.length !== size) throw new RangeError(`expected ${size} bytes for ${width}x${height} yuv420p, got ${data.length}`);
  return { format: 'yuv420p', width, height, data: data ?? new Uint8Array(size) };
}

export function cloneYuvImage(image: YuvImage): YuvImage {
  return createYuvImage(image.width, image.height, new Uint8Array(image.data));
}

export function isYuvImage(image: FrameImage): image is YuvImage {
  return (image as Partial<YuvImage>).format === 'yuv420p';
}

// ITU-R BT.601, limited range: the matrix ffmpeg uses for yuv420p ↔ rgb24 when a stream does not say otherwise, so
// engines see the colours they saw when whole frames were converted by ffmpeg. YUV → RGB in 8.8 fixed point (regions
// are converted every frame, so this is a hot path); RGB → YUV in floats.

/** The rectangle (x2/y2 exclusive, inside the image) as a new packed RGB image. */
export function rgbRegion(image: FrameImage, rect: Rect): RgbImage {
  const width = rect.x2 - rect.x1;
  const height = rect.y2 - rect.y1;
  if (!isYuvImage(image)) return cropRgbImage(image, rect.x1, rect.y1, width, height);
  const { width: W, height: H, data } = image;
  const cw = W >> 1;
  const uBase = W * H;
  const vBase = uBase + cw * (H >> 1);
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = rect.y1; y < rect.y2; y++) {
    const yRow = y * W;
    const cRow = (y >> 1) * cw;
    for (let x = rect.x1; x < rect.x2; x++, o += 3) {
      const luma = 298 * data[yRow + x]! - 4640; // 298·(Y − 16) + 128 (rounding)
      const c = cRow + (x >> 1);
      const d = data[uBase + c]! - 128;
      const e = data[vBase + c]! - 128;
      const r = (luma + 409 * e) >> 8;
      const g = (luma - 100 * d - 208 * e) >> 8;
      const b = (luma + 516 * d) >> 8;
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
    }
  }
  return { width, height, data: out };
}

/** One pixel's colour from (possibly averaged) Y, U, V, rounded and clamped, into `out[o..o+2]`. */
export function yuvToRgbInto(y: number, u: number, v: number, out: Uint8Array, o: number): void {
  const luma = 1.164383 * (y - 16) + 0.5;
  out[o] = clampByte(luma + 1.596027 * (v - 128));
  out[o + 1] = clampByte(luma - 0.391762 * (u - 128) - 0.812968 * (v - 128));
  out[o + 2] = clampByte(luma + 2.017232 * (u - 128));
}

function clampByte(x: number): number {
  return x <= 0 ? 0 : x >= 255 ? 255 : x | 0;
}

/** The whole frame as packed RGB. */
export function toRgbImage(image: FrameImage): RgbImage {
  return isYuvImage(image) ? rgbRegion(image, { x1: 0, y1: 0, x2: image.width, y2: image.height }) : image;
}

/** The rectangle grown outwards to even coordinates (whole chroma samples) and clamped to a width × height frame. */
export function evenRect(rect: Rect, width: number, height: number): Rect {
  const x1 = Math.max(0, Math.floor(rect.x1 / 2) * 2);
  const y1 = Math.max(0, Math.floor(rect.y1 / 2) * 2);
  const x2 = Math.min(width - (width % 2), Math.ceil(rect.x2 / 2) * 2);
  const y2 = Math.min(height - (height % 2), Math.ceil(rect.y2 / 2) * 2);
  return { x1, y1, x2: Math.max(x1, x2), y2: Math.max(y1, y2) };
}

/** Clamps to 0..255 and rounds to the nearest integer on write. */
function clampedView(data: Uint8Array): Uint8ClampedArray {
  return new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
}

const lumaOf = (r: number, g: number, b: number) => 16 + 0.256788 * r + 0.504129 * g + 0.097906 * b;

/**
 * Writes an edited copy of a region (made by `rgbRegion` for `rect`, which must have even coordinates) back into the
 * frame. Only what changed is written: a pixel whose RGB equals `before` keeps its luma, and a 2×2 chroma sample is
 * recomputed only when one of its pixels changed, so the untouched part of the region stays byte-identical. Without
 * `before`, every pixel is written. `origin`: where `after`'s top-left pixel lies in the frame, when `rect` is only
 * part of it (default: `rect`'s corner).
 */
export function writeRgbRegion(image: YuvImage, rect: Rect, after: RgbImage, before?: RgbImage, origin = { x: rect.x1, y: rect.y1 }): void {
  if (rect.x1 % 2 !== 0 || rect.y1 % 2 !== 0 || rect.x2 % 2 !== 0 || rect.y2 % 2 !== 0) {
    throw new RangeError('writeRgbRegion needs a rectangle with even coordinates (see evenRect)');
  }
  const { width: W, height: H, data } = image;
  const rw = after.width;
  const a = after.data;
  const b = before?.data;
  const cw = W >> 1;
  const uBase = W * H;
  const vBase = uBase + cw * (H >> 1);
  const clamped = clampedView(data);
  for (let cy = rect.y1 >> 1; cy < rect.y2 >> 1; cy++) {
    for (let cx = rect.x1 >> 1; cx < rect.x2 >> 1; cx++) {
      let changed = false;
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let dy = 0; dy < 2; dy++) {
        const y = cy * 2 + dy;
        for (let dx = 0; dx < 2; dx++) {
          const x = cx * 2 + dx;
          const p = ((y - origin.y) * rw + (x - origin.x)) * 3;
          const pr = a[p]!;
          const pg = a[p + 1]!;
          const pb = a[p + 2]!;
          r += pr;
          g += pg;
          bl += pb;
          if (!b || pr !== b[p] || pg !== b[p + 1] || pb !== b[p + 2]) {
            changed = true;
            clamped[y * W + x] = lumaOf(pr, pg, pb);
          }
        }
      }
      if (!changed) continue;
      r /= 4;
      g /= 4;
      bl /= 4;
      const c = cy * cw + cx;
      clamped[uBase + c] = 128 - 0.148223 * r - 0.290993 * g + 0.439216 * bl;
      clamped[vBase + c] = 128 + 0.439216 * r - 0.367788 * g - 0.071427 * bl;
    }
  }
}

/** A packed RGB image as yuv420p (chroma averaged over each 2×2 block); for stills and tests. */
export function toYuvImage(rgb: RgbImage): YuvImage {
  const image = createYuvImage(rgb.width, rgb.height);
  writeRgbRegion(image, { x1: 0, y1: 0, x2: rgb.width, y2: rgb.height }, rgb);
  return image;
}
