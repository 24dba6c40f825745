import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramService } from '../../../src/bots/telegram/service.js';
import type { Service } from '../../../src/queue/index.js';
import { livenessReport } from '../../../src/web/liveness.js';
import { QueueHarness } from '../../queue/harness.js';
import { TEST_REDIS_URL } from '../../support/redis.js';
import { StubBotApi } from '../../support/stubBotApi.js';

describe('telegram polling that dies is fatal', () => {
  let q: QueueHarness | undefined;
  let api: StubBotApi | undefined;
  let service: Service | null = null;
  afterEach(async () => {
    await service?.stop();
    await api?.close();
    await q?.close();
    service = null;
    api = undefined;
    q = undefined;
  });

  for (const failure of [409, 401] as const) {
    it(`getUpdates answering ${failure}: health says so and onFatal is called once, without the token`, async () => {
      q = await QueueHarness.create(`tg-fatal-${failure}`);
      api = await StubBotApi.start(failure);
      const lines: string[] = [];
      const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
      const fatal: Error[] = [];
      let onFatal!: (err: Error) => void;
      const called = new Promise<Error>((resolve) => {
        onFatal = (err) => {
          fatal.push(err);
          resolve(err);
        };
      });
      service = createTelegramService(
        { queueConfig: q.config, redisUrl: () => TEST_REDIS_URL, log, onFatal },
        { env: { ...process.env, ...q.env, TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, BOT_TEMP_DIR: path.join(q.dir, 'bot-tmp') } },
      );
      await service!.start();
      expect(livenessReport().telegram).toMatchObject({ ok: true, state: 'polling' });

      api.release();
      const err = await called;
      expect(err.message).toContain(String(failure));
      expect(err.message).not.toContain(api.token.split(':')[1]!);
      expect(livenessReport().telegram).toMatchObject({ ok: false });
      expect(livenessReport().telegram!.state).toMatch(/^polling stopped: /);
      expect(fatal).toHaveLength(1);
      expect(lines.join('')).not.toContain(api.token.split(':')[1]!);

      await service!.stop();
      service = null;
      expect(livenessReport().telegram).toBeUndefined();
    });
  }
});
