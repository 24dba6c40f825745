import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaceDetection, FaceKeypoints, Point } from '../../../../src/pipeline/face/types.js';
import { createRgbImage, type RgbImage } from '../../../../src/pipeline/media/image.js';
import { resolveMediaBinaries } from '../../../../src/pipeline/media/binaries.js';

/** Test helpers for the built-in engine: the real portrait, hand-placed keypoints, synthetic mel windows. */

export const PORTRAIT_PATH = fileURLToPath(new URL('../../../fixtures/face-astronaut-320.png', import.meta.url));

function ffmpegPath(): string {
  return process.env.LIPSYNC_TEST_FFMPEG ?? resolveMediaBinaries().ffmpeg;
}

/** Decodes any image ffmpeg reads into packed rgb24, optionally scaled. */
export function decodeImage(file: string, width = 320, height = 320): RgbImage {
  const data = execFileSync(
    ffmpegPath(),
    ['-v', 'error', '-i', file, '-vf', `scale=${width}:${height}:flags=bicubic`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return createRgbImage(width, height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

/** Writes an image as PNG (for looking at results while tuning). */
export function writePng(image: RgbImage, file: string, scale = 1): void {
  execFileSync(
    ffmpegPath(),
    ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${image.width}x${image.height}`, '-i', '-',
      '-vf', `scale=iw*${scale}:ih*${scale}:flags=neighbor`, file],
    { input: image.data },
  );
}

/** Keypoints of the 320 px portrait, placed by hand (the face spans about x 110–175, y 10–95; the chin is at y ≈ 107). */
export const PORTRAIT_KEYPOINTS: FaceKeypoints = {
  rightEye: { x: 127, y: 62.5 },
  leftEye: { x: 155.5, y: 64.5 },
  nose: { x: 141, y: 79 },
  mouth: { x: 141, y: 92 },
  rightEar: { x: 115, y: 75 },
  leftEar: { x: 172, y: 72 },
};

/** A detection from keypoints, scaled by `scale` and rotated by `angle` (radians) about `pivot`, then shifted. */
export function faceAt(keypoints: FaceKeypoints, options: { scale?: number; angle?: number; dx?: number; dy?: number; pivot?: Point } = {}): FaceDetection {
  const { scale = 1, angle = 0, dx = 0, dy = 0, pivot = { x: 0, y: 0 } } = options;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const map = (p: Point): Point => {
    const x = (p.x - pivot.x) * scale;
    const y = (p.y - pivot.y) * scale;
    return { x: pivot.x + x * c - y * s + dx, y: pivot.y + x * s + y * c + dy };
  };
  const kp: FaceKeypoints = {
    rightEye: map(keypoints.rightEye),
    leftEye: map(keypoints.leftEye),
    nose: map(keypoints.nose),
    mouth: map(keypoints.mouth),
    rightEar: map(keypoints.rightEar),
    leftEar: map(keypoints.leftEar),
  };
  const xs = Object.values(kp).map((p) => p.x);
  const ys = Object.values(kp).map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys) - 20 * scale;
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) + 25 * scale - y, score: 0.99, keypoints: kp };
}

/** An 80×16 mel window with every value set to `level` (−4 = silence, ~0 = loud speech). */
export function flatMel(level: number): Float32Array {
  return new Float32Array(80 * 16).fill(level);
}

/** A voiced-speech-like window: strong low and mid bands, falling off towards the top. */
export function speechMel(level: number): Float32Array {
  const mel = new Float32Array(80 * 16);
  for (let b = 0; b < 80; b++) mel.fill(Math.max(-4, level - (b / 80) * 3), b * 16, b * 16 + 16);
  return mel;
}
