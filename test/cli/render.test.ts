import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { ffprobe, makeMovingTemplate, PORTRAIT, SPEECH, tempDir } from '../support/media.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

function lipsync(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_FORMAT: 'json', ...env }, encoding: 'utf8' });
}

describe('lipsync render', () => {
  const { dir, cleanup } = tempDir();
  const model = path.join(dir, 'test.onnx');
  let template: string;
  beforeAll(async () => {
    await writeTestModel(model);
    template = makeMovingTemplate(path.join(dir, 'clip one.mp4'), { seconds: 2 });
  });
  afterAll(cleanup);

  it('renders every template, keeps going after a failure, and reports JSON with a failing exit code', () => {
    const out = path.join(dir, 'out');
    const res = lipsync(['render', '--audio', SPEECH, '--video', template, '--video', SPEECH, '--video', PORTRAIT, '--out', out, '--model', model, '--engine', 'wav2lip', '--json']);
    expect(res.status).toBe(1);
    const results = JSON.parse(res.stdout) as Array<{ input: string; output: string | null; frames: number; framesWithFace: number; seconds: number; error: string | null }>;
    expect(results.map((r) => r.error)).toEqual([null, 'speech-en.wav has no video stream.', null]);
    expect(results[0]!.output).toBe(path.join(out, 'clip_one.mp4'));
    expect(results[2]!.output).toBe(path.join(out, 'face-astronaut-320.mp4'));
    for (const r of [results[0]!, results[2]!]) {
      expect(existsSync(r.output!)).toBe(true);
      expect(r.frames).toBe(184);
      expect(r.framesWithFace).toBe(184);
      expect(ffprobe(r.output!).streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    }
  });

  it('exits 0 when every clip renders', () => {
    const res = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', path.join(dir, 'ok'), '--model', model, '--engine', 'wav2lip']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/✓ .*face-astronaut-320\.png → .*face-astronaut-320\.mp4 \(184 frames/);
  });

  it('names the missing model path when wav2lip is requested explicitly', () => {
    const missing = path.join(dir, 'nowhere', 'wav2lip_gan.onnx');
    const res = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', path.join(dir, 'x'), '--model', missing, '--engine', 'wav2lip', '--json']);
    expect(res.status).toBe(1);
    const [result] = JSON.parse(res.stdout) as Array<{ error: string }>;
    expect(result!.error).toContain(`Model file not found: ${missing}`);
    expect(result!.error).toContain('models/README.md');
  });

  it('reports bad settings by name with exit code 2, not a stack trace', () => {
    const res = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', path.join(dir, 'bad')], { LIPSYNC_ENGINE: 'nope' });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^Invalid configuration:\n  LIPSYNC_ENGINE: .*\(got "nope"\)/);
    expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('explains bad flags', () => {
    const res = lipsync(['render', '--audio', SPEECH, '--out', dir]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/--video/);
  });

  it('checks --box syntax (Y1,Y2,X1,X2) before rendering anything', () => {
    for (const [box, message] of [
      ['10,20,30', /"10,20,30" is not a box: give four whole pixel numbers Y1,Y2,X1,X2/],
      ['50,40,0,10', /box 50,40,0,10 is empty: it needs Y1 < Y2 and X1 < X2/],
    ] as const) {
      const res = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', path.join(dir, 'box'), '--box', box]);
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(message);
      expect(existsSync(path.join(dir, 'box'))).toBe(false);
    }
  });

  it('renders a fixed --box with the preview engine; a box outside the picture is a clear per-clip error', () => {
    const out = path.join(dir, 'boxed');
    const ok = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', out, '--engine', 'builtin', '--box', '34,124,106,172', '--json']);
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as Array<{ framesWithFace: number; frames: number }>)[0]).toMatchObject({ frames: 184, framesWithFace: 184 });
    const bad = lipsync(['render', '--audio', SPEECH, '--video', PORTRAIT, '--out', out, '--engine', 'builtin', '--box', '400,500,0,10', '--json']);
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as Array<{ error: string }>)[0]!.error).toMatch(/The box 400,500,0,10 \(Y1,Y2,X1,X2\) lies outside face-astronaut-320\.png/);
  });
});
