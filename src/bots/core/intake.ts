import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isInputError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { classifyFile, type ClassifyLimits, type Role } from './classify.js';
import type { IncomingFile, MediaKind } from './incoming.js';
import type { MediaInspector } from './inspect.js';
import { DownloadTooLargeError, type PlatformLimits } from './platform.js';
import type { AudioInput } from './session.js';
import { words } from './wording.js';

export interface Received {
  audio: AudioInput | null;
  templates: { path: string; label: string }[];
  /** One user-facing sentence per refused file. */
  refusals: string[];
}

export interface IntakeDeps {
  platformLimits: PlatformLimits;
  limits: ClassifyLimits;
  inspector: MediaInspector;
  log: Logger;
}

const defaultNames: Record<MediaKind, string> = {
  audio: 'audio',
  voice: 'voice message',
  video: 'video',
  video_note: 'video message',
  animation: 'animation',
  photo: 'photo',
  document: 'file',
};

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Checks, downloads and probes incoming files into `dir` (names are ours, never the user's). Each file is either
 * accepted as an audio or a template, or refused with a sentence saying why; nothing here touches the session.
 */
export async function receiveFiles(deps: IntakeDeps, dir: string, files: readonly IncomingFile[], asAudio: boolean, templateNumberFrom: number): Promise<Received> {
  const out: Received = { audio: null, templates: [], refusals: [] };
  let n = templateNumberFrom;
  for (const file of files) {
    const c = classifyFile(file, asAudio, deps.platformLimits, deps.limits);
    if (!c.ok) {
      out.refusals.push(c.message);
      continue;
    }
    const label = file.fileName?.trim() || (c.role === 'template' ? `${defaultNames[file.kind]} ${n}` : defaultNames[file.kind]);
    const dest = path.join(dir, `${randomUUID()}.${c.extension}`);
    const accepted = await fetchAndCheck(deps, file, dest, label, c.role);
    if (typeof accepted === 'string') {
      out.refusals.push(accepted);
      await rm(dest, { force: true });
      continue;
    }
    if (c.role === 'audio') {
      if (out.audio) await rm(out.audio.path, { force: true });
      out.audio = { path: dest, label, seconds: accepted.seconds ?? 0 };
    } else {
      out.templates.push({ path: dest, label });
      n++;
    }
  }
  return out;
}

/** Downloads and probes one file; a string is the reason it was refused. */
async function fetchAndCheck(deps: IntakeDeps, file: IncomingFile, dest: string, label: string, role: Role): Promise<{ seconds: number | null } | string> {
  const { platformLimits, limits, inspector, log } = deps;
  try {
    await file.download(dest, platformLimits.downloadBytes);
  } catch (err) {
    if (err instanceof DownloadTooLargeError) return words.tooLargeToDownload(err.bytes, platformLimits.downloadBytes, platformLimits.downloadLimitLiftable);
    log.warn({ err, kind: file.kind }, 'download failed');
    return words.downloadFailed;
  }
  try {
    if (role === 'audio') {
      const { seconds } = await inspector.audio(dest, label);
      if (seconds > limits.maxAudioSeconds) return words.audioTooLong(seconds, limits.maxAudioSeconds);
      return { seconds };
    }
    return await inspector.template(dest, label);
  } catch (err) {
    // The pipeline words its errors for chat users; only a leading file name keeps its own case.
    if (isInputError(err)) return err.message.startsWith(label) ? err.message : capitalize(err.message);
    log.error({ err }, 'probing an upload failed');
    return words.internalError;
  }
}
