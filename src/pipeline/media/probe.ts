import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { InputError, InternalError } from '../../errors.js';
import { runToCompletion, safeInputArgs } from './process.js';

const streamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  nb_frames: z.string().optional(),
  duration: z.string().optional(),
  sample_rate: z.string().optional(),
  channels: z.number().optional(),
  disposition: z.record(z.string(), z.number()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.looseObject({ side_data_type: z.string().optional(), rotation: z.number().optional() })).optional(),
});

const probeSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: z.string().optional(),
    })
    .optional(),
});

export interface VideoStreamInfo {
  codec: string;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Clockwise rotation to apply for display: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  /** Average frame rate (frames per second); null when unknown. */
  fps: number | null;
  /** The frame rate as ffmpeg's rational string, e.g. "30000/1001". */
  fpsRational: string | null;
  /** True when the container declares a variable frame rate (r_frame_rate differs from the average). */
  variableFrameRate: boolean;
}

export interface AudioStreamInfo {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaInfo {
  path: string;
  sizeBytes: number;
  formatName: string;
  /** Container duration in seconds; null when unknown (still images). */
  durationSeconds: number | null;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  /** A single picture (png/jpeg/webp) rather than a moving video. */
  isStillImage: boolean;
}

const STILL_IMAGE_FORMATS = new Set(['image2', 'png_pipe', 'jpeg_pipe', 'webp_pipe']);

export function parseRational(value: string | undefined): number | null {
  if (!value) return null;
  const [num, den] = value.split('/').map(Number);
  if (num === undefined || !Number.isFinite(num) || num <= 0) return null;
  const d = den === undefined ? 1 : den;
  if (!Number.isFinite(d) || d <= 0) return null;
  return num / d;
}

function rotationOf(stream: z.infer<typeof streamSchema>): 0 | 90 | 180 | 270 {
  // Newer ffprobe reports a display matrix (counter-clockwise degrees); older containers carry a "rotate" tag (clockwise).
  let degrees = 0;
  const matrix = stream.side_data_list?.find((s) => typeof s.rotation === 'number');
  if (matrix?.rotation !== undefined) degrees = -matrix.rotation;
  else if (stream.tags?.rotate) degrees = Number(stream.tags.rotate);
  const normalised = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return normalised as 0 | 90 | 180 | 270;
}

function toNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}

export interface ProbeOptions {
  ffprobe: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** File name shown to users in errors. */
  label: string;
}

/** Runs ffprobe on one file. Unreadable files become an InputError the user can understand. */
export async function probeMedia(file: string, options: ProbeOptions): Promise<MediaInfo> {
  const info = await stat(file).catch((err: unknown) => {
    throw new InternalError(`cannot read ${file}`, { cause: err });
  });
  if (!info.isFile()) throw new InternalError(`${file} is not a regular file`);
  if (info.size === 0) throw new InputError('empty-file', `${options.label} is empty (0 bytes).`, { params: { label: options.label } });

  let stdout: Buffer;
  try {
    stdout = await runToCompletion(
      options.ffprobe,
      ['-v', 'error', ...safeInputArgs(file), '-show_format', '-show_streams', '-of', 'json'],
      // Real files describe a few streams in a few KB; a file that makes ffprobe write megabytes is refused.
      { purpose: `probe ${options.label}`, timeoutMs: options.timeoutMs, signal: options.signal, maxBytes: 1 << 20 },
    );
  } catch (err) {
    if (err instanceof InternalError) {
      throw new InputError(
        'unreadable',
        `${options.label} isn't a video, picture or audio file I can read (it may be damaged, incomplete or in an unsupported format).`,
        { cause: err, params: { label: options.label } },
      );
    }
    throw err;
  }

  const parsed = probeSchema.safeParse(JSON.parse(stdout.toString('utf8') || '{}'));
  if (!parsed.success) throw new InternalError(`unexpected ffprobe output for ${options.label}: ${parsed.error.message}`);
  const { streams, format } = parsed.data;
  const formatName = format?.format_name ?? 'unknown';

  const videoStream = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audioStream = streams.find((s) => s.codec_type === 'audio');
  const isStillImage = STILL_IMAGE_FORMATS.has(formatName);

  let video: VideoStreamInfo | null = null;
  if (videoStream && videoStream.width && videoStream.height) {
    const avg = parseRational(videoStream.avg_frame_rate);
    const real = parseRational(videoStream.r_frame_rate);
    const fps = avg ?? real;
    video = {
      codec: videoStream.codec_name ?? 'unknown',
      width: videoStream.width,
      height: videoStream.height,
      rotation: rotationOf(videoStream),
      fps,
      fpsRational: avg ? videoStream.avg_frame_rate! : real ? videoStream.r_frame_rate! : null,
      variableFrameRate: avg !== null && real !== null && Math.abs(avg - real) / real > 0.01,
    };
  }
  let audio: AudioStreamInfo | null = null;
  if (audioStream) {
    audio = {
      codec: audioStream.codec_name ?? 'unknown',
      sampleRate: Number(audioStream.sample_rate ?? 0),
      channels: audioStream.channels ?? 0,
    };
  }
  return {
    path: file,
    sizeBytes: info.size,
    formatName,
    durationSeconds: isStillImage ? null : (toNumber(format?.duration) ?? toNumber(videoStream?.duration) ?? toNumber(audioStream?.duration)),
    video,
    audio,
    isStillImage,
  };
}
