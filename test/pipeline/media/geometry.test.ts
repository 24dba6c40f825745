import { describe, expect, it } from 'vitest';
import { renderGeometry } from '../../../src/pipeline/media/geometry.js';
import type { MediaInfo } from '../../../src/pipeline/media/probe.js';
import { parseRational } from '../../../src/pipeline/media/probe.js';

function info(width: number, height: number, extra: Partial<MediaInfo['video'] & object> = {}, still = false) {
  const video = { codec: 'h264', width, height, rotation: 0 as const, fps: 25, fpsRational: '25/1', variableFrameRate: false, ...extra };
  return { path: 'x', sizeBytes: 1, formatName: 'mov', durationSeconds: 1, audio: null, isStillImage: still, video } satisfies MediaInfo;
}

describe('renderGeometry', () => {
  it('keeps small even sizes and the frame rate', () => {
    expect(renderGeometry(info(640, 360), 1080)).toEqual({ width: 640, height: 360, fps: 25, fpsRational: '25/1' });
  });
  it('swaps width and height for 90° and 270° rotations', () => {
    expect(renderGeometry(info(1920, 1080, { rotation: 90 }), 1080)).toMatchObject({ width: 1080, height: 1920 });
    expect(renderGeometry(info(640, 480, { rotation: 270 }), 1080)).toMatchObject({ width: 480, height: 640 });
  });
  it('renders 4K at 1080p, measured on the short side', () => {
    expect(renderGeometry(info(3840, 2160), 1080)).toMatchObject({ width: 1920, height: 1080 });
    expect(renderGeometry(info(2160, 3840), 1080)).toMatchObject({ width: 1080, height: 1920 });
  });
  it('rounds odd sizes to even', () => {
    expect(renderGeometry(info(321, 243), 1080)).toMatchObject({ width: 320, height: 242 });
  });
  it('gives stills 25 fps and clamps absurd rates', () => {
    expect(renderGeometry(info(100, 100, {}, true), 1080).fps).toBe(25);
    expect(renderGeometry(info(100, 100, { fps: 1000, fpsRational: '1000/1' }), 1080)).toMatchObject({ fps: 60, fpsRational: '60' });
  });
  it('parses ffprobe rationals', () => {
    expect(parseRational('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRational('0/0')).toBeNull();
    expect(parseRational(undefined)).toBeNull();
  });
});
