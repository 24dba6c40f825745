import type { RgbImage } from '../../media/image.js';
import { toImage, type MouthFrame } from './mouthGeometry.js';

/** An RGB colour in 0..255 floats. */
export interface Tone {
  r: number;
  g: number;
  b: number;
}

/**
 * The lower lip's colour in the template frame, just under the lip line. The opened mouth is shaded from it, so the
 * cavity has the lips' own hue and lighting instead of a pasted black or red shape. Mid-luma samples only: the
 * brightest (highlights, teeth) and darkest (seam shadow) would skew it.
 */
export function measureLipTone(image: RgbImage, frame: MouthFrame): Tone {
  const samples: { luma: number; r: number; g: number; b: number }[] = [];
  const d = image.data;
  for (let j = 0; j < 11; j++) {
    const u = -0.25 + (0.5 * j) / 10;
    for (let k = 0; k < 4; k++) {
      const v = 0.04 + (0.08 * k) / 3;
      const p = toImage(frame, u, v);
      const x = Math.min(image.width - 1, Math.max(0, Math.round(p.x)));
      const y = Math.min(image.height - 1, Math.max(0, Math.round(p.y)));
      const i = (y * image.width + x) * 3;
      const r = d[i]!;
      const g = d[i + 1]!;
      const b = d[i + 2]!;
      samples.push({ luma: 0.299 * r + 0.587 * g + 0.114 * b, r, g, b });
    }
  }
  samples.sort((a, b) => a.luma - b.luma);
  const mid = samples.slice(Math.floor(samples.length / 4), Math.ceil((samples.length * 3) / 4));
  const n = mid.length;
  return {
    r: mid.reduce((s, p) => s + p.r, 0) / n,
    g: mid.reduce((s, p) => s + p.g, 0) / n,
    b: mid.reduce((s, p) => s + p.b, 0) / n,
  };
}

/** Blends `next` into `prev` with weight `alpha` (temporal smoothing of the measured tone). */
export function mixTone(prev: Tone, next: Tone, alpha: number): Tone {
  return { r: prev.r + (next.r - prev.r) * alpha, g: prev.g + (next.g - prev.g) * alpha, b: prev.b + (next.b - prev.b) * alpha };
}

/**
 * How deep into the mouth a point of the opening looks, 0 (at a lip edge) .. 1. `fromTopPx`/`fromBottomPx`: distances
 * to the upper and lower edge of the opening. The upper lip and teeth cast a short hard shadow; the lower lip's inner
 * surface catches light and darkens slowly. A thin opening never gets deep, so the corners fade into the lips.
 */
export function interiorDepth(fromTopPx: number, fromBottomPx: number): number {
  const thickness = fromTopPx + fromBottomPx;
  const top = 1 - Math.exp(-fromTopPx / (0.6 + 0.08 * thickness));
  const bottom = 1 - Math.exp(-fromBottomPx / (0.8 + 0.3 * thickness));
  return top * bottom;
}

/**
 * Colour of the mouth interior at `depth`, from the lip tone. Light inside a mouth bounces off red tissue again and
 * again, so it gets darker and more saturated at once: a power of the lip colour (per channel) does both, keeping the
 * lips' hue, where a plain multiply would turn grey-brown. `lipLog`: ln(lip / 255) per channel, taken once per frame.
 */
export function interiorColour(lipLog: readonly [number, number, number], depth: number, out: Float64Array): void {
  const power = 1 + 2.5 * depth;
  const gain = 255 * (0.85 - 0.5 * depth);
  out[0] = gain * Math.exp(lipLog[0] * power);
  out[1] = gain * Math.exp(lipLog[1] * power);
  out[2] = gain * Math.exp(lipLog[2] * power);
}
