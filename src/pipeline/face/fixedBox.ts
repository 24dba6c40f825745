/**
 * A fixed crop box (Wav2Lip's `--box top bottom left right`): the same rectangle of every frame is the face crop, with
 * no detection, padding or smoothing. For templates the detector misses (profile shots, masks, cartoons) or when the
 * crop must not move at all.
 */
import { InputError } from '../../errors.js';
import type { Rect } from '../composite/rect.js';
import type { FaceDetection } from './types.js';

/** Rows y1..y2 and columns x1..x2 of the template, in its own (upright) pixels; y2/x2 exclusive, as in frame[y1:y2, x1:x2]. */
export interface FixedBox {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

/** Parses "Y1,Y2,X1,X2" (Wav2Lip's order: top, bottom, left, right); throws an Error worded for the command line. */
export function parseFixedBox(text: string): FixedBox {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new Error(`"${text}" is not a box: give four whole pixel numbers Y1,Y2,X1,X2 (top, bottom, left, right), e.g. 40,300,80,280`);
  }
  const [y1, y2, x1, x2] = parts.map(Number) as [number, number, number, number];
  if (y2 <= y1 || x2 <= x1) throw new Error(`box ${text} is empty: it needs Y1 < Y2 and X1 < X2 (top above bottom, left before right)`);
  return { y1, y2, x1, x2 };
}

/**
 * The box in render pixels. It is clamped to the template first (as a numpy slice would be), then scaled by the same
 * factor as the frames when the template is rendered smaller than it is (MAX_RENDER_HEIGHT; rounded to whole pixels).
 * At scale 1 the crop is exactly frame[y1:y2, x1:x2]. A box with nothing of the template inside is an InputError.
 */
export function fixedBoxInRender(
  box: FixedBox,
  template: { width: number; height: number },
  render: { width: number; height: number },
  templateLabel: string,
): Rect {
  const y1 = Math.min(box.y1, template.height);
  const y2 = Math.min(box.y2, template.height);
  const x1 = Math.min(box.x1, template.width);
  const x2 = Math.min(box.x2, template.width);
  if (y2 <= y1 || x2 <= x1) {
    throw new InputError(
      'box-outside-frame',
      `The box ${box.y1},${box.y2},${box.x1},${box.x2} (Y1,Y2,X1,X2) lies outside ${templateLabel}, which is ${template.width}×${template.height} pixels.`,
      { params: { y1: box.y1, y2: box.y2, x1: box.x1, x2: box.x2, label: templateLabel, width: template.width, height: template.height } },
    );
  }
  const sx = render.width / template.width;
  const sy = render.height / template.height;
  const rect = {
    x1: Math.min(render.width - 1, Math.round(x1 * sx)),
    y1: Math.min(render.height - 1, Math.round(y1 * sy)),
    x2: Math.min(render.width, Math.round(x2 * sx)),
    y2: Math.min(render.height, Math.round(y2 * sy)),
  };
  return { ...rect, x2: Math.max(rect.x2, rect.x1 + 1), y2: Math.max(rect.y2, rect.y1 + 1) };
}

/**
 * Where the keypoints sit in a face crop of S3FD's proportions, as fractions of its width and height (measured on the
 * test portrait, see s3fdLikeBox): eyes at 38% of the height and 0.21 of the width either side of the centre, nose at
 * 56%, mouth at 73%, ears at 46% and 0.45 of the width either side. The preview engine places the mouth by them.
 */
export const BOX_KEYPOINTS = {
  eyeY: 0.38,
  eyeX: 0.21,
  noseY: 0.56,
  mouthY: 0.73,
  earY: 0.46,
  earX: 0.45,
} as const;

/** The face a fixed box stands for: its box is the crop itself (`fixedCrop`), its keypoints at S3FD proportions. */
export function faceFromFixedBox(rect: Rect): FaceDetection {
  const width = rect.x2 - rect.x1;
  const height = rect.y2 - rect.y1;
  const k = BOX_KEYPOINTS;
  const at = (fx: number, fy: number) => ({ x: rect.x1 + (0.5 + fx) * width, y: rect.y1 + fy * height });
  return {
    x: rect.x1,
    y: rect.y1,
    width,
    height,
    score: 1,
    fixedCrop: true,
    keypoints: {
      rightEye: at(-k.eyeX, k.eyeY),
      leftEye: at(k.eyeX, k.eyeY),
      nose: at(0, k.noseY),
      mouth: at(0, k.mouthY),
      rightEar: at(-k.earX, k.earY),
      leftEar: at(k.earX, k.earY),
    },
  };
}
