import { rename, rm, writeFile } from 'node:fs/promises';
import type { MediaLimits } from '../../config/index.js';
import { isInputError } from '../../errors.js';
import { runToCompletion, safeInputArgs } from '../../pipeline/media/process.js';
import { probeAudioInput, probeTemplateInput } from '../../pipeline/media/validate.js';
import type { StudioUpload, UploadKind } from './uploadRecords.js';

export interface UploadCheckOptions {
  ffmpeg: string;
  ffprobe: string;
  /** ffprobe's and the thumbnail's time limit. */
  timeoutMs: number;
  limits: MediaLimits;
}

/** What a finished upload's check adds to its record. */
export type CheckResult = Pick<StudioUpload, 'status' | 'seconds' | 'width' | 'height' | 'isImage' | 'refusal' | 'format'>;

/**
 * The chats' own probe and caps (src/pipeline/media/validate.ts), so what the studio accepts is what the worker
 * renders. An InputError becomes a refusal with its code and params (the page words it per language); anything
 * else is our failure and is thrown.
 */
export async function checkUpload(o: UploadCheckOptions, file: string, kind: UploadKind, label: string): Promise<CheckResult> {
  const probe = { ffprobe: o.ffprobe, timeoutMs: o.timeoutMs };
  try {
    if (kind === 'audio') {
      const info = await probeAudioInput(file, label, o.limits, probe);
      return { status: 'ready', seconds: info.durationSeconds, format: info.formatName };
    }
    const info = await probeTemplateInput(file, label, o.limits, probe);
    const upright = info.video.rotation === 90 || info.video.rotation === 270;
    return {
      status: 'ready',
      ...(info.isStillImage || info.durationSeconds === null ? {} : { seconds: info.durationSeconds }),
      width: upright ? info.video.height : info.video.width,
      height: upright ? info.video.width : info.video.height,
      isImage: info.isStillImage,
      format: info.formatName,
    };
  } catch (err) {
    if (!isInputError(err)) throw err;
    return { status: 'refused', refusal: { code: err.code, message: err.message, ...(err.params ? { params: { ...err.params } } : {}) } };
  }
}

/** Longest side of a thumbnail, in pixels. */
export const THUMB_SIZE = 320;
const MAX_THUMB_BYTES = 1 << 20;

/**
 * One small JPEG frame of a checked template (a still picture, or the video's first frame), upright, at most
 * THUMB_SIZE px on its long side. ffmpeg opens only this one local file (safeInputArgs) and is killed past the
 * time limit; the JPEG comes back on stdout (bounded) and is written through a rename.
 */
export async function makeThumbnail(o: UploadCheckOptions, file: string, dest: string): Promise<void> {
  const fit = `scale=w='min(${THUMB_SIZE},iw)':h='min(${THUMB_SIZE},ih)':force_original_aspect_ratio=decrease`;
  const jpeg = await runToCompletion(
    o.ffmpeg,
    ['-nostdin', '-v', 'error', ...safeInputArgs(file), '-map', '0:v:0', '-frames:v', '1', '-vf', fit, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'],
    { purpose: 'studio upload thumbnail', timeoutMs: o.timeoutMs, maxBytes: MAX_THUMB_BYTES },
  );
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('studio upload thumbnail: ffmpeg wrote no JPEG');
  const tmp = `${dest}.tmp`;
  try {
    await writeFile(tmp, jpeg);
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
