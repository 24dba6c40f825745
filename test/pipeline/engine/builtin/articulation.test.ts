import { describe, expect, it } from 'vitest';
import { createArticulationState, melFeatures, stepArticulation } from '../../../../src/pipeline/engine/builtin/articulation.js';
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

  it('opens less for fricatives than for vowels of the same loudness', () => {
    const vowel = bandMel(10, 40, 0.5);
    const fricative = bandMel(10, 40, 0.5);
    for (let b = 60; b < 80; b++) fricative.fill(2.5, b * 16, b * 16 + 16);
    const last = (mel: Float32Array): number => run(Array(6).fill(mel)).at(-1)!;
    expect(last(fricative)).toBeLessThan(last(vowel) * 0.8);
  });
});
