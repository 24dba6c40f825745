import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ffprobe, tempDir } from '../support/media.js';

const repo = path.resolve(import.meta.dirname, '../..');

describe('npm run demo', () => {
  const { dir, cleanup } = tempDir('lipsync-demo-');
  afterAll(cleanup);

  it('renders the bundled sample in a clean checkout with no model, falling back to the preview engine', () => {
    // A clean checkout: only tracked files (no models/*.onnx, no out/), plus the installed node_modules.
    const checkout = path.join(dir, 'checkout');
    for (const file of execFileSync('git', ['ls-files'], { cwd: repo }).toString().split('\n').filter(Boolean)) {
      if (!existsSync(path.join(repo, file))) continue;
      mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      cpSync(path.join(repo, file), path.join(checkout, file));
    }
    symlinkSync(path.join(repo, 'node_modules'), path.join(checkout, 'node_modules'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LIPSYNC_|FACE_|LOOP_MODE)/.test(k)));
    const res = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: checkout, env: { ...env, LOG_FORMAT: 'json' }, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const output = path.join(checkout, 'out', 'demo.mp4');
    expect(res.stdout).toContain(`Lip-synced clip: ${output}`);
    expect(res.stdout).toContain('builtin (preview engine');
    // The fallback is announced loudly, naming where the model should be.
    expect(res.stderr).toMatch(/No lip-sync model at models\/wav2lip_gan\.onnx: using the weights-free PREVIEW engine/);
    const info = ffprobe(output);
    expect(info.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    const audioSeconds = Number(ffprobe(path.join(checkout, 'samples', 'speech.wav')).format.duration);
    expect(Math.abs(Number(info.format.duration) - audioSeconds)).toBeLessThan(0.1);
  });
});
