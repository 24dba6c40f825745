import { throwIfAborted } from '../../../errors.js';
import type { ClipContext, ClipSynthesizer, EngineFrame, LipSyncEngine } from '../types.js';
import { createArticulationState, melFeatures, stepArticulation, type ArticulationState } from './articulation.js';
import { measureLipTone, mixTone, type Tone } from './interior.js';
import { findLipCurve, mixCurve, type LipCurve } from './lipLine.js';
import { mouthFrame, shiftAlongV } from './mouthGeometry.js';
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

/** Time constants (s) for the measurements taken from the template, which must not flicker with its noise. */
const LIP_LINE_SMOOTHING = 0.12;
const TONE_SMOOTHING = 0.3;

class BuiltinClip implements ClipSynthesizer {
  private readonly fps: number;
  private readonly articulation: ArticulationState = createArticulationState();
  private readonly scratch: WarpScratch = createWarpScratch();
  private lastIndex = -1;
  private lipCurve: LipCurve | null = null;
  private tone: Tone | null = null;

  constructor(context: ClipContext) {
    this.fps = context.fps > 0 ? context.fps : 25;
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

    const keyFrame = mouthFrame(frame.face);
    if (!keyFrame) return;
    // The lip line and lip tone are tracked every frame, open or not, so they are settled when speech starts.
    const measured = findLipCurve(frame.image, keyFrame);
    this.lipCurve = this.lipCurve ? mixCurve(this.lipCurve, measured, 1 - Math.exp(-dt / LIP_LINE_SMOOTHING)) : measured;
    const lips = shiftAlongV(keyFrame, this.lipCurve.a);
    const tone = measureLipTone(frame.image, lips);
    this.tone = this.tone ? mixTone(this.tone, tone, 1 - Math.exp(-dt / TONE_SMOOTHING)) : tone;

    renderMouth(frame.image, lips, this.lipCurve, pose, this.tone, this.scratch);
  }
}
