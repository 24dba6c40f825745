import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PipelineConfig } from '../../../src/config/index.js';
import { CancelledError, InputError } from '../../../src/errors.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { ffmpeg, makeMovingTemplate, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

/** ffmpeg/ffprobe processes that are children of this test process. */
function mediaChildren(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,comm=']).toString();
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, ppid, comm]) => Number(ppid) === process.pid && /ffmpeg|ffprobe/.test(comm ?? ''))
    .map(([pid, , comm]) => `${pid} ${comm}`);
}

describe('bad inputs fail with their own clear input error and leave nothing running', () => {
  const { dir, cleanup } = tempDir();
  let config: PipelineConfig;
  let template: string;
  const out = () => path.join(dir, `out-${Math.random().toString(36).slice(2)}.mp4`);
  const renderWith = (audioPath: string, templatePath: string, cfg: PipelineConfig = config, labels: { audioLabel?: string; templateLabel?: string } = {}) =>
    renderClip({ audioPath, templatePath, outputPath: out(), ...labels }, {}, undefined, undefined, { config: cfg }).then(
      () => undefined,
      (e: unknown) => e,
    );

  beforeAll(async () => {
    config = await testModelConfig(dir);
    template = makeMovingTemplate(path.join(dir, 'template.mp4'), { seconds: 2 });
  });
  afterEach(() => {
    expect(mediaChildren()).toEqual([]);
    // No partial outputs left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
  });
  afterAll(cleanup);

  async function expectInputError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
    const err = await promise;
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe(code);
    expect((err as InputError).message).toMatch(message);
  }

  it('zero-byte file', async () => {
    const empty = path.join(dir, 'empty.mp4');
    writeFileSync(empty, '');
    await expectInputError(renderWith(SPEECH, empty, config, { templateLabel: 'video2.mp4' }), 'empty-file', /^video2\.mp4 is empty/);
  });

  it('truncated MP4', async () => {
    const truncated = path.join(dir, 'truncated.mp4');
    // Without faststart the index comes last: an upload cut short has no index at all.
    copyFileSync(template, truncated);
    truncateSync(truncated, Math.floor(readFileSync(template).length / 2));
    await expectInputError(renderWith(SPEECH, truncated), 'unreadable', /truncated\.mp4 isn't a video.*damaged, incomplete/);
  });

  it('a text file renamed .mp4', async () => {
    const text = path.join(dir, 'notes.mp4');
    writeFileSync(text, 'Dear team, here are the meeting notes.\n'.repeat(50));
    await expectInputError(renderWith(SPEECH, text), 'unreadable', /notes\.mp4 isn't a video/);
  });

  it('an audio-only file as the template', async () => {
    await expectInputError(renderWith(SPEECH, SPEECH, config, { templateLabel: 'voice.wav' }), 'no-video-stream', /^voice\.wav has no video stream\.$/);
  });

  it('a video without sound as the audio', async () => {
    await expectInputError(renderWith(template, template, config, { audioLabel: 'silent.mp4' }), 'no-audio-stream', /^silent\.mp4 has no sound track/);
  });

  it('an HLS playlist pointing at a local file, under any name', async () => {
    const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://${template}\n#EXT-X-ENDLIST\n`;
    for (const name of ['list.m3u8', 'sneaky.mp4']) {
      const file = path.join(dir, name);
      writeFileSync(file, playlist);
      await expectInputError(renderWith(SPEECH, file), 'unreadable', /isn't a video/);
    }
  });

  it('a concat list pointing at a local file', async () => {
    const list = path.join(dir, 'clip.mp4');
    writeFileSync(list, `ffconcat version 1.0\nfile '${template}'\nfile '/etc/passwd'\n`);
    await expectInputError(renderWith(SPEECH, list), 'unreadable', /isn't a video/);
  });

  it('a file over the size cap', async () => {
    const small = { ...config, limits: { ...config.limits, maxFileBytes: 50 * 1024 } };
    await expectInputError(renderWith(SPEECH, template, small), 'file-too-large', /speech-en\.wav is 230 KB; the limit is 50 KB/);
  });

  it('audio over the length cap, worded for a person', async () => {
    const strict = loadConfig({ LIPSYNC_MODEL: config.modelPath, LIPSYNC_ENGINE: 'wav2lip', MAX_AUDIO_SECONDS: '5' }).pipeline;
    await expectInputError(renderWith(SPEECH, template, strict), 'too-long', /^the audio is 7\.4 s long; the limit is 5 s\.$/);
    const long = path.join(dir, 'long.wav');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:d=840', '-ar', '8000', long]);
    await expectInputError(renderWith(long, template), 'too-long', /^the audio is 14 min long; the limit is 10 min\.$/);
  });

  it('an unsupported codec', async () => {
    const mpeg2 = path.join(dir, 'old.avi');
    ffmpeg(['-i', template, '-c:v', 'mpeg2video', mpeg2]);
    await expectInputError(renderWith(SPEECH, mpeg2), 'unsupported-codec', /old\.avi uses the mpeg2video video codec/);
  });

  it('cancel mid-render stops ffmpeg and removes the partial output', async () => {
    const controller = new AbortController();
    const target = out();
    const promise = renderClip({ audioPath: SPEECH, templatePath: template, outputPath: target }, {}, (p) => {
      if (p.stage === 'render' && p.framesDone > 10) controller.abort();
    }, controller.signal, { config });
    const err = await promise.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(existsSync(target)).toBe(false);
  });
});
