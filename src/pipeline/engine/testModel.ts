/**
 * Geometry and semantics of the synthetic "test model" built by scripts/make-test-model.ts, shared by the
 * generator and by tests that check the pipeline end to end.
 *
 * The test model has the Wav2Lip signature. It outputs the reference crop (video_frames channels 3..5) unchanged,
 * except inside a soft-edged ellipse around the mouth, where it blends towards a flat grey whose brightness
 * follows the mean of the frame's own mel window: output = (1 − m)·ref + m·melBrightness(mean(mel)).
 */

/**
 * The mouth ellipse, as fractions of the crop size S so it scales with `--size`. For S = 96 it spans rows 60..83
 * and columns 28..67 (pixel centres at r + 0.5 strictly inside the ellipse).
 */
export const TEST_MODEL_MOUTH = {
  centerY: 72 / 96,
  centerX: 48 / 96,
  radiusY: 12 / 96,
  radiusX: 20 / 96,
  /** Width of the soft edge as a fraction of the radius: m = 1 inside 75 % of the radius, fading to 0 at 100 %. */
  feather: 0.25,
} as const;

/** Mel window mean → mouth brightness: clamp((mean + 4) / 8, 0, 1); −4 → 0, 0 → 0.5, +4 → 1. */
export const TEST_MODEL_MEL_OFFSET = 4;
export const TEST_MODEL_MEL_SCALE = 1 / 8;

export function testModelMelBrightness(melMean: number): number {
  return Math.min(1, Math.max(0, (melMean + TEST_MODEL_MEL_OFFSET) * TEST_MODEL_MEL_SCALE));
}

/** Integer bounding box (half-open) of the non-zero part of the mouth mask for crop size S. */
export function testModelMouthBox(size: number): { top: number; bottom: number; left: number; right: number } {
  const m = TEST_MODEL_MOUTH;
  return {
    top: Math.round((m.centerY - m.radiusY) * size),
    bottom: Math.round((m.centerY + m.radiusY) * size),
    left: Math.round((m.centerX - m.radiusX) * size),
    right: Math.round((m.centerX + m.radiusX) * size),
  };
}

/**
 * The soft mouth mask, S×S row-major, values in [0, 1]; exactly 0 outside the ellipse (so the upper half of the
 * output is bit-identical to the reference) and exactly 1 in its core. Smoothstep edge avoids a visible seam.
 */
export function testModelMouthMask(size: number): Float32Array {
  const m = TEST_MODEL_MOUTH;
  const mask = new Float32Array(size * size);
  for (let r = 0; r < size; r += 1) {
    const dy = ((r + 0.5) / size - m.centerY) / m.radiusY;
    for (let c = 0; c < size; c += 1) {
      const dx = ((c + 0.5) / size - m.centerX) / m.radiusX;
      const d = Math.hypot(dx, dy);
      const t = Math.min(1, Math.max(0, (1 - d) / m.feather));
      mask[r * size + c] = t * t * (3 - 2 * t);
    }
  }
  return mask;
}
