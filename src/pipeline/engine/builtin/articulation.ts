/**
 * Audio → mouth articulation for the built-in engine.
 *
 * The mel window of a frame (80 bands × 16 columns, Wav2Lip normalisation, −4 = silence) starts at the frame's own time.
 * Only its first few columns (the frame's own ~50 ms) drive the mouth; the rest lies in the future, and using it would
 * open the mouth visibly before the sound.
 */

import { visemePose, visemeWeights } from './viseme.js';

const N_BANDS = 80;
const N_COLS = 16;
const MEL_MIN_HZ = 55;
const MEL_MAX_HZ = 7600;

/** What one frame's audio says about the mouth. */
export interface MelFeatures {
  /** Mean power over the voice bands (≤ 4 kHz), in the mel's dB scale (−100 = digital silence). */
  loudnessDb: number;
  /** Share of the power above 4 kHz, 0..1: high for fricatives (s, f, sh), which are spoken with the teeth nearly closed. */
  hiss: number;
  /** Power-weighted mean frequency over 200–1100 Hz: where the first formant sits (≈ 350 Hz for i/u, ≈ 750 Hz for a). */
  f1Hz: number;
  /** Power-weighted mean frequency over 900–3000 Hz: where the second formant sits (≈ 1.3 kHz back, ≈ 2.3 kHz front). */
  f2Hz: number;
  /** Power in 500–4000 Hz over power below 500 Hz, dB: low for the murmur of a closed mouth (m, b), high for open vowels. */
  murmurDb: number;
}

/** The mouth pose the renderer draws. Both are 0 when the mouth is at rest (the template). */
export interface Articulation {
  /** Jaw opening, 0 (closed = template) .. 1 (wide). */
  open: number;
  /** Lip shape, −1 rounded .. +1 spread. */
  width: number;
}

/** Power-weighted mean frequency of a band range. */
interface Centroid {
  weighted: number;
  power: number;
}

// Slaney mel scale (librosa's default, as used by the Wav2Lip mel): linear below 1 kHz, logarithmic above.
const hzToMel = (hz: number): number => (hz < 1000 ? (hz * 3) / 200 : 15 + (27 * Math.log(hz / 1000)) / Math.log(6.4));
const melToHz = (mel: number): number => (mel < 15 ? (mel * 200) / 3 : 1000 * Math.exp(((mel - 15) * Math.log(6.4)) / 27));

/** Centre frequency of each mel band. */
const BAND_HZ = Float64Array.from({ length: N_BANDS }, (_, b) => {
  const lo = hzToMel(MEL_MIN_HZ);
  const hi = hzToMel(MEL_MAX_HZ);
  return melToHz(lo + ((hi - lo) * (b + 1)) / (N_BANDS + 1));
});

/** Normalised mel value → linear power (dB = 12.5·(v + 4) − 100, see the pipeline's mel normalisation). */
function melPower(value: number): number {
  return Math.pow(10, 1.25 * (value + 4) - 10);
}

/** Reads the frame's own columns of a mel window. `fps` decides how many columns belong to the frame. */
export function melFeatures(mel: Float32Array, fps: number): MelFeatures {
  const cols = Math.min(N_COLS, Math.max(2, Math.ceil(80 / fps) + 1));
  let voice = 0;
  let voiceBands = 0;
  let high = 0;
  let low = 0;
  let mid = 0;
  const f1: Centroid = { weighted: 0, power: 0 };
  const f2: Centroid = { weighted: 0, power: 0 };
  for (let b = 0; b < N_BANDS; b++) {
    const hz = BAND_HZ[b]!;
    let p = 0;
    for (let c = 0; c < cols; c++) p += melPower(mel[b * N_COLS + c] ?? -4);
    p /= cols;
    if (hz <= 4000) {
      voice += p;
      voiceBands++;
    } else {
      high += p;
    }
    if (hz < 500) low += p;
    else if (hz <= 4000) mid += p;
    if (hz >= 200 && hz <= 1100) addTo(f1, hz, p);
    if (hz >= 900 && hz <= 3000) addTo(f2, hz, p);
  }
  const loudnessDb = 10 * Math.log10(voice / voiceBands + 1e-12);
  const hiss = high / (high + voice + 1e-12);
  const murmurDb = 10 * Math.log10((mid + 1e-12) / (low + 1e-12));
  return { loudnessDb, hiss, f1Hz: meanHz(f1, 500), f2Hz: meanHz(f2, 1500), murmurDb };
}

function addTo(c: Centroid, hz: number, p: number): void {
  c.weighted += hz * p;
  c.power += p;
}

/** The centroid, or a neutral frequency for a silent range. */
function meanHz(c: Centroid, neutral: number): number {
  return c.power > 1e-12 ? c.weighted / c.power : neutral;
}

/** Per-clip envelope state. Plain data so a clip's synthesizer can own it. */
export interface ArticulationState {
  open: number;
  width: number;
  /** Loudest recent voice level (dB), decaying slowly: sets the gain so quiet and loud recordings both articulate. */
  peakDb: number;
  /** Seconds since the audio was last above the speech gate. */
  silentFor: number;
}

export const ARTICULATION = {
  /** Time constants (s): the jaw snaps open with a syllable and settles more slowly. */
  attack: 0.02,
  release: 0.08,
  /** While the speech goes on, the jaw follows the next sound's shape (a → i) this fast. */
  reshape: 0.03,
  widthSmoothing: 0.04,
  /** After this much silence the mouth closes completely (back to the template). */
  closeAfter: 0.3,
  /** During silence the opening also falls linearly at this rate (per second), so it reaches exactly 0 in time. */
  closeRate: 5,
  /** Levels (dB) below peak − range open nothing; peak − range + span opens fully. */
  range: 24,
  span: 20,
  /** The gain never assumes a peak below this, so noise in a silent recording never opens the mouth. */
  peakFloorDb: -62,
  /** Starting peak: a normal speech level, so the first words of a clip are neither tiny nor exaggerated. */
  initialPeakDb: -42,
  peakDecayDbPerSecond: 3,
} as const;

export function createArticulationState(): ArticulationState {
  return { open: 0, width: 0, peakDb: ARTICULATION.initialPeakDb, silentFor: ARTICULATION.closeAfter };
}

/**
 * The pose the sound alone asks for, given the current gain: the loudness sets how far the mouth may open, the speech
 * class (viseme.ts) how much of that the jaw uses and how the lips are shaped.
 */
export function targetPose(features: MelFeatures, peakDb: number): Articulation {
  const gate = peakDb - ARTICULATION.range;
  const level = clamp((features.loudnessDb - gate) / ARTICULATION.span, 0, 1);
  if (level === 0) return { open: 0, width: 0 };
  const shape = visemePose(visemeWeights(features, peakDb));
  return { open: level * shape.jaw, width: shape.width };
}

/**
 * Advances the envelope by `dt` seconds (one frame, or more when frames without a face were skipped) and returns the
 * pose to draw. Mutates `state`.
 */
export function stepArticulation(state: ArticulationState, features: MelFeatures, dt: number): Articulation {
  const A = ARTICULATION;
  state.peakDb = Math.max(features.loudnessDb, state.peakDb - A.peakDecayDbPerSecond * dt, A.peakFloorDb);
  const pose = targetPose(features, state.peakDb);
  const target = pose.open;

  state.silentFor = target > 0 ? 0 : state.silentFor + dt;
  const tau = target > state.open ? A.attack : target > 0 ? A.reshape : A.release;
  state.open += (target - state.open) * (1 - Math.exp(-dt / tau));
  if (state.silentFor > 0) {
    state.open = Math.max(0, state.open - A.closeRate * dt);
  }
  // Below a hundredth of the full opening the motion is sub-pixel even on large faces: snap to the exact template.
  if (state.open < 0.01 || state.silentFor >= A.closeAfter) state.open = 0;

  const widthTarget = target > 0 ? pose.width : 0;
  state.width += (widthTarget - state.width) * (1 - Math.exp(-dt / A.widthSmoothing));
  if (state.open === 0) state.width = 0;
  return { open: state.open, width: state.width };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
