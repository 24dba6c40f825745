/**
 * The blend weight of the generated face at a normalised position (u, v) in [0, 1]² of the crop.
 * Only the lower face is replaced: the model redraws the mouth and jaw, while the upper half of its output is a
 * blurred copy of the reference, so pasting it would soften the eyes for nothing. The top ramp and the left and right
 * edges are feathered so no seam shows there, with weight exactly 0 on those borders. The bottom is not feathered:
 * the crop's bottom (chin, jaw and the bottom pad below them) is where an opened jaw goes, and any fade there would
 * show the original chin through it — Wav2Lip pastes the whole crop at full weight for the same reason. Nothing
 * outside the crop ever changes.
 */
export interface PasteMaskShape {
  /** v where the blend starts rising from 0. */
  topStart: number;
  /** v where the blend reaches 1. */
  topFull: number;
  /** Width of the feather at the left and right edges, as a fraction of the crop width. */
  sideFeather: number;
}

export const DEFAULT_PASTE_MASK: PasteMaskShape = { topStart: 0.38, topFull: 0.55, sideFeather: 0.12 };

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

export function horizontalWeights(width: number, shape: PasteMaskShape = DEFAULT_PASTE_MASK): Float32Array {
  const out = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = width > 1 ? x / (width - 1) : 0.5;
    out[x] = smoothstep(0, shape.sideFeather, u) * smoothstep(0, shape.sideFeather, 1 - u);
  }
  return out;
}

/** The top ramp only: every row below topFull, down to the crop's last, has weight 1. */
export function verticalWeights(height: number, shape: PasteMaskShape = DEFAULT_PASTE_MASK): Float32Array {
  const out = new Float32Array(height);
  for (let y = 0; y < height; y++) {
    const v = height > 1 ? y / (height - 1) : 0.5;
    out[y] = smoothstep(shape.topStart, shape.topFull, v);
  }
  return out;
}
