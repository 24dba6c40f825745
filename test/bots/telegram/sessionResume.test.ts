import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { alice, BotHarness, dmWith, makeInputs, renderHash, WAIT_MS } from './botHarness.js';

/** "Nothing lost": inputs collected in chat outlive a bot restart. */
describe('telegram bot: sessions across restarts', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('keeps audio + 2 templates over a restart, tells the user, and Render then renders the batch', async () => {
    h = await BotHarness.create('tg-session-resume');
    await h.q.startWorker(200);
    await h.startBot();
    const { tg } = h;
    const chat = dmWith(alice);
    const media = await makeInputs(path.join(h.q.dir, 'in'));
    const speech = media.speech(1.3);
    await tg.sendMedia(alice, chat, 'audio', { file: speech, fileName: 'song.ogg', mimeType: 'audio/ogg', duration: 1 });
    await h.waitMessage(chat, /^Audio set/);
    const items = [1, 2].map((k) => ({ kind: 'video' as const, spec: { file: media.video(k), fileName: `v${k}.mp4`, mimeType: 'video/mp4' } }));
    await tg.sendAlbum(alice, chat, items, { mediaGroupId: 'alb' });
    await h.waitMessage(chat, /^2 templates added/);

    await h.stopBot();
    await h.startBot();
    const notice = await h.waitMessage(chat, /^I was restarted and kept what you sent/);
    expect(notice.text).toContain('2 templates');
    tg.pressButton(alice, notice, tg.button(notice, '▶'));
    const progress = await h.waitMessage(chat, /Audio: song\.ogg/);
    await waitUntil('final text', () => progress.text.startsWith('✅ Done: all 2 clips.'), WAIT_MS, () => h!.dump());
    await waitUntil('2 videos', () => tg.videos.length === 2, WAIT_MS, () => h!.dump());
    expect(tg.videos.map((v) => v.caption).sort()).toEqual(['1/2: v1.mp4', '2/2: v2.mp4']);
    // The clips were rendered from the files collected before the restart.
    const hashes = await Promise.all(tg.videos.map(async (v) => (await readFile(v.path, 'utf8')).split('\n')[1]));
    expect(hashes.sort()).toEqual((await Promise.all([1, 2].map((k) => renderHash(speech, media.video(k))))).sort());
  });
});
