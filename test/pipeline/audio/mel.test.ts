import { describe, expect, it } from 'vitest';
import { melSpectrogram, reflectIndex } from '../../../src/pipeline/audio/mel.js';

// Everything the expectations are derived from is re-stated here from the Wav2Lip / librosa
// definitions, on purpose without reusing the implementation's helpers.
const SR = 16_000;
const N_FFT = 800;
const HOP = 200;
const BANDS = 80;

/** Deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tone(freq: number, amplitude: number, seconds: number): Float32Array {
  const n = Math.round(seconds * SR);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

function at(mel: { data: Float32Array; frames: number }, band: number, t: number): number {
  return mel.data[band * mel.frames + t]!;
}

/** Slaney mel scale written out directly (librosa hz_to_mel / mel_to_hz, htk=False). */
const slaney = {
  toMel: (hz: number): number => (hz < 1000 ? (3 * hz) / 200 : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4)),
  toHz: (mel: number): number => (mel < 15 ? (200 * mel) / 3 : 1000 * Math.pow(6.4, (mel - 15) / 27)),
};

/** The 82 filter edge frequencies: 80 bands between 55 and 7600 Hz, evenly spaced in mel. */
function melEdgesHz(): number[] {
  const lo = slaney.toMel(55);
  const hi = slaney.toMel(7600);
  return Array.from({ length: BANDS + 2 }, (_, i) => slaney.toHz(lo + ((hi - lo) * i) / (BANDS + 1)));
}

function bandNearest(hz: number): number {
  const centres = melEdgesHz().slice(1, BANDS + 1);
  let best = 0;
  for (let b = 1; b < BANDS; b++) if (Math.abs(centres[b]! - hz) < Math.abs(centres[best]! - hz)) best = b;
  return best;
}

/** Band with the largest value in column t. */
function argmaxBand(mel: { data: Float32Array; frames: number }, t: number): number {
  let best = 0;
  for (let b = 1; b < BANDS; b++) if (at(mel, b, t) > at(mel, best, t)) best = b;
  return best;
}

/**
 * numpy.pad(x, p, mode='reflect') done the way numpy does it: mirror (without the edge sample)
 * at most n − 1 samples at a time until the requested width is reached; n = 1 repeats the sample.
 */
function numpyReflectPad(x: number[], p: number): number[] {
  if (x.length === 1) return new Array<number>(x.length + 2 * p).fill(x[0]!);
  let out = x.slice();
  let left = p;
  let right = p;
  while (left > 0 || right > 0) {
    const l = Math.min(left, x.length - 1);
    const r = Math.min(right, x.length - 1);
    const pre = out.slice(1, 1 + l).reverse();
    const post = out.slice(out.length - 1 - r, out.length - 1).reverse();
    out = [...pre, ...out, ...post];
    left -= l;
    right -= r;
  }
  return out;
}

/**
 * Deliberately slow, literal transcription of Wav2Lip's audio.melspectrogram:
 * lfilter pre-emphasis, reflect pad, periodic Hann, direct O(N²) DFT, dense Slaney filterbank.
 */
function referenceMel(x: Float32Array): number[][] {
  const y = Array.from(x, (v, i) => (i === 0 ? v : v - 0.97 * x[i - 1]!));
  const padded = numpyReflectPad(y, N_FFT / 2);
  const frames = 1 + Math.floor((padded.length - N_FFT) / HOP);
  const hann = Array.from({ length: N_FFT }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT));

  const edges = melEdgesHz();
  const bins = N_FFT / 2 + 1;
  const fb = Array.from({ length: BANDS }, (_, m) =>
    Array.from({ length: bins }, (_, k) => {
      const f = (k * SR) / N_FFT;
      const lower = (f - edges[m]!) / (edges[m + 1]! - edges[m]!);
      const upper = (edges[m + 2]! - f) / (edges[m + 2]! - edges[m + 1]!);
      return Math.max(0, Math.min(lower, upper)) * (2 / (edges[m + 2]! - edges[m]!));
    }),
  );

  const result: number[][] = Array.from({ length: BANDS }, () => []);
  for (let t = 0; t < frames; t++) {
    const seg = Array.from({ length: N_FFT }, (_, i) => padded[t * HOP + i]! * hann[i]!);
    const mag: number[] = [];
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < N_FFT; i++) {
        const a = (-2 * Math.PI * ((k * i) % N_FFT)) / N_FFT;
        re += seg[i]! * Math.cos(a);
        im += seg[i]! * Math.sin(a);
      }
      mag.push(Math.hypot(re, im));
    }
    for (let m = 0; m < BANDS; m++) {
      const s = fb[m]!.reduce((acc, w, k) => acc + w * mag[k]!, 0);
      const db = 20 * Math.log10(Math.max(1e-5, s)) - 20;
      result[m]!.push(Math.min(4, Math.max(-4, (8 * (db + 100)) / 100 - 4)));
    }
  }
  return result;
}

function expectMatchesReference(x: Float32Array, frames?: number[]): void {
  const mel = melSpectrogram(x);
  const ref = referenceMel(x);
  expect(mel.frames).toBe(ref[0]!.length);
  const columns = frames ?? Array.from({ length: mel.frames }, (_, t) => t);
  let worst = 0;
  for (const t of columns) {
    for (let b = 0; b < BANDS; b++) worst = Math.max(worst, Math.abs(at(mel, b, t) - ref[b]![t]!));
  }
  expect(worst).toBeLessThan(1e-3);
}

describe('melSpectrogram shape', () => {
  it.each([0, 1, 199, 200, 201, 399, 400, 401, 799, 800, 16_000, 16_037])('n = %i gives 1 + floor(n/200) frames', (n) => {
    const mel = melSpectrogram(new Float32Array(n));
    expect(mel.bands).toBe(80);
    expect(mel.frames).toBe(1 + Math.floor(n / 200));
    expect(mel.data).toHaveLength(80 * mel.frames);
  });
});

describe('melSpectrogram values', () => {
  it('maps digital silence to exactly -4 everywhere', () => {
    const mel = melSpectrogram(new Float32Array(SR));
    expect(mel.data.every((v) => v === -4)).toBe(true);
  });

  it('treats an empty input as one frame of silence', () => {
    const mel = melSpectrogram(new Float32Array(0));
    expect(mel.frames).toBe(1);
    expect(Array.from(mel.data)).toEqual(new Array(80).fill(-4));
  });

  it('puts a 1 kHz tone in the band centred nearest 1 kHz, far bands much lower', () => {
    const mel = melSpectrogram(tone(1000, 0.5, 1));
    const expected = bandNearest(1000);
    const mid = Math.floor(mel.frames / 2);
    for (const t of [mid - 10, mid, mid + 10]) {
      expect(argmaxBand(mel, t)).toBe(expected);
      const peak = at(mel, expected, t);
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThan(4); // amplitude 0.5 does not clip
      for (let b = 0; b < BANDS; b++) {
        // "Far": more than 8 bands away; the Hann side lobes keep those > 40 dB (3.2 units) down.
        if (Math.abs(b - expected) > 8) expect(at(mel, b, t)).toBeLessThan(peak - 3.2);
      }
    }
  });

  it('puts a 4 kHz tone in a higher band, the one centred nearest 4 kHz', () => {
    const low = melSpectrogram(tone(1000, 0.5, 1));
    const high = melSpectrogram(tone(4000, 0.5, 1));
    const t = 40;
    expect(argmaxBand(high, t)).toBe(bandNearest(4000));
    expect(argmaxBand(high, t)).toBeGreaterThan(argmaxBand(low, t));
  });

  it('clips a very loud tone at +4 in its band', () => {
    // A full-scale [-1, 1] tone peaks near +3.1..+3.4; the clip needs ~12 dB more, so this input
    // is deliberately over range just to exercise the normalisation's upper clamp.
    const mel = melSpectrogram(tone(1000, 8, 1));
    const band = bandNearest(1000);
    for (let t = 5; t < mel.frames - 5; t++) expect(at(mel, band, t)).toBe(4);
    expect(Math.max(...mel.data)).toBe(4);
  });

  it('matches a slow direct-DFT reference on random audio (2000 samples), edges included', () => {
    const r = rng(42);
    const x = Float32Array.from({ length: 2000 }, () => (r() * 2 - 1) * 0.6);
    expectMatchesReference(x);
  });

  it.each([1, 2, 3, 150, 399, 401])('handles a %i-sample input like numpy reflect padding would', (n) => {
    const r = rng(n);
    const x = Float32Array.from({ length: n }, () => (r() * 2 - 1) * 0.8);
    expectMatchesReference(x);
  });
});

describe('reflectIndex', () => {
  // Expected index sequences are np.pad(np.arange(n), p, mode='reflect') printed by numpy.
  it.each([
    [1, 3, [0, 0, 0, 0, 0, 0, 0]],
    [2, 5, [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]],
    [3, 8, [0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2]],
    [4, 9, [3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0]],
  ])('n = %i, pad %i matches numpy', (n, pad, expected) => {
    const got = Array.from({ length: n + 2 * pad }, (_, j) => reflectIndex(j - pad, n));
    expect(got).toEqual(expected);
  });
});

describe('melSpectrogram performance sanity', () => {
  it('computes 60 s of audio', () => {
    const r = rng(7);
    const n = 60 * SR;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SR) + 0.05 * (r() - 0.5);
    const started = performance.now();
    const mel = melSpectrogram(x);
    const ms = performance.now() - started;
    console.info(`melSpectrogram: 60 s of audio in ${ms.toFixed(0)} ms`);
    expect(mel.frames).toBe(4801);
    expect(mel.data.every((v) => Number.isFinite(v) && v >= -4 && v <= 4)).toBe(true);
  });
});
