import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../../../support/media.js';

/**
 * Expected mouth shapes for the speech fixture, from the synthesiser's own phoneme timings
 * (test/fixtures/speech-en.phonemes.tsv; how they were made: scripts/fixtures/espeak_phoneme_times.c).
 * The text is "Hello there. This clip was rendered by a lip sync bot. Every word you hear, the mouth should follow."
 */

/** The five shapes the preview engine tells apart. */
export type Viseme = 'closed' | 'wide' | 'round' | 'teeth' | 'open';

/**
 * espeak-ng's en-us phoneme names → shape. Only phonemes with a clear lip shape are labelled: the lips close for p/b/m;
 * spread for the front vowels (i, I, E, e@ "air", eI, i@3 "ear"); round for the back rounded vowels and w (u:, U, oU,
 * O:, OI, w); the lower lip meets the upper teeth for f/v; the jaw opens wide for the open vowels (a, aI, aU, V "strut",
 * 0 and A: — en-us "lot" is an unrounded [ɑ]). Schwas, r-coloured and central vowels, tongue consonants and pauses get
 * no label and are not scored.
 */
export const PHONEME_VISEME: Readonly<Record<string, Viseme>> = {
  p: 'closed', b: 'closed', m: 'closed',
  i: 'wide', 'i:': 'wide', I: 'wide', E: 'wide', 'e@': 'wide', eI: 'wide', 'i@3': 'wide', 'i@': 'wide',
  'u:': 'round', U: 'round', oU: 'round', 'O:': 'round', OI: 'round', w: 'round',
  f: 'teeth', v: 'teeth',
  a: 'open', aI: 'open', aU: 'open', V: 'open', '0': 'open', 'A:': 'open', 'a#': 'open',
};

/**
 * Width/height of the mouth opening that each shape aims at (mouth charts of animation: a line when closed; spread
 * with a slit for E/I; the lower lip tucked under the upper teeth, a narrow gap for F/V; tall for A; small and round
 * for O/U). Only their order matters to a rank correlation: closed > wide > teeth > open > round.
 */
export const TARGET_RATIO: Readonly<Record<Viseme, number>> = { closed: Infinity, wide: 5, teeth: 4, open: 1.8, round: 1 };

export interface Phoneme {
  /** Start, seconds. */
  start: number;
  name: string;
}

export function speechPhonemes(): Phoneme[] {
  const text = readFileSync(path.join(FIXTURES, 'speech-en.phonemes.tsv'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([, name]) => !name!.startsWith('#'))
    .map(([ms, name]) => ({ start: Number(ms) / 1000, name: name! }));
}

/** The expected shape of each video frame at `fps` (the phoneme sounding at the frame's middle), or null. */
export function frameVisemes(frames: number, fps: number): (Viseme | null)[] {
  const phonemes = speechPhonemes();
  return Array.from({ length: frames }, (_, i) => {
    const t = (i + 0.5) / fps;
    let current: Phoneme | undefined;
    for (const p of phonemes) if (p.start <= t) current = p;
    return (current && PHONEME_VISEME[current.name]) ?? null;
  });
}
