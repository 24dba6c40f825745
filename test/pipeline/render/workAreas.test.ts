import { describe, expect, it } from 'vitest';
import { createBuiltinEngine } from '../../../src/pipeline/engine/builtin/index.js';
import { cloneRgbImage, type RgbImage } from '../../../src/pipeline/media/image.js';
import { cloneYuvImage, toRgbImage, toYuvImage } from '../../../src/pipeline/media/yuvImage.js';
import { cutWorkArea, pasteWorkArea } from '../../../src/pipeline/render/workAreas.js';
import { decodeImage } from '../../support/images.js';
import { PORTRAIT } from '../../support/media.js';
import { PORTRAIT_KEYPOINTS, faceAt, speechMel } from '../engine/builtin/portrait.js';

const CONTEXT = { fps: 25, width: 320, height: 320, facePads: { top: 0, bottom: 10, left: 0, right: 0 } };

/** Which pixels of `a` differ from `b` in some channel. */
function changedMask(a: RgbImage, b: RgbImage): Uint8Array {
  const mask = new Uint8Array(a.width * a.height);
  for (let p = 0; p < mask.length; p++) {
    for (let c = 0; c < 3; c++) if (a.data[p * 3 + c] !== b.data[p * 3 + c]) mask[p] = 1;
  }
  return mask;
}

describe('engine work areas on yuv420p frames', () => {
  for (const angle of [0, 0.2, -0.2]) {
    it(`give the engine's full-frame result and change nothing else (head roll ${angle} rad)`, async () => {
      const face = faceAt(PORTRAIT_KEYPOINTS, { angle, pivot: PORTRAIT_KEYPOINTS.mouth });
      // The same starting pixels both ways: the portrait as the decoder hands it over.
      const yuv = toYuvImage(decodeImage(PORTRAIT));
      const original = toRgbImage(yuv);

      const engine = createBuiltinEngine();
      const fullClip = engine.startClip(CONTEXT);
      const areaClip = engine.startClip(CONTEXT);
      let whole = original;
      let viaArea = yuv;
      // A few frames of speech, so the mouth is well open on the last one; every frame starts from the template.
      for (let index = 0; index < 6; index++) {
        const mel = speechMel(0.5);
        whole = cloneRgbImage(original);
        await fullClip.synthesize([{ index, image: whole, face, mel }]);
        viaArea = cloneYuvImage(yuv);
        const cut = cutWorkArea(areaClip, viaArea, face, index, mel)!;
        await areaClip.synthesize([cut.engineFrame]);
        pasteWorkArea(cut);
      }
      const result = toRgbImage(viaArea);

      const byEngine = changedMask(whole, original);
      const byArea = changedMask(result, original);
      const engineCount = byEngine.reduce((a, b) => a + b, 0);
      expect(engineCount).toBeGreaterThan(200);
      // Nothing changes away from what the engine changed (a changed pixel's 2×2 chroma sample is shared).
      let stray = 0;
      for (let y = 0; y < 320; y += 2) {
        for (let x = 0; x < 320; x += 2) {
          const block = [y * 320 + x, y * 320 + x + 1, (y + 1) * 320 + x, (y + 1) * 320 + x + 1];
          if (!block.some((p) => byEngine[p])) stray += block.filter((p) => byArea[p]).length;
        }
      }
      expect(stray).toBe(0);
      // Where it changed, the picture is the engine's, up to 4:2:0 chroma.
      let sum = 0;
      for (let p = 0; p < byEngine.length; p++) {
        if (!byEngine[p]) continue;
        for (let c = 0; c < 3; c++) sum += Math.abs(result.data[p * 3 + c]! - whole.data[p * 3 + c]!);
      }
      const meanError = sum / (engineCount * 3);
      expect(meanError).toBeLessThan(1.5);
    });
  }
});
