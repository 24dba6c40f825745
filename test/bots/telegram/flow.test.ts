import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { alice, bob, BotHarness, dmWith, group, makeInputs, renderHash, WAIT_MS } from './botHarness.js';

/** Conversation flows against the fake Bot API, with the real queue and a worker whose renders sleep. */
describe('telegram bot: conversation', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('explains what is missing when Render comes before any audio, and refuses text files and 30 MB uploads', async () => {
    h = await BotHarness.create('tg-refuse');
    await h.startBot();
    const chat = dmWith(alice);
    const { tg } = h;

    tg.sendText(alice, chat, '/render');
    await h.waitMessage(chat, /Nothing to render yet: first send an audio/);

    await tg.sendMedia(alice, chat, 'document', { declaredSize: 1200, fileName: 'notes.txt', mimeType: 'text/plain' });
    await h.waitMessage(chat, /"notes\.txt" is not something I can use/);

    await tg.sendMedia(alice, chat, 'video', { declaredSize: 30 * 1024 * 1024, fileName: 'big.mp4', mimeType: 'video/mp4', duration: 20 });
    const big = await h.waitMessage(chat, /30 MB/);
    expect(big.text).toContain('bots can only download files up to 20 MB here');
    expect(big.text).toContain('local Bot API server');
    expect(tg.calls.filter((c) => c.method === 'getFile')).toHaveLength(0);

    // A video sent with /audio is used for its sound: this one has none, which the probe explains before queueing.
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await tg.sendMedia(alice, chat, 'video', { file: media.video(1), fileName: 'silent.mp4', mimeType: 'video/mp4' }, { caption: '/audio' });
    await h.waitMessage(chat, /^silent\.mp4 has no sound track to use as the audio\./);

    tg.sendText(alice, chat, '/help');
    await h.waitMessage(chat, /1\) Send an audio/);
    expect(tg.allBotText()).not.toContain(tg.token);
    expect(h.logLines.join('')).not.toContain(tg.token.split(':')[1]);
  });

  it('audio + album of 3 → Render → progress edits → 3 videos, in the right order and from the right inputs', async () => {
    h = await BotHarness.create('tg-flow');
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await h.q.startWorker(1_500);
    await h.startBot();
    const { tg } = h;
    const chat = dmWith(alice);
    const audio = media.speech(1.5);

    await tg.sendMedia(alice, chat, 'voice', { file: audio, duration: 2 });
    await h.waitMessage(chat, /^Audio set: 1\.5 s\. Now send one or more face videos or photos\./);
    const album = 'album-1';
    await tg.sendMedia(alice, chat, 'video', { file: media.video(1), fileName: 'one.mp4', mimeType: 'video/mp4' }, { mediaGroupId: album });
    await tg.sendMedia(alice, chat, 'photo', { file: media.photo }, { mediaGroupId: album });
    await tg.sendMedia(alice, chat, 'video', { file: media.video(2), fileName: 'three.mp4', mimeType: 'video/mp4' }, { mediaGroupId: album });
    const ack = await h.waitMessage(chat, /3 templates added \(3 in all\)\. Press Render/);
    expect(tg.messagesIn(chat.id).filter((m) => /templates? .*added/.test(m.text))).toHaveLength(1);

    tg.pressButton(alice, ack, tg.button(ack, '▶ Render'));
    const progress = await h.waitMessage(chat, /Audio: voice message/);
    await waitUntil('3 videos', () => tg.videosIn(chat.id).length === 3, WAIT_MS, () => h!.dump(chat));
    await waitUntil('final progress text', () => progress.text.startsWith('✅ Done: all 3 clips.'), WAIT_MS, () => h!.dump(chat));

    // Progress went through waiting/rendering states with a bar, and ended with ✓ per clip and no buttons.
    const texts = progress.edits.map((e) => e.text);
    expect(texts.some((t) => /▓*░+ \d+% · 25 fps/.test(t))).toBe(true);
    expect(progress.text).toMatch(/1\. one\.mp4 — ✓ done\n2\. photo 2 — ✓ done\n3\. three\.mp4 — ✓ done/);
    expect(progress.keyboard).toBeUndefined();
    expect(progress.text).toContain('attachments only');
    // Never an edit with unchanged text (the fake would have answered 400), and no flood: with a 500 ms interval
    // (network jitter allowed for) there is at most about one edit per interval.
    expect(tg.calls.filter((c) => c.method === 'editMessageText')).toHaveLength(progress.edits.length);
    for (let i = 1; i < progress.edits.length; i++) {
      expect(progress.edits[i]!.text !== progress.edits[i - 1]!.text || JSON.stringify(progress.edits[i]!.keyboard) !== JSON.stringify(progress.edits[i - 1]!.keyboard)).toBe(true);
      expect(progress.edits[i]!.at - progress.edits[i - 1]!.at).toBeGreaterThanOrEqual(250);
    }
    const span = progress.edits.at(-1)!.at - progress.edits[0]!.at;
    expect(progress.edits.length).toBeLessThanOrEqual(Math.floor(span / 500) + 2);

    const videos = tg.videosIn(chat.id);
    expect(videos.map((v) => v.caption)).toEqual(['1/3: one.mp4', '2/3: photo 2', '3/3: three.mp4']);
    expect(videos.every((v) => v.supportsStreaming && v.method === 'sendVideo')).toBe(true);
    const expected = [await renderHash(audio, media.video(1)), await renderHash(audio, media.photo), await renderHash(audio, media.video(2))];
    const got = await Promise.all(videos.map(async (v) => (await readFile(v.path, 'utf8')).split('\n')[1]));
    expect(got).toEqual(expected);

    // /history lists the batch; the audio stays for the next batch.
    tg.sendText(alice, chat, '/history');
    await h.waitMessage(chat, /Your recent batches:\n• .* UTC: 3\/3 done/);
    tg.sendText(alice, chat, '/status');
    await h.waitMessage(chat, /Ready to render: audio 1\.5 s, 0 templates\./);
  });

  it('two users in one forum topic render at the same time without mixing inputs', async () => {
    h = await BotHarness.create('tg-group');
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    await h.q.startWorker(500);
    await h.startBot();
    const { tg } = h;
    const topic = 42;
    const audioA = media.speech(1.2, 'a.ogg');
    const audioB = media.speech(1.7, 'b.ogg');

    await tg.sendMedia(alice, group, 'audio', { file: audioA, fileName: 'alice.ogg', mimeType: 'audio/ogg', duration: 1 }, { threadId: topic });
    await tg.sendMedia(bob, group, 'audio', { file: audioB, fileName: 'bob.ogg', mimeType: 'audio/ogg', duration: 2 }, { threadId: topic });
    await tg.sendMedia(alice, group, 'video', { file: media.video(1), fileName: 'alice-face.mp4', mimeType: 'video/mp4' }, { threadId: topic });
    await tg.sendMedia(bob, group, 'video', { file: media.video(2), fileName: 'bob-face.mp4', mimeType: 'video/mp4' }, { threadId: topic });
    await tg.sendMedia(bob, group, 'photo', { file: media.photo }, { threadId: topic });
    const ackA = await h.waitMessage(group, /^Alice: Template 1 added/, topic);
    const ackB = await h.waitMessage(group, /^Bob: Template 2 added/, topic);

    // Bob cannot press Alice's buttons.
    const foreign = tg.pressButton(bob, ackA, tg.button(ackA, '▶ Render'));
    await waitUntil('answer to a foreign press', () => tg.callbackAnswers.find((a) => a.id === foreign));
    expect(tg.callbackAnswers.find((a) => a.id === foreign)?.text).toMatch(/belong to someone else/);

    tg.pressButton(alice, ackA, tg.button(ackA, '▶ Render'));
    tg.sendText(bob, group, '/render@lipsync_test_bot', { threadId: topic });
    await waitUntil('3 videos', () => tg.videosIn(group.id).length === 3, WAIT_MS, () => h!.dump(group));
    await h.waitMessage(group, /^Alice: ✅ Done\./, topic);
    await h.waitMessage(group, /^Bob: ✅ Done: all 2 clips\./, topic);

    const byCaption = new Map(await Promise.all(tg.videosIn(group.id).map(async (v) => [v.caption, (await readFile(v.path, 'utf8')).split('\n')[1]] as const)));
    expect(byCaption.get('alice-face.mp4')).toBe(await renderHash(audioA, media.video(1)));
    expect(byCaption.get('1/2: bob-face.mp4')).toBe(await renderHash(audioB, media.video(2)));
    expect(byCaption.get('2/2: photo 2')).toBe(await renderHash(audioB, media.photo));
    // Everything stayed in the topic.
    expect(tg.messagesIn(group.id).every((m) => m.threadId === topic)).toBe(true);
    expect(tg.videosIn(group.id).every((v) => v.threadId === topic)).toBe(true);
    expect(ackB.text).toContain('Press Render');
  });
});
