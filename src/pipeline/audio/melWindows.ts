/**
 * Per-video-frame mel windows, as Wav2Lip's inference loop cuts them: the window for frame i is
 * 16 mel columns (0.2 s) starting at column ⌊80·i / fps⌋, clamped to the last 16 columns.
 */
import type { MelSpectrogram } from './mel.js';

/** Mel columns per window (Wav2Lip `mel_step_size`). */
export const MEL_WINDOW = 16;
/** Mel columns per second of audio: 16 000 Hz / hop 200. */
export const MEL_FRAMES_PER_SECOND = 80;

const BANDS = 80;
/** Value of a silent mel cell, used to pad spectrograms shorter than one window. */
const SILENCE = -4;

function assertFps(fps: number): void {
  if (!(Number.isFinite(fps) && fps > 0)) throw new RangeError(`fps must be a positive number, got ${fps}`);
}

function assertFrameIndex(frameIndex: number): void {
  if (!(Number.isInteger(frameIndex) && frameIndex >= 0)) {
    throw new RangeError(`frameIndex must be a non-negative integer, got ${frameIndex}`);
  }
}

/**
 * First mel column of the window for video frame `frameIndex`.
 *
 * Wav2Lip computes int(i · (80 / fps)); we use ⌊80·i / fps⌋ instead, which is exact for integer
 * fps (e.g. frame 5 at 25 fps is column 16 and never 15.999…). Windows running past the end are
 * clamped to the last 16 columns; spectrograms shorter than a window start at 0 (and get padded).
 */
export function melWindowStart(frameIndex: number, fps: number, melFrames: number): number {
  assertFrameIndex(frameIndex);
  assertFps(fps);
  if (melFrames < MEL_WINDOW) return 0;
  const start = Math.floor((MEL_FRAMES_PER_SECOND * frameIndex) / fps);
  return start + MEL_WINDOW > melFrames ? melFrames - MEL_WINDOW : start;
}

/**
 * Copies the 80 × 16 window for video frame `frameIndex` into `out` (band-major:
 * out[band·16 + k]). Columns missing from a spectrogram shorter than 16 frames are −4 (silence).
 */
export function melWindow(mel: MelSpectrogram, frameIndex: number, fps: number, out?: Float32Array): Float32Array {
  const size = BANDS * MEL_WINDOW;
  const dst = out ?? new Float32Array(size);
  if (dst.length !== size) throw new RangeError(`mel window buffer must hold ${size} values, got ${dst.length}`);

  const T = mel.frames;
  const start = melWindowStart(frameIndex, fps, T);
  const available = Math.min(MEL_WINDOW, T - start);
  for (let band = 0; band < BANDS; band++) {
    const src = band * T + start;
    const row = band * MEL_WINDOW;
    dst.set(mel.data.subarray(src, src + available), row);
    if (available < MEL_WINDOW) dst.fill(SILENCE, row + available, row + MEL_WINDOW);
  }
  return dst;
}

/** Number of video frames to render for the audio: round(duration · fps), at least 1. */
export function outputFrameCount(audioSamples: number, sampleRate: number, fps: number): number {
  assertFps(fps);
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new RangeError(`sampleRate must be a positive number, got ${sampleRate}`);
  }
  if (!(Number.isFinite(audioSamples) && audioSamples >= 0)) {
    throw new RangeError(`audioSamples must be a non-negative number, got ${audioSamples}`);
  }
  return Math.max(1, Math.round((audioSamples / sampleRate) * fps));
}
