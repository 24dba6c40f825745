import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FaceDetector } from '../../../src/pipeline/face/index.js';
import { melSpectrogram } from '../../../src/pipeline/audio/mel.js';
import { melWindow } from '../../../src/pipeline/audio/melWindows.js';
import type { PipelineConfig } from '../../../src/config/index.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import type { RenderProgress } from '../../../src/pipeline/render/types.js';
import { bestLag, ffmpeg, ffprobe, makeMovingTemplate, meanAbsDiff, meanLuma, readAllFrames, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

/** The test model paints the mouth patch with brightness clamp((mean(mel window) + 4) / 8, 0, 1). */
function expectedBrightness(samples: Float32Array, frames: number, fps: number): number[] {
  const mel = melSpectrogram(samples);
  const out: number[] = [];
  const window = new Float32Array(80 * 16);
  for (let i = 0; i < frames; i++) {
    melWindow(mel, i, fps, window);
    let sum = 0;
    for (const v of window) sum += v;
    out.push(Math.min(1, Math.max(0, (sum / window.length + 4) / 8)));
  }
  return out;
}

describe('renderClip end to end (moving portrait + speech, test model)', () => {
  const { dir, cleanup } = tempDir();
  let config: PipelineConfig;
  const template = path.join(dir, 'moving.mp4');
  const output = path.join(dir, 'out.mp4');
  const progress: RenderProgress[] = [];
  let result: Awaited<ReturnType<typeof renderClip>>;

  beforeAll(async () => {
    config = await testModelConfig(dir);
    // Longer than the 7.4 s audio, so output frame i shows template frame i.
    makeMovingTemplate(template, { seconds: 8, fps: 25 });
    result = await renderClip({ audioPath: SPEECH, templatePath: template, outputPath: output }, {}, (p) => progress.push(p), undefined, { config });
  });
  afterAll(cleanup);

  it('writes an H.264 + AAC MP4 as long as the audio, at the template frame rate', () => {
    const info = ffprobe(output);
    const video = info.streams.find((s) => s.codec_type === 'video')!;
    const audio = info.streams.find((s) => s.codec_type === 'audio')!;
    const audioSeconds = ffprobe(SPEECH).streams[0]!.duration;
    expect(video.codec_name).toBe('h264');
    expect(audio.codec_name).toBe('aac');
    // The delivered clip keeps the source's sample rate (16 kHz here; capped at 48 kHz).
    expect(audio.sample_rate).toBe('16000');
    expect(video.r_frame_rate).toBe('25/1');
    const frames = Number(video.nb_read_frames ?? video.nb_frames);
    expect(Math.abs(frames / 25 - Number(audioSeconds))).toBeLessThanOrEqual(1 / 25);
    expect(Math.abs(Number(info.format.duration) - Number(audioSeconds))).toBeLessThanOrEqual(1 / 25);
    expect(result.frames).toBe(frames);
    expect(result.framesWithFace).toBe(frames);
    expect(result.engine).toBe('wav2lip');
  });

  it('reports progress through every stage with frame counts', () => {
    expect(progress.map((p) => p.stage)).toEqual(expect.arrayContaining(['probe', 'audio', 'render', 'finalize']));
    const last = progress.at(-1)!;
    expect(last.framesDone).toBe(result.frames);
    expect(last.framesTotal).toBe(result.frames);
  });

  it('leaves pixels far from the face unchanged and makes the mouth patch follow the audio with zero lag', () => {
    const out = readAllFrames(output);
    const tmpl = readAllFrames(template).slice(0, out.length);
    // Far from the face: the flag (left edge), the shuttle (right) and the helmet (bottom right).
    for (const i of [0, 50, 100, out.length - 1]) {
      expect(meanAbsDiff(out[i]!, tmpl[i]!, 0, 0, 40, 320)).toBeLessThan(3);
      expect(meanAbsDiff(out[i]!, tmpl[i]!, 240, 0, 320, 200)).toBeLessThan(3);
      expect(meanAbsDiff(out[i]!, tmpl[i]!, 200, 240, 320, 320)).toBeLessThan(3);
    }

    // Locate the patch: its core is where the output differs strongly from the template in most frames.
    const { width, height } = out[0]!;
    const hits = new Uint16Array(width * height);
    const sampled = out.map((_, i) => i).filter((i) => i % 3 === 0);
    for (const i of sampled) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (Math.abs(meanLuma(out[i]!, x, y, x + 1, y + 1) - meanLuma(tmpl[i]!, x, y, x + 1, y + 1)) > 30) hits[y * width + x]!++;
        }
      }
    }
    const core: number[] = [];
    hits.forEach((h, p) => {
      if (h >= sampled.length * 0.6) core.push(p);
    });
    expect(core.length).toBeGreaterThan(20);
    const cx = core.reduce((s, p) => s + (p % width), 0) / core.length;
    const cy = core.reduce((s, p) => s + Math.floor(p / width), 0) / core.length;
    // The patch sits on the lower face of the portrait (face spans x≈110–175, y≈10–95 at the start).
    expect(cx).toBeGreaterThan(110);
    expect(cx).toBeLessThan(190);
    expect(cy).toBeGreaterThan(50);
    expect(cy).toBeLessThan(140);

    const measured = out.map((f) => core.reduce((s, p) => s + meanLuma(f, p % width, Math.floor(p / width), (p % width) + 1, Math.floor(p / width) + 1), 0) / core.length);
    const samples = new Float32Array(
      new Uint8Array(ffmpeg(['-i', SPEECH, '-ac', '1', '-ar', '16000', '-f', 'f32le', 'pipe:1'])).buffer,
    );
    const expected = expectedBrightness(samples, out.length, 25);
    const { lag, r, byLag } = bestLag(measured, expected, 3);
    expect(r).toBeGreaterThan(0.9);
    expect(Math.abs(lag)).toBeLessThanOrEqual(1);
    expect(byLag.get(0)!).toBeGreaterThan(0.9);
  });
});

describe('FACE_DETECT_EVERY', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  it('runs the detector on every Nth frame while a face moves smoothly, and still syncs every frame', async () => {
    const config = await testModelConfig(dir, { FACE_DETECT_EVERY: '3' });
    const template = makeMovingTemplate(path.join(dir, 'moving.mp4'), { seconds: 8, fps: 25 });
    const spy = vi.spyOn(FaceDetector.prototype, 'detectNear');
    try {
      const result = await renderClip({ audioPath: SPEECH, templatePath: template, outputPath: path.join(dir, 'out.mp4') }, {}, undefined, undefined, { config });
      expect(result.framesWithFace).toBe(result.frames);
      // Key frames 0, 3, 6, …, and the last frame (which settles the ones before it).
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(result.frames / 3));
      expect(spy.mock.calls.length).toBeLessThanOrEqual(Math.ceil(result.frames / 3) + 1);
    } finally {
      spy.mockRestore();
    }
  });
});
