import type { RenderGeometry } from './geometry.js';
import { runManaged, safeInputArgs, type ManagedProcess } from './process.js';
import { writeWithBackpressure } from './rawFrames.js';

export interface EncoderOptions {
  ffmpeg: string;
  geometry: RenderGeometry;
  /** File whose first audio stream is muxed into the clip. */
  audioFile: string;
  audioSeconds: number;
  /** Sample rate of the source audio; the clip keeps it up to 48 kHz. */
  audioSampleRate: number;
  audioChannels: number;
  outputFile: string;
  preset: string;
  crf: number;
  stallTimeoutMs: number;
  signal?: AbortSignal;
}

const MAX_DELIVERED_SAMPLE_RATE = 48_000;

export function deliveredSampleRate(sourceRate: number): number {
  if (!Number.isFinite(sourceRate) || sourceRate <= 0) return MAX_DELIVERED_SAMPLE_RATE;
  return Math.min(sourceRate, MAX_DELIVERED_SAMPLE_RATE);
}

export function encoderArgs(options: EncoderOptions): string[] {
  const { width, height, fpsRational } = options.geometry;
  return [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${width}x${height}`, '-framerate', fpsRational, '-i', 'pipe:0',
    ...safeInputArgs(options.audioFile),
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', options.preset, '-crf', String(options.crf), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k', '-ar', String(deliveredSampleRate(options.audioSampleRate)), '-ac', String(Math.min(2, Math.max(1, options.audioChannels))),
    '-t', options.audioSeconds.toFixed(3),
    '-movflags', '+faststart',
    '-f', 'mp4', options.outputFile,
  ];
}

/** H.264 yuv420p + AAC MP4 with the index up front (faststart), fed raw yuv420p frames on stdin (no conversion). */
export class ClipEncoder {
  private readonly proc: ManagedProcess;

  constructor(options: EncoderOptions) {
    this.proc = runManaged(options.ffmpeg, encoderArgs(options), {
      purpose: 'encode clip',
      stallTimeoutMs: options.stallTimeoutMs,
      signal: options.signal,
    });
    this.proc.child.stdout?.resume();
  }

  async write(frame: Uint8Array): Promise<void> {
    const stdin = this.proc.child.stdin!;
    await Promise.race([writeWithBackpressure(stdin, frame), this.proc.done]);
    this.proc.touch();
  }

  /** Ends the stream and waits for the file to be complete. */
  async finish(): Promise<void> {
    this.proc.child.stdin!.end();
    await this.proc.done;
  }

  /** Stops ffmpeg at once (errors, cancel). */
  async abort(): Promise<void> {
    this.proc.kill();
    await this.proc.done.catch(() => undefined);
  }
}
