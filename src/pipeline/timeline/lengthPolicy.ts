import type { LoopMode } from '../../config/index.js';

/**
 * Which template frame shows at output frame `i` when the template has `templateFrames` frames.
 * The audio decides the output length: longer templates are simply cut (i < templateFrames),
 * shorter ones loop back and forth (pingpong: no visible jump), restart (loop) or hold the last frame (freeze).
 */
export function templateIndexAt(i: number, templateFrames: number, mode: LoopMode): number {
  if (templateFrames <= 0) throw new RangeError('template has no frames');
  if (i < templateFrames || templateFrames === 1) return Math.min(i, templateFrames - 1);
  switch (mode) {
    case 'freeze':
      return templateFrames - 1;
    case 'loop':
      return i % templateFrames;
    case 'pingpong': {
      const period = 2 * templateFrames - 2;
      const phase = i % period;
      return phase < templateFrames ? phase : period - phase;
    }
  }
}

/** A contiguous run of template frames: forward (step 1), backward (step -1) or one frame held (step 0). */
export interface FrameRun {
  /** First template index shown. */
  from: number;
  /** Number of output frames in the run. */
  length: number;
  step: 1 | -1 | 0;
}

/**
 * Groups the output timeline into runs of consecutive template frames, so each run can be read with one decode.
 * Produces O(outputFrames / templateFrames) runs, never one entry per frame.
 */
export function planRuns(outputFrames: number, templateFrames: number, mode: LoopMode): FrameRun[] {
  const runs: FrameRun[] = [];
  let i = 0;
  while (i < outputFrames) {
    const from = templateIndexAt(i, templateFrames, mode);
    const next = i + 1 < outputFrames ? templateIndexAt(i + 1, templateFrames, mode) : from + 1;
    const step = Math.sign(next - from) as 1 | -1 | 0;
    let length = 1;
    while (i + length < outputFrames && templateIndexAt(i + length, templateFrames, mode) === from + step * length) length++;
    runs.push({ from, length, step });
    i += length;
  }
  return runs;
}
