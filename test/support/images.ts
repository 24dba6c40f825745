import { createRgbImage, type RgbImage } from '../../src/pipeline/media/image.js';
import { ffmpeg } from './media.js';

/**
 * Decodes the first frame of an image or video file to packed rgb24 with ffmpeg. `filter` is an optional -vf chain
 * (e.g. "scale=iw/4:ih/4"). The frame comes back as a binary PPM so its size needs no separate probe.
 */
export function decodeImage(file: string, filter?: string): RgbImage {
  const args = ['-i', file, '-frames:v', '1'];
  if (filter) args.push('-vf', filter);
  args.push('-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24', '-');
  return parsePpm(ffmpeg(args));
}

/** Parses a binary (P6, maxval 255) PPM. */
export function parsePpm(buf: Buffer): RgbImage {
  const fields: string[] = [];
  let pos = 0;
  while (fields.length < 4) {
    while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]!))) pos++;
    if (buf[pos] === 0x23) {
      while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      continue;
    }
    const start = pos;
    while (pos < buf.length && !/\s/.test(String.fromCharCode(buf[pos]!))) pos++;
    fields.push(buf.subarray(start, pos).toString('ascii'));
  }
  pos++; // single whitespace after maxval
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255') throw new Error(`unsupported PPM header ${fields.join(' ')}`);
  const width = Number(w);
  const height = Number(h);
  return createRgbImage(width, height, new Uint8Array(buf.subarray(pos, pos + width * height * 3)));
}

/** A solid image of one colour. */
export function solidImage(width: number, height: number, rgb: readonly [number, number, number] = [128, 128, 128]): RgbImage {
  const img = createRgbImage(width, height);
  for (let i = 0; i < img.data.length; i += 3) {
    img.data[i] = rgb[0];
    img.data[i + 1] = rgb[1];
    img.data[i + 2] = rgb[2];
  }
  return img;
}

/** Deterministic uniform RGB noise. */
export function noiseImage(width: number, height: number, seed = 1): RgbImage {
  const img = createRgbImage(width, height);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < img.data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    img.data[i] = (s >>> 0) & 0xff;
  }
  return img;
}

/** Copies `img` into a new canvas of the given size at (x, y), filling the rest with `fill`. */
export function placeOnCanvas(
  img: RgbImage,
  width: number,
  height: number,
  x: number,
  y: number,
  fill: readonly [number, number, number] = [40, 40, 40],
): RgbImage {
  const out = solidImage(width, height, fill);
  for (let row = 0; row < img.height; row++) {
    const dy = row + y;
    if (dy < 0 || dy >= height) continue;
    for (let col = 0; col < img.width; col++) {
      const dx = col + x;
      if (dx < 0 || dx >= width) continue;
      const s = (row * img.width + col) * 3;
      const d = (dy * width + dx) * 3;
      out.data[d] = img.data[s]!;
      out.data[d + 1] = img.data[s + 1]!;
      out.data[d + 2] = img.data[s + 2]!;
    }
  }
  return out;
}
