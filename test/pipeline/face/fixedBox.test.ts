import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { cropBoxForFace } from '../../../src/pipeline/face/index.js';
import { faceFromFixedBox, fixedBoxInRender, parseFixedBox } from '../../../src/pipeline/face/fixedBox.js';

describe('parseFixedBox (--box Y1,Y2,X1,X2)', () => {
  it("reads Wav2Lip's order: top, bottom, left, right", () => {
    expect(parseFixedBox('40,300, 80,280')).toEqual({ y1: 40, y2: 300, x1: 80, x2: 280 });
  });

  it.each(['1,2,3', '1,2,3,4,5', 'a,2,3,4', '1.5,2,3,4', '-1,2,3,4', ''])('refuses "%s" with the expected syntax', (text) => {
    expect(() => parseFixedBox(text)).toThrow(/four whole pixel numbers Y1,Y2,X1,X2/);
  });

  it('refuses an empty box', () => {
    expect(() => parseFixedBox('50,50,0,10')).toThrow(/empty.*Y1 < Y2/);
    expect(() => parseFixedBox('0,10,30,20')).toThrow(/empty/);
  });
});

describe('fixedBoxInRender', () => {
  const size = { width: 320, height: 240 };

  it('is the box itself at scale 1, clamped to the frame like a numpy slice', () => {
    expect(fixedBoxInRender({ y1: 33, y2: 177, x1: 71, x2: 191 }, size, size, 't.mp4')).toEqual({ x1: 71, y1: 33, x2: 191, y2: 177 });
    expect(fixedBoxInRender({ y1: 200, y2: 900, x1: 300, x2: 900 }, size, size, 't.mp4')).toEqual({ x1: 300, y1: 200, x2: 320, y2: 240 });
  });

  it('scales with the frames when the template is rendered smaller', () => {
    expect(fixedBoxInRender({ y1: 40, y2: 300, x1: 80, x2: 281 }, { width: 1920, height: 1080 }, { width: 960, height: 540 }, 't.mp4')).toEqual({
      x1: 40,
      y1: 20,
      x2: 141,
      y2: 150,
    });
  });

  it('refuses a box outside the frame with an input error that names the template and its size', () => {
    const err = (() => {
      try {
        fixedBoxInRender({ y1: 250, y2: 300, x1: 0, x2: 10 }, size, size, 'clip.mp4');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('box-outside-frame');
    expect((err as Error).message).toMatch(/250,300,0,10.*outside clip\.mp4.*320×240/);
  });
});

describe('faceFromFixedBox', () => {
  it('is its own crop (no pads) with keypoints at S3FD proportions', () => {
    const rect = { x1: 71, y1: 33, x2: 191, y2: 177 };
    const face = faceFromFixedBox(rect);
    expect(cropBoxForFace(face, { top: 5, bottom: 10, left: 3, right: 3 }, 320, 240)).toEqual(rect);
    const k = face.keypoints;
    const rel = (y: number) => (y - rect.y1) / (rect.y2 - rect.y1);
    expect(rel(k.leftEye.y)).toBeCloseTo(0.38, 9);
    expect(rel(k.mouth.y)).toBeCloseTo(0.73, 9);
    expect(k.mouth.x).toBeCloseTo(131, 9);
    expect(k.rightEye.x).toBeLessThan(k.leftEye.x);
    expect(k.rightEar.x).toBeLessThan(k.rightEye.x);
  });
});
