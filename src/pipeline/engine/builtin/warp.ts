import type { RgbImage } from '../../media/image.js';
import type { Articulation } from './articulation.js';
import { OPENING, UNCHANGED, fieldParams, lipBend, sourceOf, SHAPE } from './field.js';
import { interiorColour, interiorDepth, type Tone } from './interior.js';
import type { LipCurve } from './lipLine.js';
import { REGION } from './mask.js';
import { localBox, type MouthFrame, type PixelBox } from './mouthGeometry.js';

/**
 * Draws a mouth pose into a frame: inverse warping with bilinear sampling from a copy of the original region, and the
 * opening shaded from the lips' own tone.
 *
 * Speed: the field is smooth everywhere except along the opening, so it is evaluated exactly only in a thin band
 * around the lips and on a coarse 4 px grid elsewhere (interpolated per pixel), so the per-pixel work is little more
 * than one bilinear sample.
 */
const GRID = 4;

/** Reusable buffers: the copy of the original region and the coarse field. */
export interface WarpScratch {
  source: Uint8Array;
  grid: Float32Array;
}

export function createWarpScratch(): WarpScratch {
  return { source: new Uint8Array(0), grid: new Float32Array(0) };
}

/**
 * Renders `pose` into `image` in place and returns the box it may have changed (null: nothing). `frame` has its origin
 * at the centre of the lip line; `curve` bends the line (its `a` is ignored: already in the origin). A closed pose
 * changes nothing.
 */
export function renderMouth(image: RgbImage, frame: MouthFrame, curve: LipCurve, pose: Articulation, tone: Tone, scratch: WarpScratch): PixelBox | null {
  if (pose.open <= 0) return null;
  const p = fieldParams(pose, curve);
  let maxBend = 0;
  for (let u = -SHAPE.bendReach; u <= SHAPE.bendReach; u += 0.05) maxBend = Math.max(maxBend, Math.abs(lipBend(p, u)));
  const box = localBox(frame, -REGION.halfWidth, REGION.halfWidth, REGION.top - maxBend, REGION.bottom + maxBend, image);
  const bw = box.x1 - box.x0;
  const bh = box.y1 - box.y0;
  if (bw < 2 || bh < 2) return null;

  // Copy the original region: the warp reads unmodified pixels while it writes the frame in place.
  const W = image.width;
  const data = image.data;
  if (scratch.source.length < bw * bh * 3) scratch.source = new Uint8Array(bw * bh * 3);
  const src = scratch.source;
  for (let y = 0; y < bh; y++) {
    const row = ((box.y0 + y) * W + box.x0) * 3;
    src.set(data.subarray(row, row + bw * 3), y * bw * 3);
  }

  const { cos, sin, sx, sy } = frame;
  // Local coordinates are affine in (x, y); a local offset (du, dv) is (du·ax + dv·bx, du·ay + dv·by) in pixels.
  const dudx = cos / sx;
  const dudy = sin / sx;
  const dvdx = -sin / sy;
  const dvdy = cos / sy;
  const ax = sx * cos;
  const ay = sx * sin;
  const bx = -sy * sin;
  const by = sy * cos;
  const tmp = new Float64Array(4);

  // Coarse field: source offsets in pixels at every GRID-th pixel of the box.
  const gw = Math.ceil((bw - 1) / GRID) + 1;
  const gh = Math.ceil((bh - 1) / GRID) + 1;
  if (scratch.grid.length < gw * gh * 2) scratch.grid = new Float32Array(gw * gh * 2);
  const grid = scratch.grid;
  for (let j = 0; j < gh; j++) {
    for (let i = 0; i < gw; i++) {
      const ddx = box.x0 + i * GRID - frame.cx;
      const ddy = box.y0 + j * GRID - frame.cy;
      const kind = sourceOf(p, ddx * dudx + ddy * dudy, ddx * dvdx + ddy * dvdy, tmp);
      const g = (j * gw + i) * 2;
      grid[g] = kind === UNCHANGED ? 0 : tmp[0]! * ax + tmp[1]! * bx;
      grid[g + 1] = kind === UNCHANGED ? 0 : tmp[0]! * ay + tmp[1]! * by;
    }
  }

  // The exact band: wherever a grid cell could straddle the opening's edges.
  const margin = (GRID + 1.5) / sy;
  const bandU = p.lensHalf + (GRID + 1.5) / sx;
  const bandTop = -p.rise - margin;
  const bandBottom = p.drop + margin;
  const px = 1 / sy;
  const lipLog = [Math.log(Math.max(1, tone.r) / 255), Math.log(Math.max(1, tone.g) / 255), Math.log(Math.max(1, tone.b) / 255)] as const;
  const colour = new Float64Array(3);

  for (let y = box.y0; y < box.y1; y++) {
    const ry = y - box.y0;
    const j = (ry / GRID) | 0;
    const fy = ry / GRID - j;
    let u = (box.x0 - frame.cx) * dudx + (y - frame.cy) * dudy;
    let vLine = (box.x0 - frame.cx) * dvdx + (y - frame.cy) * dvdy;
    for (let x = box.x0; x < box.x1; x++, u += dudx, vLine += dvdx) {
      const o = (y * W + x) * 3;
      const rx = x - box.x0;
      if (u > -bandU && u < bandU && vLine > bandTop - maxBend && vLine < bandBottom + maxBend) {
        const v = vLine - lipBend(p, u);
        if (v > bandTop && v < bandBottom) {
          const kind = sourceOf(p, u, vLine, tmp);
          if (kind === UNCHANGED) continue;
          bilinear(data, o, src, bw, bh, rx + tmp[0]! * ax + tmp[1]! * bx, ry + tmp[0]! * ay + tmp[1]! * by);
          if (kind === OPENING) {
            const fromTop = tmp[2]! / px;
            const fromBottom = tmp[3]! / px;
            // Coverage of the pixel by the opening: antialiased edges, and thin openings (the corners) fade out.
            const alpha = Math.min(1, Math.min(fromTop, fromBottom) + 0.5) * Math.min(1, fromTop + fromBottom);
            interiorColour(lipLog, interiorDepth(fromTop, fromBottom), colour);
            for (let c = 0; c < 3; c++) data[o + c] = Math.round(data[o + c]! + (colour[c]! - data[o + c]!) * alpha);
          }
          continue;
        }
      }
      const i = (rx / GRID) | 0;
      const fx = rx / GRID - i;
      const g = (j * gw + i) * 2;
      const g2 = g + gw * 2;
      const i1 = i + 1 < gw ? 2 : 0;
      const j1 = j + 1 < gh ? g2 : g;
      const dx = lerp2(grid[g]!, grid[g + i1]!, grid[j1]!, grid[j1 + i1]!, fx, fy);
      const dy = lerp2(grid[g + 1]!, grid[g + i1 + 1]!, grid[j1 + 1]!, grid[j1 + i1 + 1]!, fx, fy);
      if (dx > -0.002 && dx < 0.002 && dy > -0.002 && dy < 0.002) continue;
      bilinear(data, o, src, bw, bh, rx + dx, ry + dy);
    }
  }
  return box;
}

function lerp2(a: number, b: number, c: number, d: number, fx: number, fy: number): number {
  const top = a + (b - a) * fx;
  return top + (c + (d - c) * fx - top) * fy;
}

/** Bilinear sample of the region copy at (fx, fy) (region coordinates, clamped), written to `out[o..o+2]`. */
function bilinear(out: Uint8Array, o: number, src: Uint8Array, bw: number, bh: number, fx: number, fy: number): void {
  if (fx < 0) fx = 0;
  else if (fx > bw - 1.001) fx = bw - 1.001;
  if (fy < 0) fy = 0;
  else if (fy > bh - 1.001) fy = bh - 1.001;
  const x0 = fx | 0;
  const y0 = fy | 0;
  const wx = fx - x0;
  const wy = fy - y0;
  const i00 = (y0 * bw + x0) * 3;
  const i01 = i00 + bw * 3;
  const w00 = (1 - wx) * (1 - wy);
  const w10 = wx * (1 - wy);
  const w01 = (1 - wx) * wy;
  const w11 = wx * wy;
  out[o] = (src[i00]! * w00 + src[i00 + 3]! * w10 + src[i01]! * w01 + src[i01 + 3]! * w11 + 0.5) | 0;
  out[o + 1] = (src[i00 + 1]! * w00 + src[i00 + 4]! * w10 + src[i01 + 1]! * w01 + src[i01 + 4]! * w11 + 0.5) | 0;
  out[o + 2] = (src[i00 + 2]! * w00 + src[i00 + 5]! * w10 + src[i01 + 2]! * w01 + src[i01 + 5]! * w11 + 0.5) | 0;
}
