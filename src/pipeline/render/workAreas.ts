import type { Rect } from '../composite/rect.js';
import type { ClipSynthesizer, EngineFrame } from '../engine/types.js';
import { translateFace, type FaceDetection } from '../face/index.js';
import { cloneRgbImage, type RgbImage } from '../media/image.js';
import { evenRect, rgbRegion, writeRgbRegion, type YuvImage } from '../media/yuvImage.js';

/** A frame's work area cut out for an engine, and what it looked like before, to write back only the changes. */
export interface CutArea {
  frame: YuvImage;
  area: Rect;
  before: RgbImage;
  engineFrame: EngineFrame;
}

/**
 * Cuts the engine's work area for `face` out of a YUV frame as RGB, with the face moved into the cut's coordinates.
 * Null when the area lies outside the frame.
 */
export function cutWorkArea(
  synthesizer: ClipSynthesizer,
  frame: YuvImage,
  face: FaceDetection,
  index: number,
  mel: Float32Array,
): CutArea | null {
  const area = evenRect(synthesizer.workArea(face), frame.width, frame.height);
  if (area.x2 <= area.x1 || area.y2 <= area.y1) return null;
  const image = rgbRegion(frame, area);
  return {
    frame,
    area,
    before: cloneRgbImage(image),
    engineFrame: { index, image, face: translateFace(face, -area.x1, -area.y1), mel },
  };
}

/** Writes what the engine changed in a cut back into its frame. */
export function pasteWorkArea(cut: CutArea): void {
  const { area, engineFrame } = cut;
  const changed = engineFrame.changed;
  if (changed === null) return;
  const target = changed
    ? intersect(evenRect({ x1: area.x1 + changed.x1, y1: area.y1 + changed.y1, x2: area.x1 + changed.x2, y2: area.y1 + changed.y2 }, cut.frame.width, cut.frame.height), area)
    : area;
  if (target.x2 <= target.x1 || target.y2 <= target.y1) return;
  writeRgbRegion(cut.frame, target, engineFrame.image, cut.before, { x: area.x1, y: area.y1 });
}

function intersect(a: Rect, b: Rect): Rect {
  return { x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), x2: Math.min(a.x2, b.x2), y2: Math.min(a.y2, b.y2) };
}
