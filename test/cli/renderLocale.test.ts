import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SPEECH, tempDir } from '../support/media.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

/** The operator CLI words refusals in DEFAULT_LOCALE (its own labels stay English: it is an operator's tool). */
describe('lipsync render: DEFAULT_LOCALE', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);

  function refusal(env: Record<string, string>): string | null {
    const res = spawnSync(process.execPath, [CLI, 'render', '--audio', SPEECH, '--video', SPEECH, '--out', path.join(dir, 'out'), '--engine', 'builtin', '--json'], {
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
      encoding: 'utf8',
    });
    expect(res.status, res.stderr).toBe(1);
    return (JSON.parse(res.stdout) as { error: string | null }[])[0]!.error;
  }

  it('zh-CN words a probe refusal in Chinese; the default stays English', () => {
    expect(refusal({ DEFAULT_LOCALE: 'zh-CN' })).toBe('speech-en.wav 没有视频流。');
    expect(refusal({ DEFAULT_LOCALE: '' })).toBe('speech-en.wav has no video stream.');
  });
});
