import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MediaLimits } from '../../../src/config/index.js';
import { InputError } from '../../../src/errors.js';
import { ChannelMeanMixer, decodeAnalysisAudio } from '../../../src/pipeline/media/decodeAudio.js';
import { spillTemplate } from '../../../src/pipeline/media/decodeVideo.js';
import { probeAudioInput, probeTemplateInput } from '../../../src/pipeline/media/validate.js';
import { openTemplateSource } from '../../../src/pipeline/timeline/frameSource.js';
import { withClaimedDuration } from '../../support/lyingMedia.js';
import { binaries, ffmpeg, tempDir } from '../../support/media.js';

const { dir, cleanup } = tempDir('lipsync-lying-');
afterAll(cleanup);
const bins = binaries();
const limits: MediaLimits = { maxAudioSeconds: 5, maxTemplateSeconds: 5, maxDimension: 4096, maxFileBytes: 100 << 20 };
const probeOptions = { ffprobe: bins.ffprobe, timeoutMs: 30_000 };

/** 20 s of low-bitrate Opus in Matroska whose header says 1 s. */
function lyingAudio(): string {
  const honest = path.join(dir, 'honest.mka');
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20', '-c:a', 'libopus', '-b:a', '12k', honest]);
  return withClaimedDuration(honest, path.join(dir, 'lying.mka'), 1);
}

/** 20 s of 10 fps video in Matroska whose header says 1 s. */
function lyingTemplate(seconds = 20): string {
  const honest = path.join(dir, `honest-${seconds}.mkv`);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', String(seconds), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', honest]);
  return withClaimedDuration(honest, path.join(dir, `lying-${seconds}.mkv`), 1);
}

const geometry = { width: 64, height: 48, fps: 10, fpsRational: '10' };

describe('inputs whose header understates their length', () => {
  it('audio: the probe believes 1 s, the decoder stops past the cap and refuses it as too long', async () => {
    const file = lyingAudio();
    const probed = await probeAudioInput(file, 'voice.mka', limits, probeOptions);
    expect(probed.durationSeconds).toBe(1);
    const err = await decodeAnalysisAudio(file, { ffmpeg: bins.ffmpeg, stallTimeoutMs: 30_000, label: 'voice.mka', maxSeconds: limits.maxAudioSeconds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('too-long');
    expect((err as InputError).message).toBe('the audio is more than 5 s long (longer than its file says); the limit is 5 s.');
  });

  it('audio under the cap decodes whole, whatever the header says', async () => {
    const honest = path.join(dir, 'short.mka');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', '-c:a', 'libopus', '-b:a', '12k', honest]);
    const file = withClaimedDuration(honest, path.join(dir, 'short-lying.mka'), 1);
    const samples = await decodeAnalysisAudio(file, { ffmpeg: bins.ffmpeg, stallTimeoutMs: 30_000, label: 'short.mka', maxSeconds: limits.maxAudioSeconds });
    expect(samples.length / 16_000).toBeCloseTo(4, 1);
  });

  it('the channel mixer never holds more samples than its limit', () => {
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.write('WAVE', 8, 'latin1');
    header.write('fmt ', 12, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(3, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(16_000, 24);
    header.writeUInt32LE(64_000, 28);
    header.writeUInt16LE(4, 32);
    header.writeUInt16LE(32, 34);
    header.write('data', 36, 'latin1');
    const mixer = new ChannelMeanMixer(1000);
    expect(mixer.push(Buffer.concat([header, Buffer.alloc(4 * 600)]))).toBe(true);
    expect(mixer.push(Buffer.alloc(4 * 600))).toBe(false);
    expect(mixer.length).toBe(1000);
    // Later bytes are dropped, not buffered.
    expect(mixer.push(Buffer.alloc(4 * 1_000_000))).toBe(false);
    expect(mixer.length).toBe(1000);
  });

  it('template: a looped template is spilled only up to the cap and refused as too long', async () => {
    const file = lyingTemplate();
    const probed = await probeTemplateInput(file, 'face.mkv', limits, probeOptions);
    expect(probed.durationSeconds).toBe(1);
    const tempRoot = path.join(dir, 'spills');
    mkdirSync(tempRoot);
    const err = await openTemplateSource({
      ffmpeg: bins.ffmpeg,
      geometry,
      stallTimeoutMs: 30_000,
      purpose: 'decode face.mkv',
      file,
      label: 'face.mkv',
      isStillImage: false,
      templateSeconds: probed.durationSeconds,
      maxTemplateSeconds: limits.maxTemplateSeconds,
      outputFrames: 40,
      loopMode: 'pingpong',
      tempDir: tempRoot,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('too-long');
    expect((err as InputError).message).toBe('face.mkv is more than 5 s long (longer than its file says); the limit for a template is 5 s.');
    // Its spill is gone.
    expect(readdirSync(tempRoot)).toEqual([]);
  });

  it('the spill writes at most the frames it is allowed', async () => {
    const file = lyingTemplate();
    const out = path.join(dir, 'bounded-spill');
    mkdirSync(out);
    await spillTemplate(file, out, { ffmpeg: bins.ffmpeg, geometry, stallTimeoutMs: 30_000, purpose: 'spill', maxFrames: 51 });
    expect(readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(51);
  });
});

describe('what ffprobe may write is bounded', () => {
  it('a file that makes ffprobe describe ~1000 streams is refused as unreadable', async () => {
    const file = path.join(dir, 'many-streams.mov');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=sample_rate=8000', '-t', '0.1', ...Array.from({ length: 990 }, () => ['-map', '0:a']).flat(), '-c:a', 'pcm_s16le', file]);
    const err = await probeAudioInput(file, 'many.mov', limits, probeOptions).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('unreadable');
  });
});

describe('the stall watchdog counts real progress', () => {
  it('a spill that runs longer than the stall timeout while writing frames is not killed', async () => {
    // ffmpeg reading its input at the input's own pace (-re): 5 s of frames take 5 s, the stall timeout is 2 s.
    const slowed = path.join(dir, 'slow-ffmpeg.sh');
    writeFileSync(slowed, `#!/bin/sh\nexec "${bins.ffmpeg}" -re "$@"\n`);
    chmodSync(slowed, 0o755);
    const honest = path.join(dir, 'five-seconds.mkv');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '5', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', honest]);
    const out = path.join(dir, 'slow-spill');
    mkdirSync(out);
    await spillTemplate(honest, out, { ffmpeg: slowed, geometry, stallTimeoutMs: 2_000, purpose: 'slow spill', maxFrames: 1000 });
    expect(readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(50);
  });
});
