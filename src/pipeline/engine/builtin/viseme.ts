import type { MelFeatures } from './articulation.js';

/**
 * Speech class → mouth shape, from the frame's own audio (no weights, no language model).
 *
 * Five shapes matter to a viewer: lips closed (p, b, m), spread (e, i), rounded (o, u, w), lower lip on the upper teeth
 * (f, v; also s, sh: teeth nearly closed) and a wide-open jaw (a). Each is read from a few coarse spectral cues of the
 * mel window (see MelFeatures), as soft memberships so the mouth morphs instead of snapping between classes:
 *  - first formant (f1Hz): the jaw. ≲ 430 Hz for close vowels (i, u), ≳ 710 Hz for open ones (a, ɑ, aʊ);
 *  - balance above/below 500 Hz (murmurDb): rounding damps the upper formants, so an o or ʊ (as open as an a by its
 *    F1) stays ≲ 8 dB where an a reaches 14–20 dB;
 *  - second formant (f2Hz): the tongue and lips. ≳ 2.15 kHz for front spread vowels (i, ɪ, e), below ~1.75 kHz for
 *    back and rounded ones (rounding lowers it further);
 *  - murmur: energy that stays below 500 Hz (murmurDb ≲ −5 dB) while the level is well under the recent peak: the
 *    nasal murmur and voice bar of a closed mouth (m, b; n and ng close the teeth too). Quiet closures and stop gaps
 *    (p) are already closed by the loudness gate;
 *  - hiss (share of power above 4 kHz): fricatives, spoken through nearly closed teeth.
 * Thresholds were set on espeak-ng speech (test/fixtures/speech-en.wav with its phoneme timings) and fit the vowel
 * charts of adult speakers (Peterson & Barney): F1 300–850 Hz, F2 850–2300 Hz. On that fixture the rendered opening's
 * width/height follows the phonemes' shapes with a Spearman correlation of 0.57, against −0.06 when the jaw followed
 * the loudness alone (test/pipeline/engine/builtin/visemes.test.ts).
 * Limits: a b or m released into a vowel within one frame's window (~60 ms) is heard as the vowel, and a diphthong
 * whose start is as open as an a (espeak's "oʊ") reads as open, not round.
 */
export interface VisemeWeights {
  closed: number;
  wide: number;
  round: number;
  teeth: number;
  open: number;
}

export const VISEME_CUES = {
  /** First formant (Hz) of a close vowel (jaw nearly closed) and of an open one. */
  f1Close: 430,
  f1Open: 710,
  /** Second formant (Hz) below which a vowel counts as back/central, above which as front. */
  f2Back: 1750,
  f2Front: 2150,
  /**
   * Rounded back vowels (o, ʊ) open the jaw as far as a does (the same F1), but rounding damps everything above the
   * first formant: their energy above 500 Hz sits within ~8 dB of the energy below it, an open a's 14–20 dB above.
   */
  roundBelowDb: 8,
  openAboveDb: 14,
  /** Murmur: energy above 500 Hz relative to below (dB), from "some" to "all murmur". */
  murmurFrom: -1,
  murmurTo: -5,
  /** A closure is at least this far (dB) below the recent peak; a vowel within it is never taken for one. */
  closureFromDb: 8,
  closureToDb: 14,
  /** Hiss share: from "some" to "clearly a fricative". */
  hissFrom: 0.25,
  hissTo: 0.6,
} as const;

export function visemeWeights(f: MelFeatures, peakDb: number): VisemeWeights {
  const C = VISEME_CUES;
  const openness = ramp(f.f1Hz, C.f1Close, C.f1Open) * ramp(f.murmurDb, C.roundBelowDb, C.openAboveDb);
  const front = ramp(f.f2Hz, C.f2Back, C.f2Front);
  const quiet = ramp(peakDb - f.loudnessDb, C.closureFromDb, C.closureToDb);
  const teeth = ramp(f.hiss, C.hissFrom, C.hissTo);
  const closure = ramp(-f.murmurDb, -C.murmurFrom, -C.murmurTo) * quiet;
  const closed = closure * (1 - teeth);
  const voiced = (1 - closure) * (1 - teeth);
  return {
    closed,
    teeth,
    wide: voiced * front,
    round: voiced * (1 - front) * (1 - openness),
    open: voiced * (1 - front) * openness,
  };
}

/**
 * How far each shape opens the jaw (fraction of what the loudness allows) and how it sets the lips (−1 rounded .. +1
 * spread). A spread mouth is a wide slit; a rounded one a small, narrow opening; the open jaw the tallest.
 */
export const VISEME_POSE: Readonly<Record<keyof VisemeWeights, { jaw: number; width: number }>> = {
  closed: { jaw: 0, width: 0 },
  teeth: { jaw: 0.15, width: 0.5 },
  wide: { jaw: 0.4, width: 1 },
  round: { jaw: 0.85, width: -1 },
  open: { jaw: 1, width: 0 },
};

/** The pose the weights ask for: jaw fraction 0..1 and lip width −1..1 (weighted means). */
export function visemePose(w: VisemeWeights): { jaw: number; width: number } {
  let jaw = 0;
  let width = 0;
  let total = 0;
  for (const key of Object.keys(VISEME_POSE) as (keyof VisemeWeights)[]) {
    jaw += w[key] * VISEME_POSE[key].jaw;
    width += w[key] * VISEME_POSE[key].width;
    total += w[key];
  }
  return total > 0 ? { jaw: jaw / total, width: width / total } : { jaw: 0, width: 0 };
}

/** 0 at or below `from`, 1 at or above `to` (either order), smooth in between. */
function ramp(x: number, from: number, to: number): number {
  const t = Math.min(1, Math.max(0, (x - from) / (to - from)));
  return t * t * (3 - 2 * t);
}
