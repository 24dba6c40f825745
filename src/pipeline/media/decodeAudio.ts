import { InternalError } from '../../errors.js';
import { runManaged, safeInputArgs } from './process.js';
import { DECODED_LENGTH_SLACK_SECONDS, decodedAudioTooLong } from './validate.js';

export const ANALYSIS_SAMPLE_RATE = 16_000;

export interface AudioDecodeOptions {
  ffmpeg: string;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  label: string;
  /**
   * The audio cap (MAX_AUDIO_SECONDS). The header's length may lie (probing trusts it), so ffmpeg stops a second past
   * the cap and audio that decodes longer than the cap is refused as too long, without being held whole.
   */
  maxSeconds: number;
}

/**
 * Decodes the first audio stream to 16 kHz mono float for analysis, mono being the plain mean of the channels, as
 * librosa.load (Wav2Lip's audio.py) makes it. ffmpeg's own downmix (-ac 1) is not that: it mixes stereo as
 * (L + R)·0.707, so dual-mono comes out 3 dB louder than its source and the mel shifts by +3 dB. So ffmpeg resamples
 * every channel to 16 kHz (resampling is linear: the same as resampling the mean) and writes them as a float WAV,
 * whose header says how many channels there are; they are averaged here as the bytes arrive.
 * Ten minutes of audio is 38 MB of mono floats: small next to video frames, so the result is held whole; audio past the
 * cap never is (see `maxSeconds`).
 */
export async function decodeAnalysisAudio(file: string, options: AudioDecodeOptions): Promise<Float32Array> {
  const purpose = `decode audio of ${options.label}`;
  const proc = runManaged(
    options.ffmpeg,
    [
      '-nostdin', '-v', 'error', ...safeInputArgs(file), '-map', '0:a:0', '-vn',
      '-t', String(options.maxSeconds + 1),
      '-ar', String(ANALYSIS_SAMPLE_RATE), '-c:a', 'pcm_f32le', '-f', 'wav', 'pipe:1',
    ],
    { purpose, stallTimeoutMs: options.stallTimeoutMs, signal: options.signal },
  );
  proc.child.stdin?.end();
  const mixer = new ChannelMeanMixer(Math.ceil((options.maxSeconds + DECODED_LENGTH_SLACK_SECONDS) * ANALYSIS_SAMPLE_RATE));
  let stopped = false;
  proc.child.stdout?.on('data', (chunk: Buffer) => {
    if (stopped) return;
    try {
      if (mixer.push(chunk)) return;
      proc.fail(decodedAudioTooLong(options.maxSeconds));
    } catch (err) {
      proc.fail(new InternalError(`${purpose}: ${(err as Error).message}`, { cause: err }));
    }
    stopped = true;
  });
  await proc.done;
  return mixer.finish();
}

/**
 * Streaming reader of a little-endian 32-bit float WAV (as ffmpeg writes it to a pipe: RIFF sizes unknown, data runs to
 * the end) that averages the channels of each sample frame into one mono sample, keeping at most `maxSamples`.
 */
export class ChannelMeanMixer {
  private header: Buffer | null = Buffer.alloc(0);
  private channels = 0;
  /** Bytes of an incomplete sample frame carried over to the next chunk. */
  private carry = Buffer.alloc(0);
  private out = new Float32Array(1 << 16);
  private count = 0;
  private full = false;

  constructor(private readonly maxSamples = Number.POSITIVE_INFINITY) {}

  /** Mono samples so far. */
  get length(): number {
    return this.count;
  }

  /** False once the stream went past `maxSamples`: the samples beyond are dropped, never held. */
  push(chunk: Buffer): boolean {
    if (this.full) return false;
    if (this.header) {
      this.header = Buffer.concat([this.header, chunk]);
      const start = this.dataStart(this.header);
      if (start === null) return true;
      chunk = this.header.subarray(start);
      this.header = null;
    }
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const frameBytes = 4 * this.channels;
    const available = Math.floor(bytes.length / frameBytes);
    const frames = Math.min(available, this.maxSamples - this.count);
    this.reserve(frames);
    const n = this.channels;
    for (let f = 0, p = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < n; c++, p += 4) sum += bytes.readFloatLE(p);
      this.out[this.count++] = sum / n;
    }
    if (frames < available) {
      this.full = true;
      this.carry = Buffer.alloc(0);
      return false;
    }
    this.carry = Buffer.from(bytes.subarray(frames * frameBytes));
    return true;
  }

  finish(): Float32Array {
    if (this.header) {
      if (this.header.length === 0) return new Float32Array(0);
      throw new Error('the decoder wrote no audio data');
    }
    return this.out.slice(0, this.count);
  }

  /** Offset of the sample data once the header up to the 'data' chunk has arrived (reading the channel count on the way). */
  private dataStart(h: Buffer): number | null {
    if (h.length < 12) return null;
    if (h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WAVE') throw new Error('the decoder did not write a WAV stream');
    let p = 12;
    while (p + 8 <= h.length) {
      const id = h.toString('latin1', p, p + 4);
      const size = h.readUInt32LE(p + 4);
      if (id === 'data') {
        if (this.channels === 0) throw new Error('WAV data before its format');
        return p + 8;
      }
      if (p + 8 + size > h.length) return null;
      if (id === 'fmt ') {
        this.channels = h.readUInt16LE(p + 10);
        const bits = h.readUInt16LE(p + 22);
        if (this.channels < 1 || bits !== 32) throw new Error(`unexpected WAV format (${this.channels} channels, ${bits} bits)`);
      }
      p += 8 + size + (size % 2);
    }
    return null;
  }

  private reserve(more: number): void {
    if (this.count + more <= this.out.length) return;
    let capacity = this.out.length;
    while (capacity < this.count + more) capacity *= 2;
    const grown = new Float32Array(Math.min(capacity, Math.max(this.maxSamples, this.count + more)));
    grown.set(this.out.subarray(0, this.count));
    this.out = grown;
  }
}
