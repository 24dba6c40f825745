import { formatBytes, formatEta, formatSeconds, shortLabel } from './format.js';

/**
 * Every sentence the bots say, in one place. Adapters never word anything themselves; they only render
 * this text (and the progress text) the way their platform shows messages.
 */

export interface HelpOptions {
  maxClips: number;
  maxAudioSeconds: number;
  /** "/" commands on Telegram, "/lipsync …" sub-commands on Discord: how the platform spells a command. */
  command: (name: string) => string;
}

export const words = {
  help(o: HelpOptions): string {
    return [
      `1) Send an audio (voice, music file, or a video with ${o.command('audio')} as caption to use its sound), up to ${formatSeconds(o.maxAudioSeconds)}.`,
      `2) Send up to ${o.maxClips} face videos or photos, then press Render. ${o.command('status')}, ${o.command('cancel')} and ${o.command('history')} help along the way.`,
    ].join('\n');
  },

  greetingPrefix(userName: string, isGroup: boolean): string {
    return isGroup ? `${userName}: ` : '';
  },

  audioSet(seconds: number, templates: number): string {
    const next = templates === 0 ? 'Now send one or more face videos or photos.' : `${templates} template${templates === 1 ? '' : 's'} ready: press Render.`;
    return `Audio set: ${formatSeconds(seconds)}. ${next}`;
  },

  audioReplaced(seconds: number): string {
    return `Audio replaced: ${formatSeconds(seconds)}.`;
  },

  templatesAdded(added: number, total: number, hasAudio: boolean): string {
    const what = added === 1 ? `Template ${total} added.` : `${added} templates added (${total} in all).`;
    return hasAudio ? `${what} Press Render when you are ready.` : `${what} Now send the audio.`;
  },

  tooManyTemplates(max: number): string {
    return `One batch can have at most ${max} templates. Render these first, or remove some.`;
  },

  someSkipped(skipped: number): string {
    return `${skipped} more ${skipped === 1 ? 'file was' : 'files were'} not added: the batch is full.`;
  },

  templateList(items: readonly { label: string }[]): string {
    if (items.length === 0) return 'No templates yet. Send face videos or photos.';
    return ['Templates (press one to remove it):', ...items.map((t, i) => `${i + 1}. ${shortLabel(t.label)}`)].join('\n');
  },

  templateRemoved(label: string, left: number): string {
    return `Removed ${shortLabel(label)}. ${left} template${left === 1 ? '' : 's'} left.`;
  },

  cleared: 'Cleared: send a new audio and templates.',

  nothingToClear: 'There is nothing to clear.',

  missingForRender(hasAudio: boolean, templates: number): string {
    if (!hasAudio && templates === 0) return 'Nothing to render yet: first send an audio, then one or more face videos or photos.';
    if (!hasAudio) return `You have ${templates} template${templates === 1 ? '' : 's'} but no audio yet: send a voice message or an audio file first.`;
    return 'The audio is set, but there is no template yet: send one or more face videos or photos.';
  },

  alreadyRendering: 'Your batch is being submitted, one moment…',

  submitFailed: 'The render queue is unavailable right now. Please try again in a minute.',

  unsupportedFile(name: string | undefined, mime: string | undefined): string {
    const what = name ? `"${shortLabel(name)}"` : mime ? `That ${mime} file` : 'That file';
    return `${what} is not something I can use. Send an audio (voice, MP3, WAV, OGG, M4A) or a face video or photo (MP4, MOV, WebM, JPG, PNG).`;
  },

  tooLargeToDownload(bytes: number | null, limitBytes: number, liftable: boolean): string {
    const size = bytes === null ? 'That file is too large' : `That file is ${formatBytes(bytes)}`;
    const why = liftable
      ? `; bots can only download files up to ${formatBytes(limitBytes)} here (a limit of the chat service). Send a shorter or more compressed version, or ask the operator to run a local Bot API server, which lifts the limit.`
      : `; the limit is ${formatBytes(limitBytes)}. Send a shorter or more compressed version.`;
    return size + why;
  },

  audioTooLong(seconds: number, maxSeconds: number): string {
    return `That audio is ${formatSeconds(seconds)} long; the limit is ${formatSeconds(maxSeconds)}. Trim it and send it again.`;
  },

  templateTooLong(seconds: number, maxSeconds: number): string {
    return `That video is ${formatSeconds(seconds)} long; the limit for a template is ${formatSeconds(maxSeconds)}.`;
  },

  downloadFailed: "I couldn't download that file. Please send it again.",

  busyTryLater: 'I am busy right now (too much is being downloaded or stored). Nothing was downloaded; please send your files again in a few minutes.',

  unreadable(message: string): string {
    return message;
  },

  notAllowed: 'Sorry, this bot is private.',

  notYourButtons: 'These buttons belong to someone else. Send your own audio to start.',

  expiredButton: 'That button is out of date.',

  queued(clips: number): string {
    return `Submitted ${clips} clip${clips === 1 ? '' : 's'}. I'll keep this message up to date.`;
  },

  cancelRequested: 'Cancelling…',

  nothingToCancel: 'You have no render running here.',

  cancelledCount(n: number): string {
    return n === 0 ? 'Nothing left to cancel: it had already finished.' : `Cancelled ${n} clip${n === 1 ? '' : 's'}.`;
  },

  noStatus: 'No render is running here. Send an audio and templates to start one.',

  statusSession(hasAudio: boolean, audioSeconds: number | null, templates: number): string {
    const a = hasAudio && audioSeconds !== null ? `audio ${formatSeconds(audioSeconds)}` : 'no audio';
    return `Ready to render: ${a}, ${templates} template${templates === 1 ? '' : 's'}.`;
  },

  /** A user sent Render, /lipsync or cancel too often. */
  slowDown(waitSeconds: number): string {
    return `You're going a bit fast. Please try again in ${formatSeconds(Math.max(1, Math.ceil(waitSeconds)))}.`;
  },

  /** After a restart: the inputs collected before it are still there. */
  sessionResumed(audioSeconds: number | null, templates: number): string {
    const parts = [...(audioSeconds !== null ? [`the audio (${formatSeconds(audioSeconds)})`] : []), ...(templates > 0 ? [`${templates} template${templates === 1 ? '' : 's'}`] : [])];
    const next = audioSeconds === null ? 'Send an audio, then press Render.' : templates === 0 ? 'Send face videos or photos, then press Render.' : 'Press Render when you are ready, or send more.';
    return `I was restarted and kept what you sent: ${parts.join(' and ')}. ${next}`;
  },

  historyEmpty: 'No earlier batches here yet.',

  historyHeader: 'Your recent batches:',

  historyLine(when: string, done: number, total: number, status: 'running' | 'finished', link: string | null): string {
    const state = status === 'running' ? 'running' : `${done}/${total} done`;
    return `• ${when}: ${state}${link ? ` — ${link}` : ''}`;
  },

  clipCaption(index: number, total: number, template: string): string {
    return total > 1 ? `${index + 1}/${total}: ${shortLabel(template)}` : shortLabel(template);
  },

  clipLink(index: number, template: string, url: string): string {
    return `${index + 1}. ${shortLabel(template)} is too large to send here: ${url}`;
  },

  clipTooLargeNoLink(index: number, template: string, bytes: number, limitBytes: number): string {
    return `${index + 1}. ${shortLabel(template)} is ${formatBytes(bytes)}, over the ${formatBytes(limitBytes)} upload limit here, and this server has no download links configured. Ask the operator for the file.`;
  },

  clipRefusedTooLarge(index: number, template: string, bytes: number): string {
    return `${index + 1}. ${shortLabel(template)} (${formatBytes(bytes)}) was refused as too large to send here, and this server has no download links configured. Ask the operator for the file.`;
  },

  clipSendFailed(index: number, template: string): string {
    return `${index + 1}. ${shortLabel(template)} is ready but I couldn't send it. Try /history later.`;
  },

  batchLinks(pageUrl: string, zipUrl: string | undefined): string {
    return `All clips of this batch: ${pageUrl}${zipUrl ? `\nEverything as one ZIP: ${zipUrl}` : ''}`;
  },

  noLinksNote: 'Clips are delivered here as attachments only (no download server is configured).',

  // Progress message
  progressHeaderWaiting(position: number | null, etaSeconds: number | null): string {
    const pos = position === null ? 'waiting in line' : position === 1 ? 'next in line' : `position ${position} in line`;
    return `⏳ Queued: ${pos}${etaSeconds !== null ? `, starts in ${formatEta(etaSeconds)}` : ''}.`;
  },
  progressHeaderRendering(current: number, total: number): string {
    return total === 1 ? '🎬 Rendering…' : `🎬 Rendering clip ${current} of ${total}…`;
  },
  progressHeaderFinished(done: number, failed: number, cancelled: number, total: number): string {
    if (cancelled === total) return '⊘ Cancelled.';
    if (done === total) return total === 1 ? '✅ Done.' : `✅ Done: all ${total} clips.`;
    const parts = [`${done} of ${total} done`];
    if (failed > 0) parts.push(`${failed} failed`);
    if (cancelled > 0) parts.push(`${cancelled} cancelled`);
    return `🏁 Finished: ${parts.join(', ')}.`;
  },
  progressCancelling: '⊘ Cancelling…',
  progressAudioLine(audio: string): string {
    return `Audio: ${shortLabel(audio)}`;
  },
  clipQueued(position: number | null): string {
    return position === null ? 'waiting' : `#${position} in line`;
  },
  clipPreparing: 'preparing…',
  clipReadingAudio: 'reading audio…',
  clipFinishing: 'finishing…',
  clipRendering(bar: string, percent: number, fps: number, etaSeconds: number | null): string {
    const speed = fps > 0 ? ` · ${fps >= 10 ? Math.round(fps) : Math.round(fps * 10) / 10} fps` : '';
    const eta = etaSeconds !== null ? ` · ${formatEta(etaSeconds)} left` : '';
    return `${bar} ${percent}%${speed}${eta}`;
  },
  clipDone: '✓ done',
  clipDonePreview: '✓ done (preview engine: no lip-sync model is installed yet)',
  clipFailed(message: string | null): string {
    return `✗ ${message ?? 'failed'}`;
  },
  clipCancelled: '⊘ cancelled',

  buttons: {
    render: '▶ Render',
    clear: '🗑 Clear',
    remove: '✂ Remove…',
    back: '← Back',
    cancel: '✖ Cancel',
    removeItem(i: number, label: string): string {
      return `✕ ${i + 1}. ${shortLabel(label, 24)}`;
    },
  },

  internalError: 'Something went wrong on my side. Please try again.',

  /** Shown in the platform's command menu. */
  commandDescriptions: {
    start: 'How this bot works',
    help: 'How this bot works',
    render: 'Render the audio onto every template',
    clear: 'Forget the audio and templates',
    list: 'List templates (remove some)',
    status: 'What is ready and what is rendering',
    cancel: 'Cancel your running render',
    history: 'Your recent batches',
  },
} as const;
