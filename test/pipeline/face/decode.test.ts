import { describe, expect, it } from 'vitest';
import { FULL_RANGE_ANCHORS, SHORT_RANGE_ANCHORS, generateAnchors } from '../../../src/pipeline/face/anchors.js';
import { decodeDetections, sigmoid, weightedNms, type RawDetection } from '../../../src/pipeline/face/decode.js';

describe('SSD anchors', () => {
  it('short range: 16x16x2 at stride 8, then 8x8x6 at stride 16', () => {
    const a = generateAnchors(SHORT_RANGE_ANCHORS);
    expect(a.count).toBe(896);
    // first cell holds two anchors at the same centre
    expect([a.cx[0], a.cy[0], a.cx[1], a.cy[1]]).toEqual([0.5 / 16, 0.5 / 16, 0.5 / 16, 0.5 / 16]);
    expect(a.cx[2]).toBeCloseTo(1.5 / 16);
    expect(a.cy[32]).toBeCloseTo(1.5 / 16);
    // the 8x8 map starts at index 512 with six anchors per cell
    expect(a.cx[512]).toBeCloseTo(0.5 / 8);
    expect(a.cx[517]).toBeCloseTo(0.5 / 8);
    expect(a.cx[518]).toBeCloseTo(1.5 / 8);
    expect(a.cx[895]).toBeCloseTo(7.5 / 8);
    expect(a.cy[895]).toBeCloseTo(7.5 / 8);
    expect(a.w.every((v) => v === 1) && a.h.every((v) => v === 1)).toBe(true);
  });

  it('full range has the same layout at strides 16/32 for a 256 input', () => {
    const s = generateAnchors(SHORT_RANGE_ANCHORS);
    const f = generateAnchors(FULL_RANGE_ANCHORS);
    expect(f.count).toBe(896);
    expect(Array.from(f.cx)).toEqual(Array.from(s.cx));
    expect(Array.from(f.cy)).toEqual(Array.from(s.cy));
  });
});

describe('decoding', () => {
  it('clamps logits before the sigmoid', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1e9)).toBe(sigmoid(100));
    expect(sigmoid(-1e9)).toBe(sigmoid(-100));
    expect(Number.isFinite(sigmoid(-1e9))).toBe(true);
  });

  it('decodes boxes and keypoints relative to the anchor centre, in units of the input size', () => {
    const anchors = generateAnchors(SHORT_RANGE_ANCHORS);
    const scores = new Float32Array(896).fill(-10);
    const boxes = new Float32Array(896 * 16);
    const i = 512 + 6 * (3 * 8 + 4); // 8x8 map, row 3, col 4
    scores[i] = 3;
    boxes.set([12.8, -6.4, 32, 64, 0, 0, 12.8, 0, 0, 12.8, 0, 25.6, 0, 0, 0, 0], i * 16);
    const [d, ...rest] = decodeDetections(scores, boxes, anchors, 128, 0.5);
    expect(rest).toHaveLength(0);
    expect(d!.score).toBeCloseTo(sigmoid(3));
    const ax = 4.5 / 8;
    const ay = 3.5 / 8;
    expect((d!.xMin + d!.xMax) / 2).toBeCloseTo(ax + 0.1);
    expect((d!.yMin + d!.yMax) / 2).toBeCloseTo(ay - 0.05);
    expect(d!.xMax - d!.xMin).toBeCloseTo(0.25);
    expect(d!.yMax - d!.yMin).toBeCloseTo(0.5);
    expect(d!.keypoints[0]).toBeCloseTo(ax);
    expect(d!.keypoints[2]).toBeCloseTo(ax + 0.1);
    expect(d!.keypoints[5]).toBeCloseTo(ay + 0.1);
    expect(d!.keypoints[7]).toBeCloseTo(ay + 0.2);
  });

  it('weighted NMS averages overlapping candidates by score and keeps separate ones', () => {
    const mk = (x: number, score: number): RawDetection => ({
      xMin: x,
      yMin: 0,
      xMax: x + 1,
      yMax: 1,
      score,
      keypoints: new Float32Array(12).fill(x),
    });
    const out = weightedNms([mk(0.1, 0.6), mk(0, 0.9), mk(5, 0.7), mk(0.2, 0.3)], 0.3);
    expect(out).toHaveLength(2);
    expect(out[0]!.score).toBe(0.9);
    const expected = (0 * 0.9 + 0.1 * 0.6 + 0.2 * 0.3) / (0.9 + 0.6 + 0.3);
    expect(out[0]!.xMin).toBeCloseTo(expected);
    expect(out[0]!.keypoints[3]).toBeCloseTo(expected);
    expect(out[1]!.xMin).toBe(5);
    expect(out[1]!.score).toBe(0.7);
    expect(weightedNms([])).toEqual([]);
  });
});
