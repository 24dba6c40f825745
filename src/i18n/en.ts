import { formatBytes, formatSeconds, shortLabel } from '../format.js';

/**
 * The English catalog: it defines every key (the Catalog type is its shape) and is what users read when nothing
 * else is chosen. Messages are strings or functions of typed params; zh-CN.ts must match key for key.
 */

/** How a platform spells a command in help text ("/render" on Telegram, "/lipsync render" on Discord). */
export interface HelpOptions {
  maxClips: number;
  maxAudioSeconds: number;
  command: (name: string) => string;
  /** The web studio is available: the help names its command. */
  studio?: boolean;
}

/** Params of a refusal (an InputError's `params`); which ones a code uses is documented next to it. */
export type RefusalParams = Readonly<Record<string, string | number | boolean | undefined>>;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** "a few seconds", "about 40 s", "about 3 min". */
function eta(seconds: number): string {
  if (seconds < 5) return 'a few seconds';
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} s`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return m === 0 ? `about ${h} h` : `about ${h} h ${m} min`;
}


const s = (n: number, one: string, many: string) => (n === 1 ? one : many);

export const en = {
  units: {
    seconds: (seconds: number): string => formatSeconds(seconds),
    eta,
    bytes: (bytes: number): string => formatBytes(bytes),
    /** A moment people read on a page: "Wed, 02 Dec 2026 08:00:00 GMT". */
    dateTime: (ms: number): string => new Date(ms).toUTCString(),
  },

  bot: {
    help(o: HelpOptions): string {
      return [
        `1) Send an audio (voice, music file, or a video with ${o.command('audio')} as caption to use its sound), up to ${formatSeconds(o.maxAudioSeconds)}.`,
        `2) Send up to ${o.maxClips} face videos or photos, then press Render. ${o.command('status')}, ${o.command('cancel')} and ${o.command('history')} help along the way.`,
        ...(o.studio ? [`Big files or many templates? ${o.command('studio')} gives you a personal link to the web studio.`] : []),
      ].join('\n');
    },
    greetingPrefix(userName: string, isGroup: boolean): string {
      return isGroup ? `${userName}: ` : '';
    },
    audioSet(seconds: number, templates: number): string {
      const next = templates === 0 ? 'Now send one or more face videos or photos.' : `${templates} template${s(templates, '', 's')} ready: press Render.`;
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
      return `${skipped} more ${s(skipped, 'file was', 'files were')} not added: the batch is full.`;
    },
    templateList(items: readonly { label: string }[]): string {
      if (items.length === 0) return 'No templates yet. Send face videos or photos.';
      return ['Templates (press one to remove it):', ...items.map((t, i) => `${i + 1}. ${shortLabel(t.label)}`)].join('\n');
    },
    templateRemoved(label: string, left: number): string {
      return `Removed ${shortLabel(label)}. ${left} template${s(left, '', 's')} left.`;
    },
    cleared: 'Cleared: send a new audio and templates.',
    nothingToClear: 'There is nothing to clear.',
    missingForRender(hasAudio: boolean, templates: number): string {
      if (!hasAudio && templates === 0) return 'Nothing to render yet: first send an audio, then one or more face videos or photos.';
      if (!hasAudio) return `You have ${templates} template${s(templates, '', 's')} but no audio yet: send a voice message or an audio file first.`;
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
    notAllowed: 'Sorry, this bot is private.',
    notYourButtons: 'These buttons belong to someone else. Send your own audio to start.',
    expiredButton: 'That button is out of date.',
    queued(clips: number): string {
      return `Submitted ${clips} clip${s(clips, '', 's')}. I'll keep this message up to date.`;
    },
    cancelRequested: 'Cancelling…',
    nothingToCancel: 'You have no render running here.',
    cancelledCount(n: number): string {
      return n === 0 ? 'Nothing left to cancel: it had already finished.' : `Cancelled ${n} clip${s(n, '', 's')}.`;
    },
    noStatus: 'No render is running here. Send an audio and templates to start one.',
    statusSession(hasAudio: boolean, audioSeconds: number | null, templates: number): string {
      const a = hasAudio && audioSeconds !== null ? `audio ${formatSeconds(audioSeconds)}` : 'no audio';
      return `Ready to render: ${a}, ${templates} template${s(templates, '', 's')}.`;
    },
    /** A user sent Render, /lipsync or cancel too often. */
    slowDown(waitSeconds: number): string {
      return `You're going a bit fast. Please try again in ${formatSeconds(Math.max(1, Math.ceil(waitSeconds)))}.`;
    },
    /** After a restart: the inputs collected before it are still there. */
    sessionResumed(audioSeconds: number | null, templates: number): string {
      const parts = [...(audioSeconds !== null ? [`the audio (${formatSeconds(audioSeconds)})`] : []), ...(templates > 0 ? [`${templates} template${s(templates, '', 's')}`] : [])];
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

    // The web studio (sign-in links from /studio)
    /** The personal sign-in link, where only its owner reads it. */
    studioLink(url: string, minutes: number): string {
      return `Your personal sign-in link to the web studio (upload big files and many templates, follow your batches, download them):\n${url}\nIt works once and expires in ${minutes} minute${s(minutes, '', 's')}. Don't share it: it signs in as you.`;
    },
    studioUnavailable: 'The web studio is not available here: this bot has no web server configured.',
    /** /studio in a group: the link went to the user's private chat with the bot. */
    studioSentPrivately: 'I sent you your personal studio link in a private message.',
    /** /studio in a group when the bot cannot message the user privately (they never started a chat with it). */
    studioAskPrivately(command: string): string {
      return `Studio links are personal, so I don't post them here. Open a private chat with me, press Start and send ${command} there.`;
    },
    /** Added to the refusal of a file too large to download, where only the sender reads it. */
    studioOfferLink(url: string, minutes: number): string {
      return `You can upload it in the web studio instead: ${url}\n(Your personal link: it works once and expires in ${minutes} minute${s(minutes, '', 's')}.)`;
    },
    /** Added to the refusal of a file too large to download, where others read along. */
    studioOfferHint(command: string): string {
      return `Larger files can be uploaded in the web studio: ${command} gives you a personal link.`;
    },

    // Progress message
    progressHeaderWaiting(position: number | null, etaSeconds: number | null): string {
      const pos = position === null ? 'waiting in line' : position === 1 ? 'next in line' : `position ${position} in line`;
      return `⏳ Queued: ${pos}${etaSeconds !== null ? `, starts in ${eta(etaSeconds)}` : ''}.`;
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
      const left = etaSeconds !== null ? ` · ${eta(etaSeconds)} left` : '';
      return `${bar} ${percent}%${speed}${left}`;
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
    /** Names given to files sent without one ("video 2"). */
    mediaNames: {
      audio: 'audio',
      voice: 'voice message',
      video: 'video',
      video_note: 'video message',
      animation: 'animation',
      photo: 'photo',
      document: 'file',
    },
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
      studio: 'Your sign-in link to the web studio',
    },
  },

  /** The few sentences only Discord needs (threads, slash-command validation). */
  discord: {
    batchThreadName(userName: string): string {
      return shortLabel(`lipsync · ${userName}`, 90);
    },
    batchStarter(userName: string, clips: number): string {
      return `${userName} started a lipsync batch of ${clips} clip${s(clips, '', 's')}. Progress and clips follow in the thread.`;
    },
    batchStarterNoThread(userName: string, clips: number): string {
      return `${userName} started a lipsync batch of ${clips} clip${s(clips, '', 's')}. Progress and clips follow below.`;
    },
    conversationStarter(userName: string): string {
      return `${userName} opened a lipsync session. Send the audio and the face videos or photos in the thread.`;
    },
    conversationNoThread: 'Send the audio and the face videos or photos as messages here.',
    conversationDisabled:
      'Attach an audio and at least one face video or photo to /lipsync (options audio and video…). Collecting files from messages is turned off on this bot.',
    refused: 'Nothing was queued:',
    notOwnerCancel: 'Only the person who started this batch, or a server moderator, can cancel it.',
    /** Slash-command and option descriptions (Discord shows them in the client's language). */
    commands: {
      lipsync: 'Lip-sync one audio onto face videos or photos (no attachments: collect them in a thread)',
      audioOption: 'The audio (voice, MP3, WAV, OGG, M4A)',
      videoOption(n: number): string {
        return n === 1 ? 'A face video or photo' : `Face video or photo ${n}`;
      },
      loopOption: 'How a template shorter than the audio continues',
      history: 'Your recent lipsync batches (only you see this)',
      status: 'What is ready and what is rendering here',
      cancel: 'Cancel your running lipsync renders here',
      studio: 'Your personal sign-in link to the web studio (only you see this)',
    },
  },

  /**
   * Refusals by InputError code (and clip failure code). The pipeline words the same sentences in English on the
   * error itself; an unknown code shows that message. Params per code are named in each function.
   */
  refusals: {
    'file-too-large': (p: RefusalParams) => `${str(p.label)} is ${formatBytes(num(p.bytes))}; the limit is ${formatBytes(num(p.maxBytes))}.`,
    'unsupported-format': (p: RefusalParams) =>
      `${str(p.label)} is in a format I don't accept (${str(p.format)}). Send MP4, MOV, MKV, WebM or AVI video, a JPG/PNG/WebP picture, or WAV/MP3/M4A/OGG/FLAC audio.`,
    /** subject 'audio' | 'template'; decodedPast: the header claimed less than decoding found (no `seconds`). */
    'too-long': (p: RefusalParams) => {
      const limit = p.subject === 'template' ? `the limit for a template is ${formatSeconds(num(p.maxSeconds))}` : `the limit is ${formatSeconds(num(p.maxSeconds))}`;
      const who = p.subject === 'template' ? str(p.label) : 'the audio';
      return p.decodedPast
        ? `${who} is more than ${formatSeconds(num(p.maxSeconds))} long (longer than its file says); ${limit}.`
        : `${who} is ${formatSeconds(num(p.seconds))} long; ${limit}.`;
    },
    'no-audio-stream': (p: RefusalParams) => (p.hasVideo ? `${str(p.label)} has no sound track to use as the audio.` : `${str(p.label)} has no audio stream.`),
    /** kind 'audio' | 'video'. */
    'unsupported-codec': (p: RefusalParams) =>
      p.kind === 'audio'
        ? `${str(p.label)} uses the ${str(p.codec)} audio codec, which I don't support. Send WAV, MP3, M4A/AAC, OGG/Opus or FLAC.`
        : `${str(p.label)} uses the ${str(p.codec)} video codec, which I don't support. Send H.264, HEVC, VP8/VP9, AV1 or MPEG-4 video, or a JPG/PNG/WebP picture.`,
    'empty-audio': (p: RefusalParams) => `${str(p.label)} contains no audio I can hear${p.zeroLength ? ' (its length is zero)' : ''}.`,
    'no-video-stream': (p: RefusalParams) => `${str(p.label)} has no video stream.`,
    'too-large-dimensions': (p: RefusalParams) => `${str(p.label)} is ${num(p.width)}×${num(p.height)}; the limit is ${num(p.maxDimension)} px on the long side.`,
    'empty-video': (p: RefusalParams) => `${str(p.label)} contains no video frames.`,
    'empty-file': (p: RefusalParams) => `${str(p.label)} is empty (0 bytes).`,
    unreadable: (p: RefusalParams) => `${str(p.label)} isn't a video, picture or audio file I can read (it may be damaged, incomplete or in an unsupported format).`,
    'no-frames': (p: RefusalParams) => `${str(p.label)} has no video frames I could decode (the file may be damaged or incomplete).`,
    'no-face': (p: RefusalParams) => `I couldn't find a face in ${str(p.label)}. Use a video or photo where one face is clearly visible.`,
    'box-outside-frame': (p: RefusalParams) =>
      `The box ${num(p.y1)},${num(p.y2)},${num(p.x1)},${num(p.x2)} (Y1,Y2,X1,X2) lies outside ${str(p.label)}, which is ${num(p.width)}×${num(p.height)} pixels.`,
    'no-templates': () => 'Send at least one face video or photo to lip-sync.',
    'too-many-clips': (p: RefusalParams) => `That is ${num(p.clips)} videos; one batch can have at most ${num(p.max)}. Split them into smaller batches.`,
    'audio-too-long': (p: RefusalParams) => `The audio is ${formatSeconds(num(p.seconds))} long; the limit is ${formatSeconds(num(p.maxSeconds))}. Trim it and send it again.`,
    'queue-full': (p: RefusalParams) => {
      const pending = num(p.pending);
      const room = Math.max(0, num(p.max) - pending);
      const hint = room > 0 ? ` You can add ${room} more right now.` : ' Wait for some to finish, or cancel a batch.';
      return `You already have ${pending} clip${s(pending, '', 's')} waiting and this batch adds ${num(p.adding)}; the limit is ${num(p.max)}.${hint}`;
    },
    busy: () => 'The server is busy right now (storage is full). Please try again later.',
    'not-found': () => "I can't find that batch or clip. It may have finished a while ago.",
    'not-owner': () => 'Only the person who started this batch can cancel it.',
    'not-retryable': () => 'Only a failed clip can be rendered again, and only while its batch is still kept.',
    /** stage 'read' | 'duration'. */
    'unreadable-audio': (p: RefusalParams) =>
      p.stage === 'duration' ? `I couldn't find how long ${str(p.label)} is. Send an MP3, WAV, OGG or M4A file.` : `I couldn't read ${str(p.label)}. Send an MP3, WAV, OGG or M4A file (or a video with sound).`,
    internal: () => 'Something went wrong on our side while rendering this clip. Please try again later.',
    'input-missing': () => 'The files for this clip are no longer stored. Please send them again.',
    'queue-unavailable': () => 'The render queue is unavailable. Please try again later.',
    lost: () => 'This clip was lost by the render queue (a restart in the middle of it). Please send it again.',
    timeout: () => 'This clip took far longer to render than its length allows, so it was stopped. Please try a shorter audio or template.',
    cancelled: () => 'Cancelled.',
    /** Studio uploads (src/web/studio/uploads.ts): too many unfinished at once, the user's disk budget, an unknown id. */
    'upload-unfinished-limit': (p: RefusalParams) => `You have ${num(p.max)} uploads that are not finished yet. Let them finish, or remove some, before adding more.`,
    'upload-budget': (p: RefusalParams) => `Your uploads would take ${formatBytes(num(p.bytes))}; each person may keep ${formatBytes(num(p.maxBytes))}. Remove some files first.`,
    'upload-not-found': () => 'This file is no longer there. Add it again.',
    'upload-check-failed': () => 'This file could not be checked because of a problem on our side. Please add it again later.',
    'upload-disk-full': () => 'The server is short of disk space right now, so it cannot take this file. Please try again later.',
  },

  /** The results page and the web server's error pages. */
  web: {
    lang: 'en',
    dateTime: (ms: number): string => new Date(ms).toUTCString(),
    title: 'Your lip-synced clips',
    audioLine: 'Audio:',
    audioFallback: 'audio',
    counts(total: number, done: number, failed: number, cancelled: number, pending: number): string {
      const parts = [`${total} ${s(total, 'clip', 'clips')}`, `${done} ready`];
      if (failed > 0) parts.push(`${failed} failed`);
      if (cancelled > 0) parts.push(`${cancelled} cancelled`);
      if (pending > 0) parts.push(`${pending} still rendering`);
      return parts.join(' · ');
    },
    linksUntil: 'These links work until',
    downloadAll: 'Download all (ZIP)',
    someOfAll(done: number, total: number): string {
      return `${done} of ${total} clips`;
    },
    stillRendering: 'Some clips are still being made.',
    reload: 'Reload',
    reloadTail: 'to see the latest.',
    clipFallbackLabel(index: number): string {
      return `Clip ${index + 1}`;
    },
    ready: 'Ready',
    readyPreview: 'Ready (preview engine: no lip-sync model is installed yet)',
    failed(message: string | null): string {
      return `Failed: ${message ?? 'this clip could not be rendered.'}`;
    },
    cancelled: 'Cancelled',
    renderingNoProgress: 'Rendering…',
    rendering(stage: string, percent: number): string {
      return `Rendering: ${stage}, ${percent}%`;
    },
    stages: { probe: 'checking the files', audio: 'reading the audio', render: 'lip-syncing', finalize: 'finishing' },
    waiting(position: number | null): string {
      return position ? `Waiting in line (number ${position})` : 'Waiting in line';
    },
    download(label: string): string {
      return `Download ${label}`;
    },
    fileSize(bytes: number): string {
      if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
      return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
    },
    errors: {
      notFound: { title: 'Not found', detail: 'There is nothing here. Check that you copied the whole link.' },
      batchUnknown: 'This batch is unknown or no longer stored.',
      forbidden: { title: 'Link not valid', detail: 'This link is incomplete or has been changed. Use the link exactly as you received it.' },
      expiredTitle: 'Link expired',
      expired(when: string): string {
        return `This link expired on ${when}. Download links only last a limited time, and old clips are deleted. Ask the bot for the batch again, or render it again.`;
      },
      tooMany: { title: 'Too many requests', detail: 'Too many downloads from your address. Please wait a minute and try again.' },
      badRequest: { title: 'Bad request', detail: 'The request could not be understood.' },
      internal: { title: 'Something went wrong', detail: 'Something went wrong on our side. Please try again later.' },
      clipGone: { title: 'Clip no longer stored', detail: 'This clip has been deleted to free space. Ask the bot for the batch again, or render it again.' },
      clipFailedTitle: 'Clip failed',
      clipFailedDetail: 'This clip could not be rendered.',
      clipCancelled: { title: 'Clip cancelled', detail: 'This clip was cancelled before it was rendered.' },
      stillRendering: { title: 'Still rendering', detail: 'This clip is not finished yet. Try again in a little while.' },
      clipChanging: { title: 'Clip changing', detail: 'This clip is being stored again right now. Try again in a moment.' },
      nothingToZip: { title: 'Nothing to download yet', detail: 'None of the clips of this batch is finished yet. Try again when at least one is ready.' },
      storageDown: { title: 'Storage unavailable', detail: 'Clips cannot be read right now. Please try again in a few minutes.' },
    },
  },

  /**
   * The web studio page (src/web/studio/page.ts, web/studio/studio.js). Plain strings only: `page` is rendered by the
   * server, `client` is embedded in the page as JSON for the browser script. `{name}` placeholders are filled in
   * where the string is used (the same names in every language; test/web/studioPage.test.ts checks them).
   */
  studio: {
    page: {
      title: 'Lip-sync studio',
      tagline: 'Put one audio track on many face videos or photos.',
      signedInAs: 'Signed in with {platform} as {user}',
      /** Where a user signed in from (Owner.platform). */
      platforms: { telegram: 'Telegram', discord: 'Discord', cli: 'the command line' },
      languageLabel: 'Language',
      signOut: 'Sign out',
      noScript: 'The studio needs JavaScript. Turn it on for this page and reload.',
      audioHeading: 'Audio',
      audioHint: 'One audio file (MP3, WAV, M4A, OGG, FLAC) or a video whose sound you want, up to {duration} and {size}.',
      audioPick: 'Choose an audio file',
      recentAudios: 'Recent audios',
      templatesHeading: 'Templates',
      templatesHint: 'Face videos or photos (MP4, MOV, WebM, JPG, PNG): up to {count} per batch, each up to {duration} and {size}.',
      templatesPick: 'Choose videos or photos',
      dropHint: 'or drop them here',
      startHeading: 'Start',
      loopLabel: 'When a template is shorter than the audio',
      loopModes: { pingpong: 'play it forwards and backwards', loop: 'start it again', freeze: 'hold the last frame' },
      startButton: 'Start rendering',
      queueHeading: 'Queue',
      queueEmpty: 'Nothing is rendering right now.',
      historyHeading: 'History',
      historyEmpty: 'No batches yet.',
      historyNav: 'History pages',
      newer: 'Newer',
      older: 'Older',
      signedOutTitle: 'Not signed in',
      signedOutText: 'To open the studio, ask the bot with {telegram} (Telegram) or {discord} (Discord), or run {cli} on the server, and open the personal link you get.',
    },
    client: {
      uploading: 'Uploading… {percent}%',
      checking: 'Checking the file…',
      ready: 'Ready',
      uploadFailed: 'The upload failed: {reason}',
      uploadFailedRetry: 'The upload failed. Check your connection and add the file again.',
      remove: 'Remove',
      removeNamed: 'Remove {name}',
      reuseNamed: 'Use {name} again ({duration})',
      noRecentAudios: 'None yet: your audios will be listed here.',
      picture: 'photo',
      seconds: '{n} s',
      minutes: '{m} min',
      minutesSeconds: '{m} min {s} s',
      kilobytes: '{n} KB',
      megabytes: '{n} MB',
      thumbAlt: 'First frame of {name}',
      audioPlayer: 'Listen to {name}',
      videoPlayer: 'Play {name}',
      needAudio: 'Choose an audio first.',
      needTemplates: 'Add at least one face video or photo.',
      waitUploads: 'Wait until every file is uploaded and checked.',
      tooManyTemplates: 'One batch can have at most {max} templates: remove some.',
      readyToStart: 'Templates ready: {count}. Press Start rendering.',
      starting: 'Starting…',
      started: 'Started: follow it in the queue below.',
      running: 'Rendering',
      finished: 'Finished',
      summaryDone: '{done} of {total} ready',
      summaryFailed: '{failed} failed',
      summaryCancelled: '{cancelled} cancelled',
      downloadZip: 'Download all (ZIP)',
      download: 'Download',
      downloadNamed: 'Download {name}',
      cancelBatch: 'Cancel the batch',
      cancelClip: 'Cancel',
      retryClip: 'Try again',
      deleteBatch: 'Delete',
      confirmDelete: 'Delete for good',
      keepBatch: 'Keep it',
      deleteQuestion: 'Delete this batch and its clips?',
      deleted: 'Batch deleted.',
      log: 'What happened',
      logEmpty: 'Nothing yet.',
      pageOf: 'Page {page} of {pages}',
      liveLost: 'Live updates were interrupted; reconnecting…',
      networkError: 'The server cannot be reached. Check your connection and try again.',
      genericError: 'Something went wrong. Please try again.',
      sessionEnded: 'Your session has ended. Get a new link from the bot to sign in again.',
      dropActive: 'Drop the files to add them',
    },
  },
  /**
   * The studio's server side: sign-in pages, API errors ({ error }), and the clip/batch texts the server puts into
   * BatchView. `{name}` placeholders are filled by src/web/studio/words.ts (same names in every language).
   */
  studioAuth: {
    signIn: {
      invalidTitle: 'Sign-in link not valid',
      invalidText: 'This sign-in link is incomplete or has been changed. Use the link exactly as you received it.',
      expiredTitle: 'Sign-in link expired',
      expiredText: 'This sign-in link has expired or was already used: each link works once, for a limited time.',
      howTo: 'Get a new personal link: send {telegram} to the Telegram bot, use {discord} on Discord, or run {cli} on the server.',
      continueTitle: 'Open the lip-sync studio',
      continueText: 'This is your personal sign-in link. It works once: press the button to sign in.',
      continueButton: 'Sign in to the studio',
    },
    errors: {
      noSession: 'You are not signed in, or your session has ended. Get a new link from the bot to sign in again.',
      badCsrf: 'This request was refused to protect your account. Reload the page and try again.',
      notFound: 'This batch or clip does not exist or is no longer stored.',
      badRequest: 'The request could not be understood.',
      tooMany: 'Too many requests. Please wait a minute and try again.',
      tooManyStreams: 'The studio is open in too many tabs. Close some of them and reload.',
      uploadMissing: 'One of the files is no longer there. Add it again.',
      uploadNotReady: '{name} is still uploading or being checked. Wait until it is ready.',
      uploadRefused: '{name} cannot be used: {reason}',
      uploadWrongKind: '{name} was added in the wrong place (audio or templates). Add it again where it belongs.',
      internal: 'Something went wrong on our side. Please try again later.',
    },
    status: {
      queued: 'Waiting in line',
      queuedAt: 'Waiting in line (number {position})',
      active: 'Rendering…',
      activeStage: 'Rendering: {stage}, {percent}%',
      done: 'Ready',
      donePreview: 'Ready (preview engine: no lip-sync model is installed yet)',
      failed: 'Failed: {reason}',
      cancelled: 'Cancelled',
      etaLeft: '{eta} left',
      startsIn: 'starts in {eta}',
    },
    clipLabel: 'Clip {number}',
    log: {
      queued: '{clip}: queued',
      started: '{clip}: rendering started',
      done: '{clip}: ready',
      cached: '{clip}: ready (the same clip was rendered before and is reused)',
      failed: '{clip}: failed: {reason}',
      cancelled: '{clip}: cancelled',
      retried: '{clip}: queued again',
    },
  },
};

export type Catalog = typeof en;
export type Words = Catalog['bot'];
export type WebWords = Catalog['web'];
