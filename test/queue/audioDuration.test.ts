import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { probeAudioSeconds } from '../../src/queue/audioDuration.js';
import { SPEECH, tempDir } from '../support/media.js';

describe('probeAudioSeconds (the submit-time length check)', () => {
  const { dir, cleanup } = tempDir('lipsync-audio-duration-');
  afterAll(cleanup);

  it('reads the length of an ordinary audio file', async () => {
    const seconds = await probeAudioSeconds(SPEECH);
    expect(seconds).toBeGreaterThan(1);
  });

  it('refuses a concat list that would read other local files', async () => {
    // A list naming a file next to it: ffprobe's concat demuxer opens that file and reports the list's 5 s.
    copyFileSync(SPEECH, path.join(dir, 'secret.wav'));
    const list = path.join(dir, 'upload.ogg');
    writeFileSync(list, "ffconcat version 1.0\nfile 'secret.wav'\nduration 2.5\nfile 'secret.wav'\nduration 2.5\n");
    const err = await probeAudioSeconds(list, 'upload.ogg').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('unreadable-audio');
  });
});
