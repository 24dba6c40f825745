import { resolveMediaBinaries } from '../../src/pipeline/media/binaries.js';

/** Fails the whole run loudly when a tool the suites need is missing, instead of letting tests skip. */
export default function setup(): void {
  const bins = resolveMediaBinaries({ ffmpegPath: process.env.FFMPEG_PATH, ffprobePath: process.env.FFPROBE_PATH });
  process.env.LIPSYNC_TEST_FFMPEG = bins.ffmpeg;
  process.env.LIPSYNC_TEST_FFPROBE = bins.ffprobe;
}
