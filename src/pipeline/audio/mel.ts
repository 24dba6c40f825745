/**
 * Mel spectrogram identical to Wav2Lip's `audio.melspectrogram` (librosa based), so that the
 * lip-sync models see exactly the features they were trained on.
 *
 * Reference pipeline (Wav2Lip `hparams.py` / `audio.py`):
 *   16 kHz mono float → pre-emphasis (k = 0.97) → librosa.stft(n_fft 800, hop 200, win 800,
 *   periodic Hann, center=True, pad_mode='reflect') → |STFT| → 80-band Slaney mel filterbank
 *   (fmin 55, fmax 7600, norm='slaney') → 20·log10(max(1e-5, ·)) − 20 dB
 *   → clip(8·(S + 100)/100 − 4, −4, 4).
 *
 * All maths runs in float64 (the reference mixes float32 and float64; differences are far below
 * the 1e-3 level that matters after normalisation). Only the result is stored as float32.
 */

export const SAMPLE_RATE = 16_000;
export const N_FFT = 800;
export const HOP_LENGTH = 200;
export const WIN_LENGTH = 800;
export const N_MELS = 80;
export const FMIN = 55;
export const FMAX = 7600;
export const PREEMPHASIS = 0.97;
export const REF_LEVEL_DB = 20;
export const MIN_LEVEL_DB = -100;
export const MAX_ABS_VALUE = 4;

/** Number of one-sided FFT bins (n_fft/2 + 1). */
export const N_BINS = N_FFT / 2 + 1;

/** 80 × T mel matrix, mel-band major: `data[band * frames + t]`. */
export interface MelSpectrogram {
  data: Float32Array;
  bands: 80;
  frames: number;
}

/** Number of STFT frames librosa produces with center=True: 1 + ⌊n / hop⌋. */
export function melFrameCount(sampleCount: number): number {
  return 1 + Math.floor(sampleCount / HOP_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// Mel scale and filterbank (librosa.filters.mel with htk=False, norm='slaney')
// ---------------------------------------------------------------------------------------------

const SLANEY_F_SP = 200 / 3; // Hz per mel in the linear region
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP; // 15
const SLANEY_LOGSTEP = Math.log(6.4) / 27;

/** Slaney mel scale (librosa `hz_to_mel`, htk=False): linear below 1 kHz, logarithmic above. */
export function hzToMel(hz: number): number {
  if (hz >= SLANEY_MIN_LOG_HZ) return SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOGSTEP;
  return hz / SLANEY_F_SP;
}

/** Inverse of {@link hzToMel}. */
export function melToHz(mel: number): number {
  if (mel >= SLANEY_MIN_LOG_MEL) return SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOGSTEP * (mel - SLANEY_MIN_LOG_MEL));
  return SLANEY_F_SP * mel;
}

/** One triangular filter, stored sparsely: weights for bins `start .. start + weights.length - 1`. */
interface MelBand {
  start: number;
  weights: Float64Array;
}

/**
 * Builds the filterbank exactly as librosa.filters.mel does: n_mels + 2 edge frequencies evenly
 * spaced in mel, triangles evaluated at the FFT bin frequencies, each scaled by
 * 2 / (upper edge − lower edge) so every band has the same area (Slaney normalisation).
 */
function buildMelFilterbank(): MelBand[] {
  const melMin = hzToMel(FMIN);
  const melMax = hzToMel(FMAX);
  const edgesHz = new Float64Array(N_MELS + 2);
  for (let i = 0; i < N_MELS + 2; i++) {
    // Same formula as numpy.linspace, so the edge frequencies match to the last bit or so.
    edgesHz[i] = melToHz(melMin + ((melMax - melMin) * i) / (N_MELS + 1));
  }

  const binHz = (k: number): number => (k * (SAMPLE_RATE / 2)) / (N_BINS - 1);
  const bands: MelBand[] = [];
  for (let m = 0; m < N_MELS; m++) {
    const lo = edgesHz[m]!;
    const centre = edgesHz[m + 1]!;
    const hi = edgesHz[m + 2]!;
    const enorm = 2 / (hi - lo);
    const dense: number[] = [];
    let start = -1;
    for (let k = 0; k < N_BINS; k++) {
      const f = binHz(k);
      const w = Math.max(0, Math.min((f - lo) / (centre - lo), (hi - f) / (hi - centre)));
      if (w > 0) {
        if (start < 0) start = k;
        dense.push(w * enorm);
      } else if (start >= 0) {
        break; // triangles are convex: once past the non-zero run, the rest is zero
      }
    }
    bands.push({ start: Math.max(start, 0), weights: Float64Array.from(dense) });
  }
  return bands;
}

// ---------------------------------------------------------------------------------------------
// FFT: real 800-point DFT via a 400-point complex mixed-radix (4·4·5·5) Stockham FFT
// ---------------------------------------------------------------------------------------------

/** One Stockham stage: radix `p`, sub-transform length `n` (before the stage), stride `s`. */
interface FftStage {
  p: number;
  n: number;
  s: number;
  /** Twiddles w_n^(q·k) for q in [0, n/p), k in [1, p): re/im interleaved, index (q·(p−1) + k−1)·2. */
  tw: Float64Array;
}

interface FftPlan {
  size: number;
  stages: FftStage[];
}

/** Plans a complex FFT of `size` = product of 4s, 2s and 5s (radix 4 first because it is cheapest). */
function planComplexFft(size: number): FftPlan {
  const radices: number[] = [];
  let rest = size;
  for (const p of [4, 2, 5]) {
    while (rest % p === 0) {
      radices.push(p);
      rest /= p;
    }
  }
  if (rest !== 1) throw new Error(`FFT size ${size} has factors other than 2 and 5`);

  const stages: FftStage[] = [];
  let n = size;
  let s = 1;
  for (const p of radices) {
    const m = n / p;
    const tw = new Float64Array(m * (p - 1) * 2);
    for (let q = 0; q < m; q++) {
      for (let k = 1; k < p; k++) {
        const angle = (-2 * Math.PI * q * k) / n;
        const idx = (q * (p - 1) + k - 1) * 2;
        tw[idx] = Math.cos(angle);
        tw[idx + 1] = Math.sin(angle);
      }
    }
    stages.push({ p, n, s, tw });
    n = m;
    s *= p;
  }
  return { size, stages };
}

const C5_1 = Math.cos((2 * Math.PI) / 5);
const C5_2 = Math.cos((4 * Math.PI) / 5);
const S5_1 = Math.sin((2 * Math.PI) / 5);
const S5_2 = Math.sin((4 * Math.PI) / 5);

/**
 * Stockham autosort (decimation in frequency) stage: for every q and r, takes the p inputs
 * x[r + s·(q + m·j)], does a size-p DFT, multiplies output k by w_n^(q·k) and stores it at
 * y[r + s·(p·q + k)]. After all stages the result is in natural order, no bit reversal needed.
 */
function fftStage(st: FftStage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { p, n, s, tw } = st;
  const m = n / p;
  const sm = s * m;
  for (let q = 0; q < m; q++) {
    const t = q * (p - 1) * 2;
    const inBase = s * q;
    const outBase = s * p * q;
    if (p === 4) {
      const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!, w3r = tw[t + 4]!, w3i = tw[t + 5]!;
      for (let r = 0; r < s; r++) {
        const i0 = inBase + r, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm;
        const ar = xr[i0]!, ai = xi[i0]!, br = xr[i1]!, bi = xi[i1]!;
        const cr = xr[i2]!, ci = xi[i2]!, dr = xr[i3]!, di = xi[i3]!;
        const apcR = ar + cr, apcI = ai + ci, amcR = ar - cr, amcI = ai - ci;
        const bpdR = br + dr, bpdI = bi + di, bmdR = br - dr, bmdI = bi - di;
        // y_k = Σ x_j (−i)^(jk)
        const y0r = apcR + bpdR, y0i = apcI + bpdI;
        const y1r = amcR + bmdI, y1i = amcI - bmdR;
        const y2r = apcR - bpdR, y2i = apcI - bpdI;
        const y3r = amcR - bmdI, y3i = amcI + bmdR;
        const o = outBase + r;
        yr[o] = y0r;
        yi[o] = y0i;
        yr[o + s] = y1r * w1r - y1i * w1i;
        yi[o + s] = y1r * w1i + y1i * w1r;
        yr[o + 2 * s] = y2r * w2r - y2i * w2i;
        yi[o + 2 * s] = y2r * w2i + y2i * w2r;
        yr[o + 3 * s] = y3r * w3r - y3i * w3i;
        yi[o + 3 * s] = y3r * w3i + y3i * w3r;
      }
    } else if (p === 5) {
      const w1r = tw[t]!, w1i = tw[t + 1]!, w2r = tw[t + 2]!, w2i = tw[t + 3]!;
      const w3r = tw[t + 4]!, w3i = tw[t + 5]!, w4r = tw[t + 6]!, w4i = tw[t + 7]!;
      for (let r = 0; r < s; r++) {
        const i0 = inBase + r, i1 = i0 + sm, i2 = i1 + sm, i3 = i2 + sm, i4 = i3 + sm;
        const ar = xr[i0]!, ai = xi[i0]!;
        // Symmetric pairs (1,4) and (2,3) share cosines; their differences share sines.
        const s14r = xr[i1]! + xr[i4]!, s14i = xi[i1]! + xi[i4]!, d14r = xr[i1]! - xr[i4]!, d14i = xi[i1]! - xi[i4]!;
        const s23r = xr[i2]! + xr[i3]!, s23i = xi[i2]! + xi[i3]!, d23r = xr[i2]! - xr[i3]!, d23i = xi[i2]! - xi[i3]!;
        const c1r = ar + C5_1 * s14r + C5_2 * s23r, c1i = ai + C5_1 * s14i + C5_2 * s23i;
        const c2r = ar + C5_2 * s14r + C5_1 * s23r, c2i = ai + C5_2 * s14i + C5_1 * s23i;
        // Multiplying by −i·sin: (re, im) → (sin·im, −sin·re)
        const e1r = S5_1 * d14i + S5_2 * d23i, e1i = -(S5_1 * d14r + S5_2 * d23r);
        const e2r = S5_2 * d14i - S5_1 * d23i, e2i = -(S5_2 * d14r - S5_1 * d23r);
        const y1r = c1r + e1r, y1i = c1i + e1i, y4r = c1r - e1r, y4i = c1i - e1i;
        const y2r = c2r + e2r, y2i = c2i + e2i, y3r = c2r - e2r, y3i = c2i - e2i;
        const o = outBase + r;
        yr[o] = ar + s14r + s23r;
        yi[o] = ai + s14i + s23i;
        yr[o + s] = y1r * w1r - y1i * w1i;
        yi[o + s] = y1r * w1i + y1i * w1r;
        yr[o + 2 * s] = y2r * w2r - y2i * w2i;
        yi[o + 2 * s] = y2r * w2i + y2i * w2r;
        yr[o + 3 * s] = y3r * w3r - y3i * w3i;
        yi[o + 3 * s] = y3r * w3i + y3i * w3r;
        yr[o + 4 * s] = y4r * w4r - y4i * w4i;
        yi[o + 4 * s] = y4r * w4i + y4i * w4r;
      }
    } else {
      // p === 2
      const w1r = tw[t]!, w1i = tw[t + 1]!;
      for (let r = 0; r < s; r++) {
        const i0 = inBase + r, i1 = i0 + sm;
        const ar = xr[i0]!, ai = xi[i0]!, br = xr[i1]!, bi = xi[i1]!;
        const dr = ar - br, di = ai - bi;
        const o = outBase + r;
        yr[o] = ar + br;
        yi[o] = ai + bi;
        yr[o + s] = dr * w1r - di * w1i;
        yi[o + s] = dr * w1i + di * w1r;
      }
    }
  }
}

/** Reusable scratch for one real FFT (ping-pong buffers for the Stockham stages). */
interface FftScratch {
  ar: Float64Array;
  ai: Float64Array;
  br: Float64Array;
  bi: Float64Array;
}

function makeScratch(size: number): FftScratch {
  return { ar: new Float64Array(size), ai: new Float64Array(size), br: new Float64Array(size), bi: new Float64Array(size) };
}

/**
 * Complex FFT in place on (scratch.ar, scratch.ai); returns the buffers holding the result
 * (the stages alternate between the two buffer pairs).
 */
function complexFft(plan: FftPlan, sc: FftScratch): { re: Float64Array; im: Float64Array } {
  let xr = sc.ar, xi = sc.ai, yr = sc.br, yi = sc.bi;
  for (const st of plan.stages) {
    fftStage(st, xr, xi, yr, yi);
    [xr, yr] = [yr, xr];
    [xi, yi] = [yi, xi];
  }
  return { re: xr, im: xi };
}

const HALF = N_FFT / 2;

/** e^(−2πik/N_FFT) for k in [0, N_FFT/2], used to split the packed half-size transform. */
function buildRealSplitTwiddles(): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(HALF + 1);
  const sin = new Float64Array(HALF + 1);
  for (let k = 0; k <= HALF; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / N_FFT);
    sin[k] = -Math.sin((2 * Math.PI * k) / N_FFT);
  }
  return { cos, sin };
}

/**
 * |DFT| of a real N_FFT-point frame, bins 0..N_FFT/2, written to `mag`.
 *
 * The frame is packed as z[n] = x[2n] + i·x[2n+1] and transformed with an N/2-point complex FFT;
 * then X[k] = E[k] + w^k·O[k] with E[k] = (Z[k] + conj Z[M−k]) / 2 and
 * O[k] = (Z[k] − conj Z[M−k]) / 2i. Half the work of a full complex transform.
 */
function realFftMagnitude(frame: Float64Array, mag: Float64Array, sc: FftScratch): void {
  const { ar, ai } = sc;
  for (let n = 0; n < HALF; n++) {
    ar[n] = frame[2 * n]!;
    ai[n] = frame[2 * n + 1]!;
  }
  const { re, im } = complexFft(tables().plan, sc);
  const { cos, sin } = tables().split;
  for (let k = 0; k <= HALF; k++) {
    const k1 = k === HALF ? 0 : k;
    const k2 = k === 0 ? 0 : HALF - k;
    const zr = re[k1]!, zi = im[k1]!, cr = re[k2]!, ci = -im[k2]!;
    const er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
    // (Z − conj Z') / 2i = (im, −re) / 2 of the difference
    const or = 0.5 * (zi - ci), oi = -0.5 * (zr - cr);
    const wr = cos[k]!, wi = sin[k]!;
    const xr = er + wr * or - wi * oi;
    const xi = ei + wr * oi + wi * or;
    mag[k] = Math.sqrt(xr * xr + xi * xi);
  }
}

// ---------------------------------------------------------------------------------------------
// Precomputed tables (built lazily on first use)
// ---------------------------------------------------------------------------------------------

interface Tables {
  window: Float64Array;
  filterbank: MelBand[];
  plan: FftPlan;
  split: { cos: Float64Array; sin: Float64Array };
}

let cachedTables: Tables | undefined;

function tables(): Tables {
  if (!cachedTables) {
    // scipy.signal.get_window('hann', 800, fftbins=True): the periodic Hann window.
    const window = new Float64Array(WIN_LENGTH);
    for (let i = 0; i < WIN_LENGTH; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / WIN_LENGTH);
    cachedTables = { window, filterbank: buildMelFilterbank(), plan: planComplexFft(HALF), split: buildRealSplitTwiddles() };
  }
  return cachedTables;
}

/** Slaney filterbank as dense rows (80 × 401), for inspection and tests. */
export function melFilterbank(): Float64Array[] {
  return tables().filterbank.map((band) => {
    const row = new Float64Array(N_BINS);
    row.set(band.weights, band.start);
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// Framing: pre-emphasis + numpy-style reflect padding, without materialising the padded signal
// ---------------------------------------------------------------------------------------------

const PAD = N_FFT / 2;

/**
 * numpy.pad(mode='reflect') index mapping for any distance from the signal: the padded signal
 * is the periodic extension (period 2(n−1)) of x[0..n−1] mirrored without repeating the edge
 * sample. numpy does this for pads longer than the signal too; for n = 1 it repeats the sample.
 */
export function reflectIndex(j: number, n: number): number {
  if (n <= 1) return 0;
  const period = 2 * (n - 1);
  const m = ((j % period) + period) % period;
  return m < n ? m : period - m;
}

/** Pre-emphasised sample y[i] = x[i] − 0.97·x[i−1], y[0] = x[0] (scipy lfilter([1, −k], [1], x)). */
function preemphasised(x: Float32Array, i: number): number {
  return i === 0 ? x[0]! : x[i]! - PREEMPHASIS * x[i - 1]!;
}

/**
 * Fills `frame` with window × (pre-emphasised, centred, reflect-padded signal) for STFT frame t.
 * librosa pads the pre-emphasised signal, so reflection applies to y, not to x.
 */
function fillFrame(x: Float32Array, t: number, frame: Float64Array, window: Float64Array): void {
  const n = x.length;
  const start = t * HOP_LENGTH - PAD; // signal index of frame[0]
  if (start >= 1 && start + N_FFT <= n) {
    // Interior frame (the common case): no padding, and x[i−1] always exists.
    for (let k = 0; k < N_FFT; k++) {
      const i = start + k;
      frame[k] = window[k]! * (x[i]! - PREEMPHASIS * x[i - 1]!);
    }
    return;
  }
  for (let k = 0; k < N_FFT; k++) {
    frame[k] = window[k]! * preemphasised(x, reflectIndex(start + k, n));
  }
}

// ---------------------------------------------------------------------------------------------
// Public entry point
// ---------------------------------------------------------------------------------------------

const MIN_AMPLITUDE = 10 ** (MIN_LEVEL_DB / 20); // 1e-5
const NORM_SCALE = (2 * MAX_ABS_VALUE) / -MIN_LEVEL_DB;

/** dB conversion and Wav2Lip's symmetric normalisation to [−4, 4]. */
function normalisedDb(melAmplitude: number): number {
  const db = 20 * Math.log10(Math.max(MIN_AMPLITUDE, melAmplitude)) - REF_LEVEL_DB;
  const v = NORM_SCALE * (db - MIN_LEVEL_DB) - MAX_ABS_VALUE;
  return v < -MAX_ABS_VALUE ? -MAX_ABS_VALUE : v > MAX_ABS_VALUE ? MAX_ABS_VALUE : v;
}

/**
 * Wav2Lip mel spectrogram of 16 kHz mono samples in [−1, 1].
 *
 * Returns 80 bands × (1 + ⌊n/200⌋) frames, band-major, values in [−4, 4].
 *
 * Short inputs: the reflect padding follows numpy for any length (periodic mirror, and a repeated
 * sample for n = 1), so every n ≥ 1 works even though librosa itself would refuse n < 401.
 * An empty input is treated as digital silence: one frame of −4s.
 */
export function melSpectrogram(samples: Float32Array): MelSpectrogram {
  const frames = melFrameCount(samples.length);
  const data = new Float32Array(N_MELS * frames);
  if (samples.length === 0) {
    data.fill(-MAX_ABS_VALUE);
    return { data, bands: N_MELS, frames };
  }

  const { window, filterbank } = tables();
  const frame = new Float64Array(N_FFT);
  const mag = new Float64Array(N_BINS);
  const scratch = makeScratch(HALF);

  for (let t = 0; t < frames; t++) {
    fillFrame(samples, t, frame, window);
    realFftMagnitude(frame, mag, scratch);
    for (let b = 0; b < N_MELS; b++) {
      const { start, weights } = filterbank[b]!;
      let acc = 0;
      for (let j = 0; j < weights.length; j++) acc += weights[j]! * mag[start + j]!;
      data[b * frames + t] = normalisedDb(acc);
    }
  }
  return { data, bands: N_MELS, frames };
}
