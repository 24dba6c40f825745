import type { IncomingFile } from './incoming.js';
import type { PlatformLimits } from './platform.js';
import { words, type Words } from './wording.js';

export type Role = 'audio' | 'template';

export type Classified =
  | { ok: true; role: Role; extension: string }
  /** `tooLarge`: over the platform's download limit (the web studio takes such files). */
  | { ok: false; message: string; tooLarge?: true };

export interface ClassifyLimits {
  maxAudioSeconds: number;
  maxTemplateSeconds: number;
}

const audioExt: Record<string, string> = {
  'audio/mpeg': 'mp3', 'audio/mp3': 'mp3', 'audio/ogg': 'ogg', 'audio/opus': 'ogg', 'audio/wav': 'wav', 'audio/x-wav': 'wav',
  'audio/wave': 'wav', 'audio/vnd.wave': 'wav', 'audio/flac': 'flac', 'audio/x-flac': 'flac', 'audio/mp4': 'm4a', 'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a', 'audio/aac': 'aac', 'audio/webm': 'webm',
};
const videoExt: Record<string, string> = {
  'video/mp4': 'mp4', 'video/quicktime': 'mov', 'video/webm': 'webm', 'video/x-matroska': 'mkv', 'video/x-msvideo': 'avi', 'video/mpeg': 'mpg',
};
const imageExt: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const byName: Record<string, { role: Role | 'video'; ext: string }> = {
  mp3: { role: 'audio', ext: 'mp3' }, wav: { role: 'audio', ext: 'wav' }, ogg: { role: 'audio', ext: 'ogg' }, oga: { role: 'audio', ext: 'ogg' },
  opus: { role: 'audio', ext: 'ogg' }, flac: { role: 'audio', ext: 'flac' }, m4a: { role: 'audio', ext: 'm4a' }, aac: { role: 'audio', ext: 'aac' },
  mp4: { role: 'video', ext: 'mp4' }, mov: { role: 'video', ext: 'mov' }, webm: { role: 'video', ext: 'webm' }, mkv: { role: 'video', ext: 'mkv' },
  avi: { role: 'video', ext: 'avi' }, jpg: { role: 'template', ext: 'jpg' }, jpeg: { role: 'template', ext: 'jpg' }, png: { role: 'template', ext: 'png' },
  webp: { role: 'template', ext: 'webp' },
};

/** What a document is, from its MIME type or else its name's extension. The name never reaches a path. */
function documentKind(file: IncomingFile): { role: Role | 'video'; ext: string } | null {
  const mime = (file.mimeType ?? '').toLowerCase().split(';')[0]?.trim() ?? '';
  if (audioExt[mime]) return { role: 'audio', ext: audioExt[mime] };
  if (videoExt[mime]) return { role: 'video', ext: videoExt[mime] };
  if (imageExt[mime]) return { role: 'template', ext: imageExt[mime] };
  if (mime !== '' && mime !== 'application/octet-stream') return null;
  const ext = /\.([a-z0-9]{2,5})$/i.exec(file.fileName ?? '')?.[1]?.toLowerCase();
  return ext ? (byName[ext] ?? null) : null;
}

/**
 * Decides, from what the platform says about a file and before downloading it, whether it is an audio or a
 * template, and refuses what cannot work: other file types, files over the download limit, media too long.
 * `asAudio`: the user asked to use a video's sound as the audio.
 */
export function classifyFile(file: IncomingFile, asAudio: boolean, platform: PlatformLimits, limits: ClassifyLimits, w: Words = words): Classified {
  let kind: { role: Role | 'video'; ext: string } | null;
  switch (file.kind) {
    case 'audio':
      kind = { role: 'audio', ext: audioExt[(file.mimeType ?? '').toLowerCase()] ?? 'mp3' };
      break;
    case 'voice':
      kind = { role: 'audio', ext: 'ogg' };
      break;
    case 'video':
    case 'video_note':
    case 'animation':
      kind = { role: 'video', ext: videoExt[(file.mimeType ?? '').toLowerCase()] ?? 'mp4' };
      break;
    case 'photo':
      kind = { role: 'template', ext: 'jpg' };
      break;
    case 'document':
      kind = documentKind(file);
      break;
  }
  if (!kind) return { ok: false, message: w.unsupportedFile(file.fileName, file.mimeType) };
  const role: Role = kind.role === 'video' ? (asAudio ? 'audio' : 'template') : kind.role;
  if (file.sizeBytes !== undefined && file.sizeBytes > platform.downloadBytes) {
    return { ok: false, message: w.tooLargeToDownload(file.sizeBytes, platform.downloadBytes, platform.downloadLimitLiftable), tooLarge: true };
  }
  const d = file.durationSeconds;
  if (d !== undefined && role === 'audio' && d > limits.maxAudioSeconds) return { ok: false, message: w.audioTooLong(d, limits.maxAudioSeconds) };
  if (d !== undefined && role === 'template' && d > limits.maxTemplateSeconds) {
    return { ok: false, message: w.templateTooLong(d, limits.maxTemplateSeconds) };
  }
  return { ok: true, role, extension: kind.ext };
}
