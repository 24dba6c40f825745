import { stat } from 'node:fs/promises';
import type { MediaLimits } from '../../config/index.js';
import { InputError } from '../../errors.js';
import { formatBytes, formatSeconds } from '../../format.js';
import { SAFE_DEMUXERS } from './process.js';
import { probeMedia, type MediaInfo, type ProbeOptions } from './probe.js';

const ACCEPTED_VIDEO_CODECS = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'png', 'mjpeg', 'webp']);
const ACCEPTED_AUDIO_CODECS = new Set(['aac', 'mp3', 'vorbis', 'opus', 'flac', 'alac']);

/** ffprobe could only open the file with a whitelisted demuxer; this re-checks its answer against the same list. */
function containerAccepted(formatName: string): boolean {
  return formatName.split(',').some((name) => (SAFE_DEMUXERS as readonly string[]).includes(name));
}

async function checkFileSize(file: string, label: string, limits: MediaLimits): Promise<void> {
  const { size } = await stat(file);
  if (size > limits.maxFileBytes) {
    throw new InputError('file-too-large', `${label} is ${formatBytes(size)}; the limit is ${formatBytes(limits.maxFileBytes)}.`, {
      params: { label, bytes: size, maxBytes: limits.maxFileBytes },
    });
  }
}

function checkContainer(info: MediaInfo, label: string): void {
  if (!containerAccepted(info.formatName)) {
    throw new InputError('unsupported-format', `${label} is in a format I don't accept (${info.formatName}). Send MP4, MOV, MKV, WebM or AVI video, a JPG/PNG/WebP picture, or WAV/MP3/M4A/OGG/FLAC audio.`, {
      params: { label, format: info.formatName },
    });
  }
}

/**
 * How far decoding may run past a cap before the input counts as longer than its header said (encoder padding and
 * timestamp rounding make honest files decode a few milliseconds longer than they claim).
 */
export const DECODED_LENGTH_SLACK_SECONDS = 0.5;

/** The audio decoded past the cap although its header claimed less (decoding stopped there). */
export function decodedAudioTooLong(maxSeconds: number): InputError {
  return new InputError('too-long', `the audio is more than ${formatSeconds(maxSeconds)} long (longer than its file says); the limit is ${formatSeconds(maxSeconds)}.`, {
    params: { subject: 'audio', maxSeconds, decodedPast: true },
  });
}

/** The template decoded past the cap although its header claimed less (decoding stopped there). */
export function decodedTemplateTooLong(label: string, maxSeconds: number): InputError {
  return new InputError('too-long', `${label} is more than ${formatSeconds(maxSeconds)} long (longer than its file says); the limit for a template is ${formatSeconds(maxSeconds)}.`, {
    params: { subject: 'template', label, maxSeconds, decodedPast: true },
  });
}

/** Probes an audio input (or a video whose sound is used) and enforces the limits. */
export async function probeAudioInput(file: string, label: string, limits: MediaLimits, options: Omit<ProbeOptions, 'label'>): Promise<MediaInfo & { durationSeconds: number; audio: NonNullable<MediaInfo['audio']> }> {
  await checkFileSize(file, label, limits);
  const info = await probeMedia(file, { ...options, label });
  checkContainer(info, label);
  if (!info.audio) {
    throw new InputError('no-audio-stream', info.video ? `${label} has no sound track to use as the audio.` : `${label} has no audio stream.`, {
      params: { label, hasVideo: info.video !== null && info.video !== undefined },
    });
  }
  if (!ACCEPTED_AUDIO_CODECS.has(info.audio.codec) && !info.audio.codec.startsWith('pcm_')) {
    throw new InputError('unsupported-codec', `${label} uses the ${info.audio.codec} audio codec, which I don't support. Send WAV, MP3, M4A/AAC, OGG/Opus or FLAC.`, {
      params: { label, codec: info.audio.codec, kind: 'audio' },
    });
  }
  const duration = info.durationSeconds;
  if (duration === null || duration <= 0.05) throw new InputError('empty-audio', `${label} contains no audio I can hear (its length is zero).`, { params: { label, zeroLength: true } });
  if (duration > limits.maxAudioSeconds) {
    throw new InputError('too-long', `the audio is ${formatSeconds(duration)} long; the limit is ${formatSeconds(limits.maxAudioSeconds)}.`, {
      params: { subject: 'audio', seconds: duration, maxSeconds: limits.maxAudioSeconds },
    });
  }
  return { ...info, audio: info.audio, durationSeconds: duration };
}

/** Probes a template (video or still picture) and enforces the limits. */
export async function probeTemplateInput(file: string, label: string, limits: MediaLimits, options: Omit<ProbeOptions, 'label'>): Promise<MediaInfo & { video: NonNullable<MediaInfo['video']> }> {
  await checkFileSize(file, label, limits);
  const info = await probeMedia(file, { ...options, label });
  checkContainer(info, label);
  const video = info.video;
  if (!video) throw new InputError('no-video-stream', `${label} has no video stream.`, { params: { label } });
  if (!ACCEPTED_VIDEO_CODECS.has(video.codec)) {
    throw new InputError('unsupported-codec', `${label} uses the ${video.codec} video codec, which I don't support. Send H.264, HEVC, VP8/VP9, AV1 or MPEG-4 video, or a JPG/PNG/WebP picture.`, {
      params: { label, codec: video.codec, kind: 'video' },
    });
  }
  const longSide = Math.max(video.width, video.height);
  if (longSide > limits.maxDimension) {
    throw new InputError('too-large-dimensions', `${label} is ${video.width}×${video.height}; the limit is ${limits.maxDimension} px on the long side.`, {
      params: { label, width: video.width, height: video.height, maxDimension: limits.maxDimension },
    });
  }
  if (!info.isStillImage) {
    const duration = info.durationSeconds;
    if (duration === null || duration <= 0) throw new InputError('empty-video', `${label} contains no video frames.`, { params: { label } });
    if (duration > limits.maxTemplateSeconds) {
      throw new InputError('too-long', `${label} is ${formatSeconds(duration)} long; the limit for a template is ${formatSeconds(limits.maxTemplateSeconds)}.`, {
        params: { subject: 'template', label, seconds: duration, maxSeconds: limits.maxTemplateSeconds },
      });
    }
  }
  return { ...info, video };
}
