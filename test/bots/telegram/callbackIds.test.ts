import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/fakeTelegram.js';
import { RedisMonitor } from '../../support/redisMonitor.js';
import { alice, BotHarness, dmWith, WAIT_MS } from './botHarness.js';

describe('telegram callback data is checked before it names a Redis key', () => {
  let h: BotHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('forged button data (any client can send it) is answered "out of date" and never reaches Redis', async () => {
    h = await BotHarness.create('tg-callback-ids');
    await h.startBot();
    const { tg } = h;
    const chat = dmWith(alice);
    tg.sendText(alice, chat, '/help');
    const message = await h.waitMessage(chat, /1\) Send an audio/);

    const monitor = await RedisMonitor.start();
    try {
      for (const data of ['k:bEVIL*', 'k:bEVIL}{', `k:b${'EVIL'.repeat(15)}`, `x:${alice.id}:EVIL`, 'r:EVIL']) {
        const id = tg.pressButton(alice, message, data);
        const answer = await waitUntil(`${data} answered`, () => tg.callbackAnswers.find((a) => a.id === id), WAIT_MS, () => h!.dump(chat));
        expect(answer.text).toBe('That button is out of date.');
      }
      // MONITOR reports commands in order: once this one shows up, every earlier command has too.
      const sentinel = `sentinel-${Date.now()}`;
      await h.q.redis.exists(sentinel);
      await waitUntil('the sentinel in MONITOR', () => monitor.sawCommandWith(sentinel), WAIT_MS);
    } finally {
      monitor.stop();
    }
    expect(monitor.linesWith('EVIL')).toEqual([]);
  });
});
