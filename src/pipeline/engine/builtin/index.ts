import { throwIfAborted } from '../../../errors.js';
import type { Rect } from '../../composite/rect.js';
import type { FaceDetection } from '../../face/types.js';
import type { ClipContext, ClipSynthesizer, EngineFrame, LipSyncEngine } from '../types.js';
import { createArticulationState, melFeatures, stepArticulation, type ArticulationState } from './articulation.js';
import { measureLipTone, mixTone, type Tone } from './interior.js';
import { SHAPE } from './field.js';
import { findLipCurve, LIP_CURVE_LIMITS, mixCurve, type LipCurve } from './lipLine.js';
import { REGION } from './mask.js';
import { localBox, mouthFrame, shiftAlongV, type PixelBox } from './mouthGeometry.js';
import { createWarpScratch, renderMouth, type WarpScratch } from './warp.js';

export interface BuiltinEngineOptions {
  /** Frames per synthesize() call; the work per frame is small, so this only sets how often the caller hears back. */
  batchSize?: number;
}

/**
 * The weights-free "preview" engine: animates the template's own mouth from the audio energy and spectrum by
 * warping the lower lip and jaw. Deterministic, CPU only; a few milliseconds per 720p frame, touching only the
 * lower face.
 */
export function createBuiltinEngine(options: BuiltinEngineOptions = {}): LipSyncEngine {
  return {
    name: 'builtin',
    preview: true,
    batchSize: options.batchSize ?? 16,
    startClip: (context) => new BuiltinClip(context),
    dispose: async () => {},
  };
}

/**
 * What the engine may read or change around the mouth point, in mouth-local units: the warped region (mask.ts) moved by
 * the lip line's largest offset and grown by its largest bend (lipBend is b·u + c·u², gone beyond |u| = bendReach),
 * which also holds the lip-line search and tone samples; localBox adds the pixels bilinear sampling needs.
 */
const MAX_BEND =
  Math.max(...LIP_CURVE_LIMITS.b.map(Math.abs)) * SHAPE.bendReach + Math.max(...LIP_CURVE_LIMITS.c.map(Math.abs)) * SHAPE.bendReach ** 2;
const WORK_AREA = {
  halfWidth: REGION.halfWidth,
  top: REGION.top - MAX_BEND + LIP_CURVE_LIMITS.a[0],
  bottom: REGION.bottom + MAX_BEND + LIP_CURVE_LIMITS.a[1],
} as const;

/** Time constants (s) for the measurements taken from the template, which must not flicker with its noise. */
const LIP_LINE_SMOOTHING = 0.12;
const TONE_SMOOTHING = 0.3;

class BuiltinClip implements ClipSynthesizer {
  private readonly fps: number;
  private readonly frameSize: { width: number; height: number };
  private readonly articulation: ArticulationState = createArticulationState();
  private readonly scratch: WarpScratch = createWarpScratch();
  private lastIndex = -1;
  private lipCurve: LipCurve | null = null;
  private tone: Tone | null = null;

  constructor(context: ClipContext) {
    this.fps = context.fps > 0 ? context.fps : 25;
    this.frameSize = { width: context.width, height: context.height };
  }

  workArea(face: FaceDetection): Rect {
    const frame = mouthFrame(face);
    // No usable mouth: nothing is drawn, but the frame still advances the articulation (one pixel of it is enough).
    if (!frame) return { x1: 0, y1: 0, x2: Math.min(2, this.frameSize.width), y2: Math.min(2, this.frameSize.height) };
    return rectOf(localBox(frame, -WORK_AREA.halfWidth, WORK_AREA.halfWidth, WORK_AREA.top, WORK_AREA.bottom, this.frameSize));
  }

  async synthesize(frames: readonly EngineFrame[], signal?: AbortSignal): Promise<void> {
    for (const frame of frames) {
      throwIfAborted(signal);
      this.renderFrame(frame);
    }
  }

  private renderFrame(frame: EngineFrame): void {
    // Frames without a face are skipped by the pipeline; the envelope still has to age across them.
    const steps = this.lastIndex < 0 ? 1 : Math.max(1, frame.index - this.lastIndex);
    const dt = steps / this.fps;
    if (steps > 1) {
      this.lipCurve = null;
      this.tone = null;
    }
    this.lastIndex = frame.index;
    const pose = stepArticulation(this.articulation, melFeatures(frame.mel, this.fps), dt);

    frame.changed = null;
    const keyFrame = mouthFrame(frame.face);
    if (!keyFrame) return;
    // The lip line and lip tone are tracked every frame, open or not, so they are settled when speech starts.
    const measured = findLipCurve(frame.image, keyFrame);
    this.lipCurve = this.lipCurve ? mixCurve(this.lipCurve, measured, 1 - Math.exp(-dt / LIP_LINE_SMOOTHING)) : measured;
    const lips = shiftAlongV(keyFrame, this.lipCurve.a);
    const tone = measureLipTone(frame.image, lips);
    this.tone = this.tone ? mixTone(this.tone, tone, 1 - Math.exp(-dt / TONE_SMOOTHING)) : tone;

    const box = renderMouth(frame.image, lips, this.lipCurve, pose, this.tone, this.scratch);
    frame.changed = box && rectOf(box);
  }
}

function rectOf(box: PixelBox): Rect {
  return { x1: box.x0, y1: box.y0, x2: box.x1, y2: box.y1 };
}
