import type { RgbImage } from '../../media/image.js';
import { toImage, type MouthFrame } from './mouthGeometry.js';

/**
 * Where the jaw splits from the upper face, as a curve v = a + b·u + c·u² in mouth-local units (see MouthFrame).
 *
 * The detector's mouth point can sit a few pixels off, and real mouths curve (a smile lifts the corners); splitting
 * along a straight line through the keypoint would open the gap through a lip. So, per column across the mouth:
 *  - find the lip seam: the darkest row near the keypoint (with a mild pull towards it, so a nostril or chin shadow
 *    never wins);
 *  - if upper teeth show below the seam (a smile), split under them instead: upper teeth belong to the skull and
 *    stay put while the lower lip drops away from them;
 * then fit a parabola through the columns, weighted by how clear the seam was.
 */
export interface LipCurve {
  a: number;
  b: number;
  c: number;
}

export const FLAT_LIP_CURVE: LipCurve = { a: 0, b: 0, c: 0 };

const COLUMNS = 9;
const HALF_SPAN = 0.3;
const STEP = 0.02;
const SEAM_TOP = -0.16;
const SEAM_BOTTOM = 0.12;
const TEETH_REACH = 0.3;
/** Teeth must start this close under the seam (the seam's shadow blurs into them over a pixel or two). */
const TEETH_START = 0.1;
const OUTLIER = 0.05;
const MAX_WEIGHT = 40;
/** Upper teeth end at most this far below the mouth keypoint. */
const MAX_SPLIT = 0.2;

export function lipCurveAt(curve: LipCurve, u: number): number {
  return curve.a + (curve.b + curve.c * u) * u;
}

export function findLipCurve(image: RgbImage, frame: MouthFrame): LipCurve {
  const us: number[] = [];
  const vs: number[] = [];
  const ws: number[] = [];
  const rows = Math.round((SEAM_BOTTOM + TEETH_REACH - SEAM_TOP) / STEP) + 1;
  const luma = new Float64Array(rows);
  const sat = new Float64Array(rows);
  for (let j = 0; j < COLUMNS; j++) {
    const u = -HALF_SPAN + (2 * HALF_SPAN * j) / (COLUMNS - 1);
    for (let r = 0; r < rows; r++) sampleInto(image, toImage(frame, u, SEAM_TOP + r * STEP), luma, sat, r);

    let seam = 0;
    let best = Infinity;
    for (let r = 0; SEAM_TOP + r * STEP <= SEAM_BOTTOM + 1e-9; r++) {
      const v = SEAM_TOP + r * STEP;
      const score = luma[r]! + 40 * (v / SEAM_TOP) ** 2;
      if (score < best) {
        best = score;
        seam = r;
      }
    }
    // The split goes under the seam's shadow (its lower edge)...
    const reach = Math.min(rows - 1, seam + Math.round(TEETH_START / STEP));
    let below = luma[seam]!;
    for (let r = seam + 1; r <= reach; r++) below = Math.max(below, luma[r]!);
    let split = seam;
    while (split < reach && luma[split]! < (luma[seam]! + below) / 2) split++;
    // ...or under the upper teeth where they show (the teeth beat any seam: below them lie more shadows).
    const teethEnd = upperTeethEnd(luma, sat);
    if (teethEnd >= 0) split = teethEnd;
    const around = Math.max(luma[Math.max(0, seam - 3)]!, luma[Math.min(rows - 1, seam + 3)]!);
    us.push(u);
    vs.push(SEAM_TOP + Math.min(split, rows - 1) * STEP);
    // A clearer seam counts more, but never so much that one dark mouth corner outweighs the rest.
    ws.push(Math.min(MAX_WEIGHT, Math.max(1, around - luma[seam]!)));
  }
  // One pass of outlier rejection: a column that caught a nostril or dimple shadow must not tilt the whole line.
  const first = fitParabola(us, vs, ws);
  const keep = ws.map((w, i) => (Math.abs(lipCurveAt(first, us[i]!) - vs[i]!) > OUTLIER ? 0 : w));
  return clampCurve(keep.filter((w) => w > 0).length >= 4 ? fitParabola(us, vs, keep) : first);
}

/**
 * Row just under the first run of teeth (bright, nearly colourless, at least two rows) in a column, or −1.
 * Lips and skin are always clearly more saturated than teeth, even in shade.
 */
function upperTeethEnd(luma: Float64Array, sat: Float64Array): number {
  let max = 0;
  let min = 255;
  for (let r = 0; r < luma.length; r++) {
    max = Math.max(max, luma[r]!);
    min = Math.min(min, luma[r]!);
  }
  if (max - min < 40) return -1;
  let run = 0;
  for (let r = 0; r < luma.length; r++) {
    const tooth = sat[r]! < 0.2 && luma[r]! > max - 0.3 * (max - min);
    if (tooth) run++;
    else if (run >= 2) return r;
    else run = 0;
  }
  return -1;
}

/** Blends two curves coefficient-wise (temporal smoothing). */
export function mixCurve(prev: LipCurve, next: LipCurve, alpha: number): LipCurve {
  return { a: prev.a + (next.a - prev.a) * alpha, b: prev.b + (next.b - prev.b) * alpha, c: prev.c + (next.c - prev.c) * alpha };
}

/** Real mouths tilt and curve only so much relative to the eye line; anything beyond is a measurement error. */
/** The range each coefficient of a measured lip curve is clamped to. */
export const LIP_CURVE_LIMITS = {
  a: [SEAM_TOP, MAX_SPLIT],
  b: [-0.12, 0.12],
  c: [-0.8, 0.4],
} as const satisfies Record<keyof LipCurve, readonly [number, number]>;

function clampCurve(k: LipCurve): LipCurve {
  const { a, b, c } = LIP_CURVE_LIMITS;
  return { a: clamp(k.a, a[0], a[1]), b: clamp(k.b, b[0], b[1]), c: clamp(k.c, c[0], c[1]) };
}

/** Weighted least squares for v = a + b·u + c·u² (3×3 normal equations, Cramer's rule). */
function fitParabola(us: number[], vs: number[], ws: number[]): LipCurve {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (let i = 0; i < us.length; i++) {
    const u = us[i]!;
    const v = vs[i]!;
    const w = ws[i]!;
    s0 += w; s1 += w * u; s2 += w * u * u; s3 += w * u ** 3; s4 += w * u ** 4;
    t0 += w * v; t1 += w * u * v; t2 += w * u * u * v;
  }
  const det3 = (m: number[]): number =>
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) - m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) + m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
  const det = det3([s0, s1, s2, s1, s2, s3, s2, s3, s4]);
  if (Math.abs(det) < 1e-12) return { a: t0 / s0, b: 0, c: 0 };
  return {
    a: det3([t0, s1, s2, t1, s2, s3, t2, s3, s4]) / det,
    b: det3([s0, t0, s2, s1, t1, s3, s2, t2, s4]) / det,
    c: det3([s0, s1, t0, s1, s2, t1, s2, s3, t2]) / det,
  };
}

/** Bilinear luma and saturation ((max − min) / max) at an image point. */
function sampleInto(image: RgbImage, p: { x: number; y: number }, luma: Float64Array, sat: Float64Array, r: number): void {
  const fx = clamp(p.x, 0, image.width - 1.001);
  const fy = clamp(p.y, 0, image.height - 1.001);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const rgb = [0, 0, 0];
  const d = image.data;
  for (let c = 0; c < 3; c++) {
    const i = (y0 * image.width + x0) * 3 + c;
    const j = i + image.width * 3;
    const top = d[i]! + (d[i + 3]! - d[i]!) * ax;
    const bottom = d[j]! + (d[j + 3]! - d[j]!) * ax;
    rgb[c] = top + (bottom - top) * ay;
  }
  const [r0, g0, b0] = rgb as [number, number, number];
  luma[r] = 0.299 * r0 + 0.587 * g0 + 0.114 * b0;
  const max = Math.max(r0, g0, b0);
  sat[r] = max > 0 ? (max - Math.min(r0, g0, b0)) / max : 0;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
