import { describe, expect, it } from 'vitest';
import type { MelSpectrogram } from '../../../src/pipeline/audio/mel.js';
import {
  MEL_FRAMES_PER_SECOND,
  MEL_WINDOW,
  melWindow,
  melWindowStart,
  outputFrameCount,
} from '../../../src/pipeline/audio/melWindows.js';

/** Synthetic spectrogram whose cell (band, t) holds band·1000 + t, so every copy is traceable. */
function labelledMel(frames: number): MelSpectrogram {
  const data = new Float32Array(80 * frames);
  for (let b = 0; b < 80; b++) for (let t = 0; t < frames; t++) data[b * frames + t] = b * 1000 + t;
  return { data, bands: 80, frames };
}

describe('constants', () => {
  it('match Wav2Lip', () => {
    expect(MEL_WINDOW).toBe(16);
    expect(MEL_FRAMES_PER_SECOND).toBe(80);
  });
});

describe('melWindowStart', () => {
  it('steps 80/fps columns per video frame at 25 fps', () => {
    expect(melWindowStart(0, 25, 1000)).toBe(0);
    expect(melWindowStart(1, 25, 1000)).toBe(3); // floor(3.2)
    expect(melWindowStart(2, 25, 1000)).toBe(6); // floor(6.4)
    expect(melWindowStart(5, 25, 1000)).toBe(16); // exactly 16, no 15.999 rounding down
    expect(melWindowStart(10, 25, 1000)).toBe(32);
  });

  it('handles other frame rates', () => {
    expect(melWindowStart(3, 30, 1000)).toBe(8);
    expect(melWindowStart(100, 29.97, 1000)).toBe(266); // floor(8000 / 29.97) = floor(266.93)
    expect(melWindowStart(7, 60, 1000)).toBe(9); // floor(560 / 60)
  });

  it('clamps windows running past the end to the last 16 columns', () => {
    // 1.25 s of audio: 101 columns. At 25 fps frame 31 would start at 99.
    expect(melWindowStart(26, 25, 101)).toBe(83); // 83 + 16 = 99 <= 101, not clamped
    expect(melWindowStart(27, 25, 101)).toBe(85); // 86 + 16 > 101
    expect(melWindowStart(31, 25, 101)).toBe(85);
    expect(melWindowStart(10_000, 25, 101)).toBe(85);
  });

  it('uses column 0 when the spectrogram is shorter than one window', () => {
    expect(melWindowStart(0, 25, 5)).toBe(0);
    expect(melWindowStart(3, 25, 15)).toBe(0);
    expect(melWindowStart(3, 25, 16)).toBe(0); // exactly one window: the only window
  });

  it('rejects bad arguments', () => {
    expect(() => melWindowStart(-1, 25, 100)).toThrow(RangeError);
    expect(() => melWindowStart(1.5, 25, 100)).toThrow(RangeError);
    expect(() => melWindowStart(0, 0, 100)).toThrow(RangeError);
    expect(() => melWindowStart(0, Number.NaN, 100)).toThrow(RangeError);
  });
});

describe('melWindow', () => {
  it('copies the 80x16 band-major window starting at the frame column', () => {
    const mel = labelledMel(200);
    const w = melWindow(mel, 2, 25); // starts at column 6
    expect(w).toHaveLength(80 * 16);
    for (const band of [0, 1, 40, 79]) {
      for (let k = 0; k < 16; k++) expect(w[band * 16 + k]).toBe(band * 1000 + 6 + k);
    }
  });

  it('uses the last 16 columns for frames past the end', () => {
    const mel = labelledMel(101);
    const w = melWindow(mel, 40, 25);
    expect(w[0]).toBe(85);
    expect(w[15]).toBe(100);
    expect(w[79 * 16 + 15]).toBe(79_000 + 100);
  });

  it('pads spectrograms shorter than one window with -4', () => {
    const mel = labelledMel(10);
    const w = melWindow(mel, 0, 25);
    for (const band of [0, 33, 79]) {
      for (let k = 0; k < 10; k++) expect(w[band * 16 + k]).toBe(band * 1000 + k);
      for (let k = 10; k < 16; k++) expect(w[band * 16 + k]).toBe(-4);
    }
  });

  it('writes into a caller buffer and rejects one of the wrong size', () => {
    const mel = labelledMel(50);
    const buf = new Float32Array(1280).fill(123);
    const w = melWindow(mel, 1, 25, buf);
    expect(w).toBe(buf);
    expect(buf[0]).toBe(3);
    expect(buf[1279]).toBe(79_000 + 3 + 15);
    expect(() => melWindow(mel, 0, 25, new Float32Array(1279))).toThrow(RangeError);
  });
});

describe('outputFrameCount', () => {
  it('rounds the audio duration times fps', () => {
    expect(outputFrameCount(16_000, 16_000, 25)).toBe(25);
    expect(outputFrameCount(33_000, 16_000, 25)).toBe(52); // 51.5625
    expect(outputFrameCount(32_900, 16_000, 25)).toBe(51); // 51.40625
    expect(outputFrameCount(44_100 * 3, 44_100, 29.97)).toBe(90); // 89.91
    expect(outputFrameCount(16_000 * 600, 16_000, 30)).toBe(18_000);
  });

  it('returns at least one frame', () => {
    expect(outputFrameCount(0, 16_000, 25)).toBe(1);
    expect(outputFrameCount(100, 16_000, 25)).toBe(1);
  });

  it('rejects bad arguments', () => {
    expect(() => outputFrameCount(100, 0, 25)).toThrow(RangeError);
    expect(() => outputFrameCount(100, 16_000, -1)).toThrow(RangeError);
    expect(() => outputFrameCount(-1, 16_000, 25)).toThrow(RangeError);
  });
});
