import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoopMode, PipelineConfig } from '../../../src/config/index.js';
import { InputError } from '../../../src/errors.js';
import type { RgbImage } from '../../../src/pipeline/media/image.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { templateIndexAt } from '../../../src/pipeline/timeline/lengthPolicy.js';
import { ffmpeg, ffprobe, PORTRAIT, readAllFrames, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

const AUDIO_FRAMES_AT_25 = 184; // speech-en.wav is 7.37 s

/**
 * The portrait above a black strip where a red square slides 4 px per template frame:
 * the square's x position in an output frame tells which template frame it shows.
 */
function makeMarkedTemplate(out: string, frames: number): string {
  ffmpeg([
    '-loop', '1', '-i', PORTRAIT,
    '-f', 'lavfi', '-i', 'color=c=red:s=16x16:r=25',
    '-filter_complex', "[0]fps=25,pad=320:344:0:0,format=yuv420p[bg];[bg][1]overlay=x='4*n':y=328:shortest=1",
    '-frames:v', String(frames), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out,
  ]);
  return out;
}

function markerX(frame: RgbImage): number {
  const y = 336;
  for (let x = 0; x < frame.width; x++) {
    const p = (y * frame.width + x) * 3;
    if (frame.data[p]! > 170 && frame.data[p + 1]! < 90 && frame.data[p + 2]! < 90) return x;
  }
  return -1;
}

/** Template frame index shown in `frame`, relative to where the marker sits in the template's first frame. */
function markerIndexer(template: string): (frame: RgbImage) => number {
  const x0 = markerX(readAllFrames(template)[0]!);
  return (frame) => Math.round((markerX(frame) - x0) / 4);
}

describe('templates of every shape', () => {
  const { dir, cleanup } = tempDir();
  let config: PipelineConfig;
  const render = (templatePath: string, name: string, loopMode?: LoopMode) =>
    renderClip({ audioPath: SPEECH, templatePath, outputPath: path.join(dir, `${name}.mp4`) }, { loopMode }, undefined, undefined, { config });

  beforeAll(async () => {
    config = await testModelConfig(dir);
  });
  afterAll(cleanup);

  it('a still picture becomes a clip of the audio length at 25 fps', async () => {
    const result = await render(PORTRAIT, 'still');
    expect(result.frames).toBe(AUDIO_FRAMES_AT_25);
    expect(result.framesWithFace).toBe(AUDIO_FRAMES_AT_25);
    const video = ffprobe(result.outputPath).streams.find((s) => s.codec_type === 'video')!;
    expect(video.r_frame_rate).toBe('25/1');
    expect([video.width, video.height]).toEqual([320, 320]);
  });

  it.each<[LoopMode, number]>([
    ['pingpong', 40],
    ['loop', 40],
    ['freeze', 40],
  ])('a short template loops in %s mode, frame by frame', async (mode, templateFrames) => {
    const template = makeMarkedTemplate(path.join(dir, `marked-${mode}.mp4`), templateFrames);
    const result = await render(template, `short-${mode}`, mode);
    expect(result.frames).toBe(AUDIO_FRAMES_AT_25);
    const shown = readAllFrames(result.outputPath).map(markerIndexer(template));
    const expected = shown.map((_, i) => templateIndexAt(i, templateFrames, mode));
    expect(shown).toEqual(expected);
  });

  it('a long template is cut at the audio length', async () => {
    const template = makeMarkedTemplate(path.join(dir, 'marked-long.mp4'), 70);
    // 70 frames of marker then the clip continues only as long as the audio
    const longer = path.join(dir, 'long.mp4');
    ffmpeg(['-i', template, '-vf', 'tpad=stop_mode=clone:stop_duration=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', longer]);
    const result = await render(longer, 'cut');
    expect(result.frames).toBe(AUDIO_FRAMES_AT_25);
    const shown = readAllFrames(result.outputPath).map(markerIndexer(template)).slice(0, 70);
    expect(shown).toEqual(shown.map((_, i) => i));
  });

  it('honours rotation metadata: a portrait phone video comes out upright', async () => {
    // Upright 320×400 picture stored sideways (rotated 90° counter-clockwise) with a "rotate 90° clockwise" tag.
    const sideways = path.join(dir, 'sideways.mp4');
    const rotated = path.join(dir, 'rotated.mp4');
    ffmpeg(['-loop', '1', '-i', PORTRAIT, '-vf', 'pad=320:400:0:40,transpose=2', '-frames:v', '60', '-r', '25', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', sideways]);
    // Tagging while stream-copying writes the display matrix the way phones do.
    ffmpeg(['-i', sideways, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const stored = ffprobe(rotated).streams.find((s) => s.codec_type === 'video')!;
    expect([stored.width, stored.height]).toEqual([400, 320]);
    const result = await render(rotated, 'rotated');
    expect([result.width, result.height]).toEqual([320, 400]);
    // Faces are only found when the picture is upright.
    expect(result.framesWithFace).toBe(result.frames);
  });

  it('handles odd dimensions by rendering at the nearest even size', async () => {
    const odd = path.join(dir, 'odd.mp4');
    ffmpeg(['-loop', '1', '-i', PORTRAIT, '-vf', 'scale=321:243,format=yuv444p', '-frames:v', '50', '-r', '25', '-c:v', 'libx264', odd]);
    const result = await render(odd, 'odd');
    expect([result.width, result.height]).toEqual([320, 242]);
    const video = ffprobe(result.outputPath).streams.find((s) => s.codec_type === 'video')!;
    expect([video.width, video.height]).toEqual([320, 242]);
  });

  it('turns variable frame rate into constant frame rate', async () => {
    const vfr = path.join(dir, 'vfr.mkv');
    // Drop every third frame while keeping timestamps: 25 fps timebase with gaps, average ~16.7 fps.
    ffmpeg(['-loop', '1', '-i', PORTRAIT, '-vf', "fps=25,select='not(eq(mod(n\\,3)\\,1))'", '-vsync', 'vfr', '-t', '9', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', vfr]);
    const result = await render(vfr, 'vfr');
    const video = ffprobe(result.outputPath).streams.find((s) => s.codec_type === 'video')!;
    expect(video.r_frame_rate).toBe(video.avg_frame_rate);
    const frames = Number(video.nb_read_frames);
    expect(frames).toBe(result.frames);
    expect(Math.abs(frames / result.fps - 7.37)).toBeLessThanOrEqual(1 / result.fps + 0.01);
  });

  it('fails with a clear input error when the template has no face at all', async () => {
    const noFace = path.join(dir, 'pattern.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', noFace]);
    const err = await render(noFace, 'noface').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('no-face');
    expect((err as InputError).message).toContain('pattern.mp4');
  });

  it('passes frames through unchanged when the face leaves the picture midway', async () => {
    const leaving = path.join(dir, 'leaving.mp4');
    // The portrait slides right across a 480×320 canvas and is gone after ~1.2 s.
    ffmpeg([
      '-f', 'lavfi', '-i', 'color=c=gray:s=480x320:r=25', '-loop', '1', '-i', PORTRAIT,
      '-filter_complex', "[0][1]overlay=x='20+12*n':y=0:shortest=1", '-t', '8', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', leaving,
    ]);
    const result = await render(leaving, 'leaving');
    expect(result.frames).toBe(AUDIO_FRAMES_AT_25);
    expect(result.framesWithFace).toBeGreaterThan(5);
    expect(result.framesWithFace).toBeLessThan(50);
    const frames = readAllFrames(result.outputPath);
    // Late frames are the bare canvas, untouched.
    const late = frames[150]!;
    let maxDev = 0;
    for (let p = 0; p < late.data.length; p++) maxDev = Math.max(maxDev, Math.abs(late.data[p]! - late.data[0]!));
    expect(maxDev).toBeLessThan(6);
  });
});
