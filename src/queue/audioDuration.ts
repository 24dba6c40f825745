import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError } from '../errors.js';
import { resolveMediaBinaries } from '../pipeline/media/binaries.js';

const run = promisify(execFile);

/**
 * Length of an audio (or video) file in seconds, for the per-user limit at submit time.
 * Only local files are read: `-protocol_whitelist file` stops playlists inside uploads from reaching elsewhere.
 */
export async function probeAudioSeconds(file: string, label = 'the audio'): Promise<number> {
  const { ffprobe } = resolveMediaBinaries({ ffprobePath: process.env.FFPROBE_PATH, ffmpegPath: process.env.FFMPEG_PATH });
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobe,
      ['-v', 'error', '-protocol_whitelist', 'file', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
      { timeout: 30_000, maxBuffer: 1 << 16 },
    ));
  } catch (err) {
    throw new InputError('unreadable-audio', `I couldn't read ${label}. Send an MP3, WAV, OGG or M4A file (or a video with sound).`, { cause: err });
  }
  const seconds = Number.parseFloat(stdout.trim());
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InputError('unreadable-audio', `I couldn't find how long ${label} is. Send an MP3, WAV, OGG or M4A file.`);
  }
  return seconds;
}
