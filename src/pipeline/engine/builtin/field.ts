import type { Articulation } from './articulation.js';
import type { LipCurve } from './lipLine.js';
import { feather, smoothstep } from './mask.js';

/**
 * The displacement field that opens the mouth, in mouth-local units (see MouthFrame; origin on the lip line, `v`
 * measured from the bent lip line). It is an inverse map: for an output point it says where its content comes from.
 *
 *  - Below the lips, the lower lip and the chin move down by up to `jawDrop`. Right under the lips the drop has the
 *    lens shape of an opening mouth (zero at the corners); further down it widens to the whole chin, which moves as
 *    one piece, and it fades out below the chin.
 *  - Above, the upper lip rises a little (`lipRise`), fading out before the nostrils.
 *  - In between lies the opening (the renderer shades it, see interior.ts).
 *  - The lip shape stretches the mouth sideways into a slit (spread vowels) or narrows it into a small round opening
 *    (rounded vowels); the shape is full as soon as the mouth is a little open, since lips round or spread even when
 *    the jaw hardly moves.
 * Everything is scaled by the feathered region mask, so the field is exactly zero at the region's edge.
 */
export const SHAPE = {
  /** Jaw drop at full opening, in eye–mouth distances (about 1 cm on an adult face). */
  jawDrop: 0.17,
  /** Upper lip rise at full opening. */
  lipRise: 0.03,
  /** Half-width of the mouth opening, in eye distances. */
  mouthHalfWidth: 0.42,
  /** Sideways stretch of the lip corners when fully spread (negative width: drawn in when rounded). */
  spread: 0.12,
  /** A fully rounded opening is this much narrower than the neutral one. */
  pucker: 0.65,
  /** The lip shape is fully there from this opening on (and fades in below it, so a closed mouth stays the template). */
  shapeFrom: 0.2,
  /** The chin moves rigidly out to this half-width, then fades towards the jaw angles. */
  chinInner: 0.35,
  chinOuter: 0.85,
  /** The drop stays full down to the chin and is gone below it. */
  chinBottom: 0.6,
  dropEnd: 1.08,
  /** How far below the lips the lens-shaped lip drop turns into the rigid chin drop. */
  lensToChin: 0.45,
  /** Height above the lips over which the upper lip rise fades out. */
  riseFade: 0.3,
  /** The lip line's measured bend applies across the mouth and fades out by here, so cheeks are not sheared. */
  bendReach: 0.6,
} as const;

export interface FieldParams {
  drop: number;
  rise: number;
  /** Sideways stretch factor (signed). */
  spread: number;
  /** Half-width of the opening, after the sideways stretch moved the corners. */
  lensHalf: number;
  /** Exponent of the opening's height profile: 0.75 neutral, 0.5 an ellipse (rounded), 0.25 a slit (spread). */
  lensPower: number;
  bendB: number;
  bendC: number;
}

export function fieldParams(pose: Articulation, curve: LipCurve): FieldParams {
  const shape = pose.width * smoothstep(0, SHAPE.shapeFrom, pose.open);
  const spread = SHAPE.spread * shape;
  const rounded = Math.max(0, -shape);
  const spreadOut = Math.max(0, shape);
  return {
    drop: SHAPE.jawDrop * pose.open,
    rise: SHAPE.lipRise * pose.open,
    spread,
    lensHalf: ((1 - SHAPE.pucker * rounded) * SHAPE.mouthHalfWidth) / (1 - spread * spreadBump(SHAPE.mouthHalfWidth, 0)),
    lensPower: 0.75 - 0.5 * spreadOut - 0.25 * rounded,
    bendB: curve.b,
    bendC: curve.c,
  };
}

/** Offset of the bent lip line from the straight one at `u`. */
export function lipBend(p: FieldParams, u: number): number {
  return (p.bendB * u + p.bendC * u * u) * (1 - smoothstep(0.35, SHAPE.bendReach, Math.abs(u)));
}

/** What `sourceOf` found. */
export const UNCHANGED = 0;
export const MOVED = 1;
export const OPENING = 2;

/**
 * Inverse map at local point (u, vLine) (vLine: from the straight line through the origin). Writes the source offset
 * (du, dvLine) to out[0..1]. Inside the opening it returns OPENING and writes the distances to its upper and lower
 * edge, in v units, to out[2..3]; out[0..1] then hold the offset of the nearer lip, for antialiasing.
 */
export function sourceOf(p: FieldParams, u: number, vLine: number, out: Float64Array): number {
  const bend = lipBend(p, u);
  const v = vLine - bend;
  const w = feather(u, v);
  if (w === 0) return UNCHANGED;

  const su = p.spread === 0 ? u : u * (1 - p.spread * spreadBump(u, v) * w);
  const lens = lensProfile(u, p.lensHalf, p.lensPower);
  const gapTop = -p.rise * lens;
  const gapBottom = p.drop * lens;

  let sv: number;
  let kind = MOVED;
  if (v >= gapBottom) {
    sv = v - lowerDrop(u, v, gapBottom, lens, p.drop) * w;
  } else if (v <= gapTop) {
    sv = lens === 0 ? v : v + p.rise * lens * (1 - smoothstep(0, SHAPE.riseFade, gapTop - v)) * w;
  } else {
    kind = OPENING;
    out[2] = v - gapTop;
    out[3] = gapBottom - v;
    sv = v - gapTop > gapBottom - v ? Math.max(0, v - lowerDrop(u, v, gapBottom, lens, p.drop) * w) : Math.min(0, v + p.rise * lens * w);
  }
  if (kind === MOVED && su === u && sv === v) return UNCHANGED;
  out[0] = su - u;
  out[1] = sv + (su === u ? bend : lipBend(p, su)) - vLine;
  return kind;
}

/** Drop of the lower lip / chin at output point (u, v) below the opening. */
function lowerDrop(u: number, v: number, gapBottom: number, lens: number, drop: number): number {
  const toChin = smoothstep(0, SHAPE.lensToChin, v - gapBottom);
  const chin = 1 - smoothstep(SHAPE.chinInner, SHAPE.chinOuter, Math.abs(u));
  return drop * (lens + (chin - lens) * toChin) * (1 - smoothstep(SHAPE.chinBottom, SHAPE.dropEnd, v));
}

/**
 * Height profile of the opening across the mouth: full in the middle, pinched to zero at the corners. `power` 0.75 is
 * rounder than a parabola, still pinched; smaller powers flatten it into a slit.
 */
export function lensProfile(u: number, half: number, power = 0.75): number {
  const t = u / half;
  const q = 1 - t * t;
  if (q <= 0) return 0;
  return power === 0.75 ? Math.sqrt(q * Math.sqrt(q)) : Math.pow(q, power);
}

/** Where the sideways stretch acts: the lips and the skin right around them. */
function spreadBump(u: number, v: number): number {
  const a = u / 0.75;
  const b = (v - 0.03) / 0.3;
  const q = 1 - a * a - b * b;
  return q <= 0 ? 0 : q * q;
}
