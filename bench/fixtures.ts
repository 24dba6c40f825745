// Inputs the benchmark renders; the fixture files and the ffmpeg runner are the test suite's own.
import { ffmpeg, PORTRAIT, SPEECH } from '../test/support/media.js';

/** A 1280×720 template of `seconds` at 25 fps: the portrait centred (face ~150 px wide), zooming and drifting gently. */
export function make720pTemplate(out: string, seconds: number): string {
  ffmpeg([
    '-loop', '1', '-i', PORTRAIT,
    '-vf', "scale=720:720,pad=1280:720:280:0:color=0x707880,zoompan=z='1.05+0.0004*on':x='iw/2-(iw/zoom/2)+20*sin(on/15)':y='ih/2-(ih/zoom/2)':d=1:s=1280x720:fps=25",
    '-frames:v', String(seconds * 25), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

/** Speech repeated (with its pauses) to exactly `seconds`. */
export function makeSpeech(out: string, seconds: number): string {
  ffmpeg(['-stream_loop', '-1', '-i', SPEECH, '-t', String(seconds), '-c:a', 'pcm_s16le', out]);
  return out;
}
