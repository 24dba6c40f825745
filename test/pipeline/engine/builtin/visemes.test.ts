import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { melSpectrogram } from '../../../../src/pipeline/audio/mel.js';
import { melWindow, outputFrameCount } from '../../../../src/pipeline/audio/melWindows.js';
import { createBuiltinEngine } from '../../../../src/pipeline/engine/builtin/index.js';
import type { EngineFrame } from '../../../../src/pipeline/engine/types.js';
import type { FaceKeypoints } from '../../../../src/pipeline/face/types.js';
import { cloneRgbImage, type RgbImage } from '../../../../src/pipeline/media/image.js';
import { decodeImage } from '../../../support/images.js';
import { PORTRAIT, SPEECH } from '../../../support/media.js';
import { mouthBox, openingExtent } from '../../../support/mouthMetrics.js';
import { PORTRAIT_KEYPOINTS, faceAt } from './portrait.js';
import { frameVisemes, TARGET_RATIO, type Viseme } from './speechVisemes.js';

/**
 * Does the preview engine shape the mouth by speech class? The speech fixture's frames are rendered onto a close-up of
 * the portrait (3× the 320 px fixture's face: an eye distance of ~85 px, so an opening is many pixels tall), and the
 * opening's width/height is measured on the pixels (test/support/mouthMetrics.ts). Each frame whose phoneme has a clear
 * lip shape (speechVisemes.ts, from the synthesiser's own timings) is scored against that shape's target ratio.
 *
 * Metric: Spearman rank correlation between the measured width/height per frame (a closed mouth counts as infinitely
 * wide) and the target ratio of the frame's expected shape (closed > wide > teeth > open > round).
 */
const FPS = 25;
const ZOOM = 3;
const CROP = { x: 60, y: 0, size: 160 };

/**
 * The same figures for the engine before it classified speech (jaw opening from loudness, lip width from the second
 * formant alone): src/pipeline/engine/builtin as of commit a97584b, measured with this file and speechVisemes.ts
 * (`git worktree add /tmp/before a97584b`, copy both files and openingExtent into it, `npx vitest run` this file).
 * Every labelled frame then measured a width/height of 1.7–2.4 whatever its shape (medians: wide 1.80, open 1.82,
 * round 1.96). The engine is deterministic and the frames skip the codec, so the figures are exact.
 */
const BEFORE = { spearman: -0.057 };

let template: RgbImage;
let keypoints: FaceKeypoints;
let expected: (Viseme | null)[];
let measured: number[];

beforeAll(async () => {
  template = decodeImage(PORTRAIT, `crop=${CROP.size}:${CROP.size}:${CROP.x}:${CROP.y},scale=${CROP.size * ZOOM}:${CROP.size * ZOOM}:flags=bicubic`);
  const face = faceAt(PORTRAIT_KEYPOINTS, { dx: -CROP.x, dy: -CROP.y });
  const scaled = faceAt(face.keypoints, { scale: ZOOM });
  keypoints = scaled.keypoints;

  const samples = readPcm16(SPEECH);
  const mel = melSpectrogram(samples);
  const count = outputFrameCount(samples.length, 16000, FPS);
  expected = frameVisemes(count, FPS);

  const engine = createBuiltinEngine();
  const clip = engine.startClip({ fps: FPS, width: template.width, height: template.height, facePads: { top: 0, bottom: 10, left: 0, right: 0 } });
  const box = mouthBox(keypoints, template.width, template.height);
  measured = [];
  for (let index = 0; index < count; index++) {
    const frame: EngineFrame = { index, mel: melWindow(mel, index, FPS), image: cloneRgbImage(template), face: scaled };
    await clip.synthesize([frame]);
    const { width, height } = openingExtent(frame.image, template, box);
    measured.push(height < 2 ? Infinity : width / height);
  }
  await engine.dispose();
});

describe('builtin engine mouth shapes on the speech fixture', () => {
  it('labels enough frames of every shape to score', () => {
    for (const v of ['closed', 'wide', 'round', 'teeth', 'open'] as const) expect(expected.filter((e) => e === v).length, v).toBeGreaterThanOrEqual(3);
  });

  it('follows the expected shapes better than the loudness-driven mouth did (Spearman of width/height vs shape)', () => {
    const scored = expected.flatMap((v, i) => (v ? [i] : []));
    const rho = spearman(scored.map((i) => measured[i]!), scored.map((i) => TARGET_RATIO[expected[i]!]));
    console.log(`width/height vs expected shape over ${scored.length} frames: Spearman ${rho.toFixed(3)} (before: ${BEFORE.spearman})`);
    // Measured 0.567 (90 frames). Before, the ratio did not follow the shapes at all.
    expect(rho).toBeGreaterThan(0.45);
    expect(rho).toBeGreaterThan(BEFORE.spearman + 0.4);
  });

  it('draws spread vowels as a wide slit, rounded ones narrower than open ones, and closes for p, b, m', () => {
    const ratios = (v: Viseme): number[] => measured.filter((_, i) => expected[i] === v);
    const wide = median(ratios('wide'));
    const open = median(ratios('open'));
    const round = median(ratios('round'));
    console.log(`median width/height: wide ${wide.toFixed(2)}, open ${open.toFixed(2)}, round ${round.toFixed(2)}`);
    expect(wide).toBeGreaterThan(1.5 * open);
    expect(round).toBeLessThan(open);
    // The lips meet in the stop closures of "clip" and "lip" (the closures of "bot" and "mouth" are voiced into the
    // next vowel within one frame's window and are not asked for).
    const closed = ratios('closed');
    expect(closed.filter((r) => r === Infinity).length).toBeGreaterThanOrEqual(4);
  });
});

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Spearman's rho: Pearson correlation of the ranks, ties sharing their mean rank (Infinity ranks last). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => (p[0] === q[0] ? 0 : p[0] < q[0] ? -1 : 1));
  const out = new Array<number>(xs.length);
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && order[end + 1]![0] === order[k]![0]) end++;
    for (let j = k; j <= end; j++) out[order[j]![1]] = (k + end) / 2;
    k = end + 1;
  }
  return out;
}

/** The fixture is 16 kHz mono PCM16: the samples, as the pipeline's audio decode delivers them. */
function readPcm16(file: string): Float32Array {
  const wav = readFileSync(file);
  const data = wav.indexOf('data') + 8;
  return Float32Array.from({ length: (wav.length - data) >> 1 }, (_, k) => wav.readInt16LE(data + 2 * k) / 32768);
}
