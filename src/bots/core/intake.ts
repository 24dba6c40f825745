import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isInputError } from '../../errors.js';
import { refusalText } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import type { RenderQueue } from '../../queue/index.js';
import type { IntakeReservation, IntakeWant } from '../../queue/intake.js';
import { classifyFile, type ClassifyLimits, type Role } from './classify.js';
import type { IncomingFile, MediaKind } from './incoming.js';
import type { MediaInspector } from './inspect.js';
import { DownloadTooLargeError, type PlatformLimits } from './platform.js';
import type { AudioInput } from './session.js';
import { wordsFor } from './wording.js';

export interface Received {
  audio: AudioInput | null;
  templates: { path: string; label: string }[];
  /** One user-facing sentence per refused file. */
  refusals: string[];
  /** Some file was refused as over the platform's download limit (the web studio takes such files). */
  tooLarge: boolean;
}

/** The queue's admission for one user (RenderQueue.reserveIntake / withIntakeSlot), see admissionFor. */
export interface Admission {
  reserve(want: IntakeWant): Promise<IntakeReservation>;
  slot<T>(fn: () => Promise<T>): Promise<T>;
}

export interface IntakeDeps {
  platformLimits: PlatformLimits;
  limits: ClassifyLimits;
  inspector: MediaInspector;
  log: Logger;
  /** Reserve quota and disk before downloading, and download in the process-wide slots; none: no admission. */
  admission?: Admission | undefined;
  /** The user's language (src/i18n locale) for refusals and default file names. */
  locale?: string | undefined;
}

type AdmissionQueue = Pick<RenderQueue, 'reserveIntake' | 'withIntakeSlot'>;

/** The admission of a queue that has one (the real RenderQueue); undefined for a port without it. */
export function admissionFor(queue: object, owner: { platform: string; userId: string }): Admission | undefined {
  const q = queue as Partial<AdmissionQueue>;
  if (typeof q.reserveIntake !== 'function' || typeof q.withIntakeSlot !== 'function') return undefined;
  const reserveIntake = q.reserveIntake.bind(queue);
  const withSlot = q.withIntakeSlot.bind(queue);
  return { reserve: (want) => reserveIntake(owner, want), slot: (fn) => withSlot(fn) };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Checks, downloads and probes incoming files into `dir` (names are ours, never the user's). Each file is either
 * accepted as an audio or a template, or refused with a sentence saying why; nothing here touches the session.
 */
export async function receiveFiles(deps: IntakeDeps, dir: string, files: readonly IncomingFile[], asAudio: boolean, templateNumberFrom: number): Promise<Received> {
  const out: Received = { audio: null, templates: [], refusals: [], tooLarge: false };
  const checked = files.map((file) => ({ file, c: classifyFile(file, asAudio, deps.platformLimits, deps.limits, wordsFor(deps.locale)) }));
  // Quota and disk are reserved before the first byte is downloaded, and held until these files are checked.
  let reservation: IntakeReservation | null = null;
  const wanted = checked.filter((x) => x.c.ok);
  if (deps.admission && wanted.length > 0) {
    const want: IntakeWant = {
      clips: wanted.filter((x) => x.c.ok && x.c.role === 'template').length,
      // The download, and later its copy in the queue's storage.
      bytes: 2 * wanted.reduce((sum, x) => sum + Math.min(x.file.sizeBytes ?? deps.platformLimits.downloadBytes, deps.platformLimits.downloadBytes), 0),
    };
    try {
      reservation = await deps.admission.reserve(want);
    } catch (err) {
      if (!isInputError(err)) throw err;
      out.refusals.push(err.code === 'busy' ? wordsFor(deps.locale).busyTryLater : refusalText(deps.locale, err));
      return out;
    }
  }
  try {
    await receiveChecked(deps, dir, checked, templateNumberFrom, out);
  } finally {
    await reservation?.release().catch((err: unknown) => deps.log.warn({ err }, 'could not release a download reservation'));
  }
  return out;
}

async function receiveChecked(
  deps: IntakeDeps,
  dir: string,
  checked: readonly { file: IncomingFile; c: ReturnType<typeof classifyFile> }[],
  templateNumberFrom: number,
  out: Received,
): Promise<void> {
  let n = templateNumberFrom;
  const slot = deps.admission ? deps.admission.slot.bind(deps.admission) : <T>(fn: () => Promise<T>) => fn();
  for (const { file, c } of checked) {
    if (!c.ok) {
      out.refusals.push(c.message);
      if (c.tooLarge) out.tooLarge = true;
      continue;
    }
    const defaultName = wordsFor(deps.locale).mediaNames[file.kind as MediaKind];
    const label = file.fileName?.trim() || (c.role === 'template' ? `${defaultName} ${n}` : defaultName);
    const dest = path.join(dir, `${randomUUID()}.${c.extension}`);
    const accepted = await slot(() => fetchAndCheck(deps, file, dest, label, c.role));
    if ('refusal' in accepted) {
      out.refusals.push(accepted.refusal);
      if (accepted.tooLarge) out.tooLarge = true;
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
}

/** Why one file was not accepted; `tooLarge` when it is over the platform's download limit. */
interface Refused {
  refusal: string;
  tooLarge?: true;
}

/** Downloads and probes one file. */
async function fetchAndCheck(deps: IntakeDeps, file: IncomingFile, dest: string, label: string, role: Role): Promise<{ seconds: number | null } | Refused> {
  const { platformLimits, limits, inspector, log } = deps;
  const words = wordsFor(deps.locale);
  try {
    await file.download(dest, platformLimits.downloadBytes);
  } catch (err) {
    if (err instanceof DownloadTooLargeError) return { refusal: words.tooLargeToDownload(err.bytes, platformLimits.downloadBytes, platformLimits.downloadLimitLiftable), tooLarge: true };
    log.warn({ err, kind: file.kind }, 'download failed');
    return { refusal: words.downloadFailed };
  }
  try {
    if (role === 'audio') {
      const { seconds } = await inspector.audio(dest, label);
      if (seconds > limits.maxAudioSeconds) return { refusal: words.audioTooLong(seconds, limits.maxAudioSeconds) };
      return { seconds };
    }
    return await inspector.template(dest, label);
  } catch (err) {
    // The pipeline words its errors for chat users; only a leading file name keeps its own case.
    if (isInputError(err)) {
      const text = refusalText(deps.locale, err);
      return { refusal: text.startsWith(label) ? text : capitalize(text) };
    }
    log.error({ err }, 'probing an upload failed');
    return { refusal: words.internalError };
  }
}
