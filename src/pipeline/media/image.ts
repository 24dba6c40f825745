/** One decoded video frame: packed RGB, 3 bytes per pixel, rows top to bottom, no padding. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** length = width * height * 3 */
  readonly data: Uint8Array;
}

export function createRgbImage(width: number, height: number, data?: Uint8Array): RgbImage {
  const size = width * height * 3;
  if (data && data.length !== size) throw new RangeError(`expected ${size} bytes for ${width}x${height}, got ${data.length}`);
  return { width, height, data: data ?? new Uint8Array(size) };
}

export function cloneRgbImage(img: RgbImage): RgbImage {
  return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
}

/** A copy of the rectangle (x, y, width, height), which must lie inside the image. */
export function cropRgbImage(img: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * img.width + x) * 3;
    out.set(img.data.subarray(start, start + rowBytes), row * rowBytes);
  }
  return { width, height, data: out };
}
