import type { MediaInfo } from './probe.js';

/** Size and rate at which a template is rendered, after rotation, the resolution cap and even-size rounding. */
export interface RenderGeometry {
  width: number;
  height: number;
  fps: number;
  /** The same rate as an ffmpeg rational ("30000/1001", "25"). */
  fpsRational: string;
}

export const DEFAULT_STILL_FPS = 25;
const MIN_FPS = 1;
const MAX_FPS = 60;

function even(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

/** The template's upright size: what a viewer (and a crop box given in its pixels) sees, before any scaling. */
export function displayedSize(video: NonNullable<MediaInfo['video']>): { width: number; height: number } {
  const rotated = video.rotation === 90 || video.rotation === 270;
  return rotated ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
}

/**
 * Portrait phone videos store landscape frames plus a rotation; ffmpeg rotates them upright while decoding,
 * so the rendered size is the displayed size. Templates above the cap (default 1080p, measured on the short side,
 * so 1080×1920 portrait counts as 1080p) are scaled down; H.264 4:2:0 needs even sizes.
 */
export function renderGeometry(info: MediaInfo & { video: NonNullable<MediaInfo['video']> }, maxRenderHeight: number): RenderGeometry {
  const { video } = info;
  let { width, height } = displayedSize(video);
  const shortSide = Math.min(width, height);
  if (shortSide > maxRenderHeight) {
    const scale = maxRenderHeight / shortSide;
    width *= scale;
    height *= scale;
  }
  let fps = info.isStillImage || video.fps === null ? DEFAULT_STILL_FPS : video.fps;
  let fpsRational = info.isStillImage || video.fpsRational === null ? String(DEFAULT_STILL_FPS) : video.fpsRational;
  if (fps < MIN_FPS || fps > MAX_FPS) {
    fps = Math.min(MAX_FPS, Math.max(MIN_FPS, Math.round(fps)));
    fpsRational = String(fps);
  }
  return { width: even(Math.round(width)), height: even(Math.round(height)), fps, fpsRational };
}
