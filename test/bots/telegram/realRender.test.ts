import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../../scripts/make-test-model.js';
import { waitUntil } from '../../support/fakeTelegram.js';
import { ffprobe } from '../../support/media.js';
import { alice, BotHarness, dmWith, makeInputs, WAIT_MS } from './botHarness.js';

/**
 * The whole production path from a chat: fake Bot API → telegraf → core → real queue on Redis → `lipsync worker`
 * in a child process → real renderClip with the tiny test model → videos back in the chat.
 */
describe('telegram bot + real render', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('audio + album of 3 templates → Render → progress edits → 3 playable videos with the audio’s length', async () => {
    h = await BotHarness.create('tg-real');
    const model = path.join(h.q.dir, 'test.onnx');
    await writeTestModel(model);
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await h.q.startWorker(null, { LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
    await h.startBot();
    const { tg } = h;
    const chat = dmWith(alice);
    const audioSeconds = 1.5;

    await tg.sendMedia(alice, chat, 'voice', { file: media.speech(audioSeconds), duration: 2 });
    await h.waitMessage(chat, /^Audio set: 1\.5 s/);
    await tg.sendMedia(alice, chat, 'video', { file: media.video(1), fileName: 'a.mp4', mimeType: 'video/mp4' }, { mediaGroupId: 'g' });
    await tg.sendMedia(alice, chat, 'video', { file: media.video(2), fileName: 'b.mp4', mimeType: 'video/mp4' }, { mediaGroupId: 'g' });
    await tg.sendMedia(alice, chat, 'photo', { file: media.photo }, { mediaGroupId: 'g' });
    const ack = await h.waitMessage(chat, /^3 templates added/);
    tg.pressButton(alice, ack, tg.button(ack, '▶ Render'));
    const progress = await h.waitMessage(chat, /Audio: voice message/);

    await waitUntil('3 videos', () => tg.videos.length === 3, WAIT_MS * 3, () => h!.dump());
    await waitUntil('final text', () => progress.text.startsWith('✅ Done: all 3 clips.'), WAIT_MS, () => h!.dump());
    expect(progress.edits.length).toBeGreaterThanOrEqual(2);
    expect(progress.edits.some((e) => /🎬 Rendering clip/.test(e.text))).toBe(true);

    for (const v of tg.videos) {
      const probe = ffprobe(v.path);
      expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
      expect(Number(probe.format.duration)).toBeCloseTo(audioSeconds, 0);
      expect(v.supportsStreaming).toBe(true);
    }
    expect(tg.videos.map((v) => v.caption)).toEqual(['1/3: a.mp4', '2/3: b.mp4', '3/3: photo 3']);
  });
});
