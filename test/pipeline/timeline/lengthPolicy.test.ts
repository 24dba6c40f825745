import { describe, expect, it } from 'vitest';
import { planRuns, templateIndexAt } from '../../../src/pipeline/timeline/lengthPolicy.js';

const indices = (n: number, t: number, mode: 'pingpong' | 'loop' | 'freeze') => Array.from({ length: n }, (_, i) => templateIndexAt(i, t, mode));

describe('templateIndexAt', () => {
  it('cuts long templates: output frame i shows template frame i', () => {
    expect(indices(5, 100, 'pingpong')).toEqual([0, 1, 2, 3, 4]);
  });
  it('ping-pongs without repeating the turning frames', () => {
    expect(indices(12, 4, 'pingpong')).toEqual([0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1]);
  });
  it('loops and freezes', () => {
    expect(indices(9, 4, 'loop')).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
    expect(indices(7, 4, 'freeze')).toEqual([0, 1, 2, 3, 3, 3, 3]);
  });
  it('holds a one-frame template in every mode', () => {
    for (const mode of ['pingpong', 'loop', 'freeze'] as const) expect(indices(3, 1, mode)).toEqual([0, 0, 0]);
  });
});

describe('planRuns', () => {
  it('groups the timeline into forward, backward and held runs that replay it exactly', () => {
    for (const mode of ['pingpong', 'loop', 'freeze'] as const) {
      for (const [n, t] of [[50, 7], [7, 50], [20, 2], [5, 1], [100, 33]] as const) {
        const replay: number[] = [];
        for (const run of planRuns(n, t, mode)) for (let k = 0; k < run.length; k++) replay.push(run.from + run.step * k);
        expect(replay).toEqual(indices(n, t, mode));
      }
    }
  });
  it('needs O(output / template) runs, not one per frame', () => {
    expect(planRuns(1000, 100, 'pingpong').length).toBeLessThanOrEqual(12);
  });
});
