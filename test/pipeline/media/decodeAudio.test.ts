import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { melSpectrogram } from '../../../src/pipeline/audio/mel.js';
import { ChannelMeanMixer, decodeAnalysisAudio } from '../../../src/pipeline/media/decodeAudio.js';
import { binaries, ffmpeg, SPEECH, tempDir } from '../../support/media.js';

/** One channel of a file at 16 kHz, as ffmpeg resamples it, without any downmix. */
function channelAt16k(file: string, channel: number): Float32Array {
  const raw = ffmpeg(['-v', 'error', '-i', file, '-af', `pan=mono|c0=c${channel}`, '-ar', '16000', '-f', 'f32le', '-']);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('decodeAnalysisAudio: mono is the mean of the channels (librosa.load)', () => {
  const { dir, cleanup } = tempDir();
  const stereo = path.join(dir, 'stereo-44k.wav');
  const dualMono = path.join(dir, 'dual-mono.wav');
  const decode = (file: string) => decodeAnalysisAudio(file, { ffmpeg: binaries().ffmpeg, stallTimeoutMs: 20_000, label: path.basename(file), maxSeconds: 600 });

  beforeAll(() => {
    // L = the speech at 44.1 kHz, R = the same at half amplitude; and a file with two identical channels.
    ffmpeg(['-v', 'error', '-i', SPEECH, '-filter_complex', '[0:a]aresample=44100,pan=stereo|c0=c0|c1=0.5*c0', '-c:a', 'pcm_s16le', stereo]);
    ffmpeg(['-v', 'error', '-i', SPEECH, '-filter_complex', '[0:a]pan=stereo|c0=c0|c1=c0', '-c:a', 'pcm_s16le', dualMono]);
  });
  afterAll(cleanup);

  it('a stereo 44.1 kHz file decodes to the mean of its channels at 16 kHz, and so does its mel', async () => {
    const mono = await decode(stereo);
    const left = channelAt16k(stereo, 0);
    const right = channelAt16k(stereo, 1);
    const reference = new Float32Array(left.length);
    for (let i = 0; i < left.length; i++) reference[i] = (left[i]! + right[i]!) / 2;
    expect(mono.length).toBe(reference.length);
    expect(maxAbsDiff(mono, reference)).toBeLessThan(1e-6);
    // Not ffmpeg's -ac 1 mix ((L + R)·0.707): the level is the mean's.
    const ratio = mono.reduce((s, v) => s + Math.abs(v), 0) / reference.reduce((s, v) => s + Math.abs(v), 0);
    expect(ratio).toBeCloseTo(1, 5);
    const mel = melSpectrogram(mono);
    const refMel = melSpectrogram(reference);
    expect(mel.frames).toBe(refMel.frames);
    expect(mel.data.length).toBe(80 * refMel.frames);
    expect(maxAbsDiff(mel.data, refMel.data)).toBeLessThan(1e-4);
  });

  it('dual-mono (identical channels) gives exactly the mono source, not +3 dB', async () => {
    const fromDual = await decode(dualMono);
    const fromMono = await decode(SPEECH);
    expect(fromDual.length).toBe(fromMono.length);
    expect(fromDual.length).toBeGreaterThan(16_000);
    expect(maxAbsDiff(fromDual, fromMono)).toBe(0);
  });

  it('the mixer reads a WAV stream split at any byte', () => {
    // 3 channels, 4 frames, delivered one byte at a time, with a LIST chunk before the data.
    const channels = 3;
    const samples = [0.5, -0.25, 1, 0, 0, 0.75, -1, -1, -1, 0.1, 0.2, 0.3];
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(3, 8);
    fmt.writeUInt16LE(channels, 10);
    fmt.writeUInt32LE(16_000, 12);
    fmt.writeUInt32LE(16_000 * 4 * channels, 16);
    fmt.writeUInt16LE(4 * channels, 20);
    fmt.writeUInt16LE(32, 22);
    const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0', 'latin1')]);
    const data = Buffer.alloc(8 + samples.length * 4);
    data.write('data', 0, 'latin1');
    data.writeUInt32LE(0xffffffff, 4);
    samples.forEach((v, i) => data.writeFloatLE(v, 8 + 4 * i));
    const riff = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('WAVE', 'latin1')]);
    const wav = Buffer.concat([riff, fmt, list, data]);
    const mixer = new ChannelMeanMixer();
    for (let i = 0; i < wav.length; i++) mixer.push(wav.subarray(i, i + 1));
    expect(Array.from(mixer.finish())).toEqual([0.5 / 3 + 0.25, 0.25, -1, 0.2].map((v) => Math.fround(v)));
  });
});
