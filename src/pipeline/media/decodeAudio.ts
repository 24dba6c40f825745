import { runToCompletion, safeInputArgs } from './process.js';

export const ANALYSIS_SAMPLE_RATE = 16_000;

export interface AudioDecodeOptions {
  ffmpeg: string;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  label: string;
}

/**
 * Decodes the first audio stream to 16 kHz mono float for analysis.
 * Ten minutes of audio is 38 MB here: small next to video frames, so it is read whole.
 */
export async function decodeAnalysisAudio(file: string, options: AudioDecodeOptions): Promise<Float32Array> {
  const raw = await runToCompletion(
    options.ffmpeg,
    ['-nostdin', '-v', 'error', ...safeInputArgs(file), '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(ANALYSIS_SAMPLE_RATE), '-f', 'f32le', 'pipe:1'],
    { purpose: `decode audio of ${options.label}`, stallTimeoutMs: options.stallTimeoutMs, signal: options.signal },
  );
  // Copy into an aligned buffer: Buffer slices from the pool may start at an offset that is not a multiple of 4.
  const samples = new Float32Array(Math.floor(raw.length / 4));
  new Uint8Array(samples.buffer).set(raw.subarray(0, samples.length * 4));
  return samples;
}
