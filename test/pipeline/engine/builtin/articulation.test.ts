import { describe, expect, it } from 'vitest';
import { ARTICULATION, createArticulationState, melFeatures, stepArticulation } from '../../../../src/pipeline/engine/builtin/articulation.js';
import { flatMel, speechMel } from './portrait.js';

const FPS = 25;
const DT = 1 / FPS;

/** A window with energy only in one frequency range (Hz, by band index of an 80-band 55–7600 Hz mel). */
function bandMel(fromBand: number, toBand: number, level: number): Float32Array {
  const mel = flatMel(-4);
  for (let b = fromBand; b < toBand; b++) mel.fill(level, b * 16, b * 16 + 16);
  return mel;
}

function run(windows: Float32Array[]): number[] {
  const state = createArticulationState();
  return windows.map((mel) => stepArticulation(state, melFeatures(mel, FPS), DT).open);
}

describe('builtin articulation', () => {
  it('keeps the mouth closed in silence and opens it for speech', () => {
    expect(run(Array(10).fill(flatMel(-4)))).toEqual(Array(10).fill(0));
    const opens = run(Array(5).fill(speechMel(1)));
    expect(opens[0]).toBeGreaterThan(0.5);
    expect(opens[4]).toBeGreaterThan(0.8);
  });

  it('opens more for loud than for quiet speech', () => {
    const state = createArticulationState();
    for (let i = 0; i < 10; i++) stepArticulation(state, melFeatures(speechMel(1), FPS), DT); // sets the gain
    const loud = stepArticulation(state, melFeatures(speechMel(1), FPS), DT).open;
    for (let i = 0; i < 5; i++) stepArticulation(state, melFeatures(speechMel(-0.3), FPS), DT);
    const quiet = stepArticulation(state, melFeatures(speechMel(-0.3), FPS), DT).open;
    expect(loud).toBeGreaterThan(quiet + 0.2);
    expect(quiet).toBeGreaterThan(0);
  });

  it('attacks faster than it releases, and is fully closed within 300 ms of silence', () => {
    const opens = run([...Array(6).fill(speechMel(1)), ...Array(10).fill(flatMel(-4))]);
    const rise = opens[0]!; // one frame after the onset
    const fall = opens[5]! - opens[6]!; // one frame after the offset
    expect(rise).toBeGreaterThan(fall);
    expect(opens[6]).toBeGreaterThan(0); // closes smoothly, not at once
    const closedBy = 5 + Math.ceil(0.3 * FPS);
    for (let i = closedBy; i < opens.length; i++) expect(opens[i]).toBe(0);
  });

  it('tells spread from rounded vowels by where the second formant sits', () => {
    // Band 32 ≈ 1.25 kHz (a back vowel's F2), band 49 ≈ 2.4 kHz (a front vowel's); both with a strong F1 at 300–450 Hz.
    const widthOf = (f2Band: number): number => {
      const mel = bandMel(8, 12, 1);
      for (let b = f2Band - 2; b < f2Band + 2; b++) mel.fill(0.5, b * 16, b * 16 + 16);
      const state = createArticulationState();
      let width = 0;
      for (let i = 0; i < 8; i++) width = stepArticulation(state, melFeatures(mel, FPS), DT).width;
      return width;
    };
    expect(widthOf(49)).toBeGreaterThan(0.3);
    expect(widthOf(32)).toBeLessThan(-0.3);
  });

  /** A vowel-like window: formants as bands [from, to) at the given levels. */
  const vowelMel = (formants: [number, number, number][]): Float32Array => {
    const mel = flatMel(-4);
    for (const [from, to, level] of formants) for (let b = from; b < to; b++) mel.fill(level, b * 16, b * 16 + 16);
    return mel;
  };
  // Bands 17–21 ≈ 700–850 Hz, 6–10 ≈ 300–420 Hz, 30–34 ≈ 1.2–1.4 kHz, 46–50 ≈ 2.2–2.5 kHz.
  const A = vowelMel([[17, 22, 1], [30, 35, 0.5], [50, 55, 0]]);
  const I = vowelMel([[6, 11, 1], [46, 51, 0.5], [56, 61, 0]]);
  const U = vowelMel([[6, 11, 1], [24, 29, 0.2]]);
  const steady = (mel: Float32Array): { open: number; width: number } => {
    const state = createArticulationState();
    let pose = { open: 0, width: 0 };
    for (let i = 0; i < 8; i++) pose = stepArticulation(state, melFeatures(mel, FPS), DT);
    return pose;
  };

  it('opens the jaw by the first formant: wide for an open vowel (a), a slit for a close front one (i) of the same loudness', () => {
    expect(melFeatures(A, FPS).loudnessDb).toBeCloseTo(melFeatures(I, FPS).loudnessDb, 0);
    const a = steady(A);
    const i = steady(I);
    expect(a.open).toBeGreaterThan(0.8);
    expect(i.open).toBeLessThan(0.5 * a.open);
    expect(i.width).toBeGreaterThan(0.8);
  });

  it('rounds a close back vowel (u) but not an open back vowel (a), though both have a low second formant', () => {
    expect(steady(U).width).toBeLessThan(-0.6);
    expect(Math.abs(steady(A).width)).toBeLessThan(0.2);
  });

  it('closes the lips for a murmur well below the speech level (m, b: energy only under 500 Hz)', () => {
    const murmur = vowelMel([[0, 10, 0]]);
    const state = createArticulationState();
    for (let i = 0; i < 10; i++) stepArticulation(state, melFeatures(speechMel(1), FPS), DT); // sets the gain
    const opens = Array.from({ length: 6 }, () => stepArticulation(state, melFeatures(murmur, FPS), DT).open);
    expect(state.peakDb - melFeatures(murmur, FPS).loudnessDb).toBeLessThan(ARTICULATION.range); // loud enough to open
    expect(opens.at(-1)).toBe(0);
  });

  it('opens less for fricatives than for vowels of the same loudness', () => {
    const vowel = bandMel(10, 40, 0.5);
    const fricative = bandMel(10, 40, 0.5);
    for (let b = 60; b < 80; b++) fricative.fill(2.5, b * 16, b * 16 + 16);
    const last = (mel: Float32Array): number => run(Array(6).fill(mel)).at(-1)!;
    expect(last(fricative)).toBeLessThan(last(vowel) * 0.8);
  });
});
