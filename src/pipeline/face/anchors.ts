/**
 * SSD anchor generation, following MediaPipe's SsdAnchorsCalculator for the options BlazeFace uses
 * (aspect ratio 1, interpolated scale aspect ratio 1, fixed anchor size, anchor offset 0.5).
 *
 * With `fixedAnchorSize` every anchor is 1×1 in normalised units, so only the centres matter to the decoder;
 * the scales are still computed so the anchor count and order match MediaPipe exactly: layers that share a stride
 * are merged into one feature map, and anchors are ordered row by row, column by column, then per-cell anchor.
 */

export interface SsdAnchorOptions {
  inputSize: number;
  numLayers: number;
  strides: readonly number[];
  minScale: number;
  maxScale: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  aspectRatios: readonly number[];
  interpolatedScaleAspectRatio: number;
  fixedAnchorSize: boolean;
}

/** face_detection_short_range (front camera) model, 128×128 input. */
export const SHORT_RANGE_ANCHORS: SsdAnchorOptions = {
  inputSize: 128,
  numLayers: 4,
  strides: [8, 16, 16, 16],
  minScale: 0.1484375,
  maxScale: 0.75,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  aspectRatios: [1.0],
  interpolatedScaleAspectRatio: 1.0,
  fixedAnchorSize: true,
};

/** face_detection_back (full-range, "back camera") model, 256×256 input. */
export const FULL_RANGE_ANCHORS: SsdAnchorOptions = {
  inputSize: 256,
  numLayers: 4,
  strides: [16, 32, 32, 32],
  minScale: 0.15625,
  maxScale: 0.75,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  aspectRatios: [1.0],
  interpolatedScaleAspectRatio: 1.0,
  fixedAnchorSize: true,
};

/** Anchors as packed arrays, normalised to [0, 1] of the model input. */
export interface Anchors {
  count: number;
  cx: Float32Array;
  cy: Float32Array;
  w: Float32Array;
  h: Float32Array;
}

function calculateScale(minScale: number, maxScale: number, strideIndex: number, numStrides: number): number {
  return numStrides === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * strideIndex) / (numStrides - 1);
}

export function generateAnchors(opts: SsdAnchorOptions): Anchors {
  if (opts.strides.length !== opts.numLayers) throw new RangeError('strides must have numLayers entries');
  const cx: number[] = [];
  const cy: number[] = [];
  const ws: number[] = [];
  const hs: number[] = [];
  let layerId = 0;
  while (layerId < opts.numLayers) {
    const anchorHeights: number[] = [];
    const anchorWidths: number[] = [];
    const stride = opts.strides[layerId]!;
    let lastSameStrideLayer = layerId;
    // Layers with the same stride share one feature map; their anchors are interleaved per cell.
    while (lastSameStrideLayer < opts.numLayers && opts.strides[lastSameStrideLayer] === stride) {
      const scale = calculateScale(opts.minScale, opts.maxScale, lastSameStrideLayer, opts.numLayers);
      for (const ratio of opts.aspectRatios) {
        const r = Math.sqrt(ratio);
        anchorHeights.push(scale / r);
        anchorWidths.push(scale * r);
      }
      if (opts.interpolatedScaleAspectRatio > 0) {
        const scaleNext =
          lastSameStrideLayer === opts.numLayers - 1
            ? 1.0
            : calculateScale(opts.minScale, opts.maxScale, lastSameStrideLayer + 1, opts.numLayers);
        const r = Math.sqrt(opts.interpolatedScaleAspectRatio);
        const s = Math.sqrt(scale * scaleNext);
        anchorHeights.push(s / r);
        anchorWidths.push(s * r);
      }
      lastSameStrideLayer++;
    }
    const fmH = Math.ceil(opts.inputSize / stride);
    const fmW = Math.ceil(opts.inputSize / stride);
    for (let y = 0; y < fmH; y++) {
      for (let x = 0; x < fmW; x++) {
        for (let a = 0; a < anchorHeights.length; a++) {
          cx.push((x + opts.anchorOffsetX) / fmW);
          cy.push((y + opts.anchorOffsetY) / fmH);
          ws.push(opts.fixedAnchorSize ? 1 : anchorWidths[a]!);
          hs.push(opts.fixedAnchorSize ? 1 : anchorHeights[a]!);
        }
      }
    }
    layerId = lastSameStrideLayer;
  }
  return {
    count: cx.length,
    cx: Float32Array.from(cx),
    cy: Float32Array.from(cy),
    w: Float32Array.from(ws),
    h: Float32Array.from(hs),
  };
}
