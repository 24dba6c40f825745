import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveMediaBinaries } from '../../src/pipeline/media/binaries.js';
import { createRgbImage, type RgbImage } from '../../src/pipeline/media/image.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const PORTRAIT = path.join(FIXTURES, 'face-astronaut-320.png');
export const SPEECH = path.join(FIXTURES, 'speech-en.wav');

export function binaries(): { ffmpeg: string; ffprobe: string } {
  return resolveMediaBinaries({
    ffmpegPath: process.env.LIPSYNC_TEST_FFMPEG ?? process.env.FFMPEG_PATH,
    ffprobePath: process.env.LIPSYNC_TEST_FFPROBE ?? process.env.FFPROBE_PATH,
  });
}

/** Runs ffmpeg synchronously for fixture making; throws with its stderr on failure. */
export function ffmpeg(args: string[]): Buffer {
  const res = spawnSync(binaries().ffmpeg, ['-nostdin', '-v', 'error', '-y', ...args], { maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${res.stderr?.toString()}`);
  return res.stdout;
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  duration?: string;
  sample_rate?: string;
}

export function ffprobe(file: string): { streams: ProbedStream[]; format: { duration?: string; format_name?: string } } {
  const res = spawnSync(binaries().ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-count_frames', '-of', 'json', file]);
  if (res.status !== 0) throw new Error(`ffprobe ${file} failed: ${res.stderr?.toString()}`);
  return JSON.parse(res.stdout.toString()) as ReturnType<typeof ffprobe>;
}

export function tempDir(prefix = 'lipsync-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A template clip made from the portrait with gentle motion (slow zoom and drift), like a person filmed on a phone.
 * `extraOutputArgs` go before the output name (codecs, metadata).
 */
export function makeMovingTemplate(out: string, opts: { seconds: number; fps?: number; size?: number; extraOutputArgs?: string[]; vf?: string } = { seconds: 3 }): string {
  const fps = opts.fps ?? 25;
  const size = opts.size ?? 320;
  const frames = Math.round(opts.seconds * fps);
  const motion = `zoompan=z='1+0.0004*on':x='iw/2-(iw/zoom/2)+4*sin(on/9)':y='ih/2-(ih/zoom/2)':d=1:s=${size}x${size}:fps=${fps}`;
  ffmpeg([
    '-loop', '1', '-i', PORTRAIT,
    '-vf', opts.vf ? `${motion},${opts.vf}` : motion,
    '-frames:v', String(frames),
    ...(opts.extraOutputArgs ?? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']),
    out,
  ]);
  return out;
}

/** Decodes every frame of a short video to rgb24 (tests only: small clips). */
export function readAllFrames(file: string): RgbImage[] {
  const info = ffprobe(file).streams.find((s) => s.codec_type === 'video');
  if (!info?.width || !info.height) throw new Error(`${file} has no video`);
  const raw = ffmpeg(['-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const frameBytes = info.width * info.height * 3;
  const frames: RgbImage[] = [];
  for (let off = 0; off + frameBytes <= raw.length; off += frameBytes) {
    frames.push(createRgbImage(info.width, info.height, new Uint8Array(raw.subarray(off, off + frameBytes))));
  }
  return frames;
}

/** Mean luma (0–255) of a rectangle. */
export function meanLuma(img: RgbImage, x1: number, y1: number, x2: number, y2: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, y1); y < Math.min(img.height, y2); y++) {
    for (let x = Math.max(0, x1); x < Math.min(img.width, x2); x++) {
      const p = (y * img.width + x) * 3;
      sum += 0.299 * img.data[p]! + 0.587 * img.data[p + 1]! + 0.114 * img.data[p + 2]!;
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

/** Mean absolute difference per channel value over a rectangle of two same-sized images. */
export function meanAbsDiff(a: RgbImage, b: RgbImage, x1: number, y1: number, x2: number, y2: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const p = (y * a.width + x) * 3;
      for (let c = 0; c < 3; c++) sum += Math.abs(a.data[p + c]! - b.data[p + c]!);
      n += 3;
    }
  }
  return n === 0 ? 0 : sum / n;
}

export function pearson(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

/** Correlation of `a[i]` with `b[i + lag]` for each lag in [-maxLag, maxLag]; returns the best lag and all values. */
export function bestLag(a: readonly number[], b: readonly number[], maxLag: number): { lag: number; r: number; byLag: Map<number, number> } {
  const byLag = new Map<number, number>();
  let best = { lag: 0, r: -Infinity };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j >= 0 && j < b.length) {
        xs.push(a[i]!);
        ys.push(b[j]!);
      }
    }
    const r = pearson(xs, ys);
    byLag.set(lag, r);
    if (r > best.r) best = { lag, r };
  }
  return { ...best, byLag };
}
