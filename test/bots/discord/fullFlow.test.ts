import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../../scripts/make-test-model.js';
import { ffmpeg, makeMovingTemplate, PORTRAIT, SPEECH } from '../../support/media.js';
import { ana, DiscordWorld, until, WAIT_MS } from './harness.js';

/**
 * The whole path: /lipsync with 1 audio + 3 templates → a thread from the reply → a status message posted and
 * edited with the bot token → the real worker renders with the test model → clips delivered as attachments, a
 * link for the one over the interaction's attachment_size_limit, then the batch link.
 */
describe('discord /lipsync end to end', () => {
  let w: DiscordWorld | undefined;
  afterEach(async () => {
    await w?.close();
    w = undefined;
  });

  it('renders three clips into a new thread, as attachments and one link', { timeout: 4 * WAIT_MS }, async () => {
    w = await DiscordWorld.create('full');
    const dir = w.tempDir;
    const model = path.join(dir, 'test.onnx');
    await writeTestModel(model);
    const audioFile = path.join(dir, 'speech.wav');
    ffmpeg(['-i', SPEECH, '-t', '1.5', audioFile]);
    const moving = makeMovingTemplate(path.join(dir, 'moving.mp4'), { seconds: 2, fps: 25 });
    // High resolution and noise: a much larger output than the other two.
    const big = makeMovingTemplate(path.join(dir, 'big.mp4'), { seconds: 2, fps: 25, size: 640, vf: 'noise=alls=60:allf=t' });

    await w.q.startWorker(null, { LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
    await w.startBot();
    const d = w.discord;
    const limit = 400 * 1024;
    const rec = d.slash({
      user: ana,
      name: 'lipsync',
      attachments: { audio: await d.attachment(audioFile), video: await d.attachment(PORTRAIT), video2: await d.attachment(moving), video3: await d.attachment(big) },
      attachmentSizeLimit: limit,
    });

    const thread = await until('a thread from the reply', () => d.threadsOf(d.channelId)[0]);
    expect(thread.starterMessageId).toBe(rec.original?.id);
    expect(rec.original?.content).toMatch(/ana started a lipsync batch of 3 clips/);
    const status = await until('the status message', () => d.channelMessages(thread.id)[0]);
    expect(status.interaction).toBeUndefined();

    await until('the final batch link', () => d.channelMessages(thread.id).find((m) => m.content.startsWith('All clips of this batch')));
    const messages = d.channelMessages(thread.id);
    const withFiles = messages.filter((m) => m.attachments.length > 0);
    const links = messages.filter((m) => /is too large to send here: http:\/\/links\.test\/c\//.test(m.content));
    expect(withFiles.length + links.length).toBe(3);
    expect(links).toHaveLength(1);
    expect(links[0]!.content).toMatch(/big\.mp4/);
    expect(withFiles.every((m) => m.attachments[0]!.filename.endsWith('.mp4') && m.attachments[0]!.size <= limit)).toBe(true);

    // The status message was edited (bot token, not the interaction webhook) and shows the end state.
    expect(status.history.length).toBeGreaterThan(1);
    expect(status.content).toMatch(/Done: all 3 clips/);
    const edits = d.calls.filter((c) => c.method === 'PATCH' && c.path.includes(`/channels/${thread.id}/messages/${status.id}`));
    expect(edits.length).toBeGreaterThan(0);
    expect(d.authHeaders.filter((h) => h.path.startsWith('/channels/')).every((h) => h.auth === `Bot ${d.token}`)).toBe(true);
    // Edits at most every 2 s per message (a small allowance for timer jitter).
    const gaps = edits.slice(1).map((e, i) => e.at - edits[i]!.at);
    expect(gaps.every((g) => g >= 1900)).toBe(true);
    expect(w.logLines.join('\n')).not.toContain(d.token);
  });
});
