import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSubmit, type SubmitJson } from '../../src/cli/commands/submit.js';
import { verifyLink } from '../../src/web/links.js';
import { SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';

async function captureStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    const code = await fn();
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

describe('lipsync submit', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('--wait --json prints every clip with its output or error, and exits non-zero when a clip failed', async () => {
    h = await QueueHarness.create('cli');
    await h.startWorker(200);
    const good = await h.template('good.mp4');
    const bad = await h.template('bad.mp4', 'BAD-INPUT');
    const { code, out } = await captureStdout(() => runSubmit({ audio: SPEECH, video: [good, bad], wait: true, json: true }, h!.env));
    expect(code).toBe(1);
    const json = JSON.parse(out) as SubmitJson;
    expect(json.batchId).toMatch(/^b/);
    expect(json.clips).toHaveLength(2);
    expect(json.clips[0]).toMatchObject({ template: 'good.mp4', status: 'done', output: expect.stringMatching(/outputs\/.+\.mp4$/) });
    expect(json.clips[1]).toEqual({
      clipId: `${json.batchId}-2`,
      template: 'bad.mp4',
      status: 'failed',
      output: null,
      error: "I couldn't find a face in bad.mp4. Use a video where one face looks at the camera.",
    });

    // Same good input again: served from the cache, exit code 0.
    const again = await captureStdout(() => runSubmit({ audio: SPEECH, video: [good], wait: true, json: true }, h!.env));
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as SubmitJson).clips[0]?.status).toBe('done');

    // Without --wait it returns at once with the queued clips.
    const fresh = await h.template('new.mp4');
    const queued = await captureStdout(() => runSubmit({ audio: SPEECH, video: [fresh], json: true }, h!.env));
    expect(queued.code).toBe(0);
    expect((JSON.parse(queued.out) as SubmitJson).clips[0]).toMatchObject({ template: 'new.mp4', status: expect.stringMatching(/queued|active|done/) });
    // No LINK_SECRET known here: no links promised.
    expect(JSON.parse(queued.out)).not.toHaveProperty('pageUrl');
  });

  it('--json carries the signed pageUrl and each clip url when links can be signed', async () => {
    h = await QueueHarness.create('cli-links');
    await h.startWorker(200);
    const good = await h.template('good.mp4');
    const bad = await h.template('bad.mp4', 'BAD-INPUT');
    const secret = 's'.repeat(40);
    const env = { ...h.env, LINK_SECRET: secret, PUBLIC_URL: 'https://clips.example.com/' };
    const { out } = await captureStdout(() => runSubmit({ audio: SPEECH, video: [good, bad], wait: true, json: true }, env));
    const json = JSON.parse(out) as SubmitJson;
    const page = new URL(json.pageUrl ?? '');
    expect(page.origin + page.pathname).toBe(`https://clips.example.com/b/${json.batchId}`);
    expect(verifyLink(secret, 'batch', json.batchId, page.searchParams.get('e') ?? undefined, page.searchParams.get('s') ?? undefined).ok).toBe(true);
    const clip = new URL(json.clips[0]?.url ?? '');
    expect(clip.pathname).toBe(`/c/${json.clips[0]?.clipId}`);
    expect(verifyLink(secret, 'clip', json.clips[0]!.clipId, clip.searchParams.get('e') ?? undefined, clip.searchParams.get('s') ?? undefined).ok).toBe(true);
    // A failed clip has nothing to download.
    expect(json.clips[1]).not.toHaveProperty('url');
  });
});
