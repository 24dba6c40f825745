/**
 * The blend weight of the generated face at a normalised position (u, v) in [0, 1]² of the crop.
 * Only the lower face is replaced: the model redraws the mouth and jaw, while the upper half of its output is a
 * blurred copy of the reference, so pasting it would soften the eyes for nothing. Every edge is feathered so no
 * rectangle seam shows, and the weight is exactly 0 on the crop border: nothing outside the face box changes.
 */
export interface PasteMaskShape {
  /** v where the blend starts rising from 0. */
  topStart: number;
  /** v where the blend reaches 1. */
  topFull: number;
  /** Width of the feather at the left, right and bottom edges, as a fraction of the crop. */
  edgeFeather: number;
}

export const DEFAULT_PASTE_MASK: PasteMaskShape = { topStart: 0.38, topFull: 0.55, edgeFeather: 0.12 };

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

export function horizontalWeights(width: number, shape: PasteMaskShape = DEFAULT_PASTE_MASK): Float32Array {
  const out = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = width > 1 ? x / (width - 1) : 0.5;
    out[x] = smoothstep(0, shape.edgeFeather, u) * smoothstep(0, shape.edgeFeather, 1 - u);
  }
  return out;
}

export function verticalWeights(height: number, shape: PasteMaskShape = DEFAULT_PASTE_MASK): Float32Array {
  const out = new Float32Array(height);
  for (let y = 0; y < height; y++) {
    const v = height > 1 ? y / (height - 1) : 0.5;
    out[y] = smoothstep(shape.topStart, shape.topFull, v) * smoothstep(0, shape.edgeFeather, 1 - v);
  }
  return out;
}
