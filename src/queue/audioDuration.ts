import { InputError } from '../errors.js';
import { resolveMediaBinaries } from '../pipeline/media/binaries.js';
import { runToCompletion, safeInputArgs } from '../pipeline/media/process.js';

/**
 * Length of an audio (or video) file in seconds, for the per-user limit at submit time. The header's word: the render
 * itself checks the decoded length against MAX_AUDIO_SECONDS. ffprobe gets the same safe input arguments as every
 * other spawn (local file only, allow-listed containers), so a concat list or playlist uploaded as "audio" cannot read
 * other files.
 */
export async function probeAudioSeconds(file: string, label = 'the audio'): Promise<number> {
  const { ffprobe } = resolveMediaBinaries({ ffprobePath: process.env.FFPROBE_PATH, ffmpegPath: process.env.FFMPEG_PATH });
  let stdout: string;
  try {
    const out = await runToCompletion(
      ffprobe,
      ['-v', 'error', ...safeInputArgs(file), '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1'],
      { purpose: `probe length of ${label}`, timeoutMs: 30_000, maxBytes: 1 << 16 },
    );
    stdout = out.toString('utf8');
  } catch (err) {
    throw new InputError('unreadable-audio', `I couldn't read ${label}. Send an MP3, WAV, OGG or M4A file (or a video with sound).`, { cause: err, params: { label, stage: 'read' } });
  }
  const seconds = Number.parseFloat(stdout.trim());
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InputError('unreadable-audio', `I couldn't find how long ${label} is. Send an MP3, WAV, OGG or M4A file.`, { params: { label, stage: 'duration' } });
  }
  return seconds;
}
