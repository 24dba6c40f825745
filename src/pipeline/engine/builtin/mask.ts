/**
 * The part of the face the built-in engine may change, in mouth-local units (see MouthFrame: u across the face in eye
 * distances, v down the face in eye–mouth distances, origin on the lip line).
 *
 * Every displacement is multiplied by `feather`, which is 1 over the mouth and jaw and falls smoothly to exactly 0
 * at the region's edge. A displacement field that fades to zero cannot leave an edge, so the warped region needs no
 * separate alpha blend, and everything outside it (eyes, nose, cheeks above the mouth corners, background) is
 * byte-identical to the input.
 */
export const REGION = {
  /** Half-width of the region. */
  halfWidth: 0.95,
  /** Top (above the lip line; the nostrils sit near −0.35 from the mouth point, the nose tip near −0.5). */
  top: -0.36,
  /** Bottom (below the chin, which sits near 0.6). */
  bottom: 1.15,
} as const;

const CENTRE_V = (REGION.top + REGION.bottom) / 2;
const HALF_V = (REGION.bottom - REGION.top) / 2;
/** Fraction of the ellipse radius kept at full strength; the rest is the feather. */
const CORE = 0.68;

/** Smooth weight in [0, 1]: 1 in the core ellipse, 0 on and outside the region ellipse. */
export function feather(u: number, v: number): number {
  const a = u / REGION.halfWidth;
  const b = (v - CENTRE_V) / HALF_V;
  const r2 = a * a + b * b;
  if (r2 >= 1) return 0;
  if (r2 <= CORE * CORE) return 1;
  return 1 - smoothstep(CORE, 1, Math.sqrt(r2));
}

/** Hermite step: 0 at or below `edge0`, 1 at or above `edge1`, C1-smooth in between. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = (x - edge0) / (edge1 - edge0);
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}
