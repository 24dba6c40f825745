import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export interface BinaryOverrides {
  ffmpegPath?: string;
  ffprobePath?: string;
}

const require = createRequire(import.meta.url);

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function fromNpmPackage(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    const mod = require(pkg) as { path?: unknown };
    return typeof mod.path === 'string' && isExecutable(mod.path) ? mod.path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Order: explicit FFMPEG_PATH / FFPROBE_PATH, then binaries on PATH, then the static builds shipped in npm packages,
 * so a fresh machine works after `npm install` alone.
 */
export function resolveMediaBinaries(overrides: BinaryOverrides = {}): MediaBinaries {
  const ffmpeg =
    overrides.ffmpegPath ?? findOnPath('ffmpeg') ?? fromNpmPackage('@ffmpeg-installer/ffmpeg');
  const ffprobe =
    overrides.ffprobePath ?? findOnPath('ffprobe') ?? fromNpmPackage('@ffprobe-installer/ffprobe');
  if (!ffmpeg || !ffprobe) {
    const missing = [!ffmpeg && 'ffmpeg', !ffprobe && 'ffprobe'].filter(Boolean).join(' and ');
    throw new Error(
      `${missing} not found. Run "npm install" (it ships static builds), install your distribution's ffmpeg package, ` +
        'or set FFMPEG_PATH / FFPROBE_PATH.',
    );
  }
  if (overrides.ffmpegPath && !isExecutable(overrides.ffmpegPath)) {
    throw new Error(`FFMPEG_PATH=${overrides.ffmpegPath} is not an executable file`);
  }
  if (overrides.ffprobePath && !isExecutable(overrides.ffprobePath)) {
    throw new Error(`FFPROBE_PATH=${overrides.ffprobePath} is not an executable file`);
  }
  return { ffmpeg, ffprobe };
}
