import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { createTelegramService } from '../../../src/bots/telegram/service.js';
import type { Service } from '../../../src/queue/index.js';
import { QueueHarness } from '../../queue/harness.js';
import { FakeTelegram, waitUntil, type BotMessage, type FakeChat, type FakeUser } from '../../support/fakeTelegram.js';
import { ffmpeg, makeMovingTemplate, PORTRAIT, SPEECH } from '../../support/media.js';
import { TEST_REDIS_URL } from '../../support/redis.js';

export const WAIT_MS = 90_000;

/** Everything a bot test needs: fake Bot API, real Redis queue world, the Telegram service under test. */
export class BotHarness {
  service: (Service & { bot: unknown }) | null = null;
  logLines: string[] = [];

  private constructor(
    readonly tg: FakeTelegram,
    readonly q: QueueHarness,
  ) {}

  static async create(label: string): Promise<BotHarness> {
    const tg = await FakeTelegram.start();
    const q = await QueueHarness.create(label);
    return new BotHarness(tg, q);
  }

  /** Starts the bot (in this process) with test settings on top of the queue's env. */
  async startBot(env: Record<string, string> = {}): Promise<void> {
    const lines = this.logLines;
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const service = createTelegramService(
      { queueConfig: this.q.config, redisUrl: () => TEST_REDIS_URL, log },
      {
        env: {
          ...process.env,
          ...this.q.env,
          TELEGRAM_BOT_TOKEN: this.tg.token,
          TELEGRAM_API_ROOT: this.tg.url,
          TELEGRAM_MAX_DOWNLOAD_MB: '20',
          TELEGRAM_EDIT_INTERVAL_MS: '500',
          BOT_TEMP_DIR: path.join(this.q.dir, 'bot-tmp'),
          ...env,
        },
        positionRefreshMs: 500,
        albumQuietMs: 400,
      },
    );
    if (!service) throw new Error('telegram service not created');
    this.service = service;
    await service.start();
  }

  async stopBot(): Promise<void> {
    await this.service?.stop();
    this.service = null;
  }

  async close(): Promise<void> {
    await this.stopBot().catch(() => undefined);
    await this.tg.close();
    await this.q.close();
  }

  /** The bot's newest message in a chat whose text matches. */
  async waitMessage(chat: FakeChat, match: RegExp, threadId?: number): Promise<BotMessage> {
    return waitUntil(`a bot message matching ${match}`, () => [...this.tg.messagesIn(chat.id, threadId)].reverse().find((m) => match.test(m.text)), WAIT_MS, () => this.dump(chat));
  }

  /**
   * Alice sends an audio and an album of `templates` videos, then /render; resolves with the progress message.
   * The videos are made before sending: an album's items arrive together, however long ffmpeg takes on a busy machine.
   */
  async submitAlbum(templates: number): Promise<BotMessage> {
    const media = await makeInputs(path.join(this.q.dir, 'in'));
    const chat = dmWith(alice);
    await this.tg.sendMedia(alice, chat, 'audio', { file: media.speech(1.3), fileName: 'song.ogg', mimeType: 'audio/ogg', duration: 1 });
    await this.waitMessage(chat, /^Audio set/);
    const items = Array.from({ length: templates }, (_, k) => ({ kind: 'video' as const, spec: { file: media.video(k + 1), fileName: `v${k + 1}.mp4`, mimeType: 'video/mp4' } }));
    await this.tg.sendAlbum(alice, chat, items, { mediaGroupId: 'alb' });
    await this.waitMessage(chat, new RegExp(`^${templates === 1 ? 'Template 1 added' : `${templates} templates added`}`));
    this.tg.sendText(alice, chat, '/render');
    return this.waitMessage(chat, /Audio: song\.ogg/);
  }

  dump(chat?: FakeChat): string {
    const msgs = chat ? this.tg.messagesIn(chat.id) : this.tg.messages;
    return `messages:\n${msgs.map((m) => `#${m.message_id} ${JSON.stringify(m.text)} edits=${m.edits.length}`).join('\n')}\nvideos: ${this.tg.videos.length}\nlog tail:\n${this.logLines.slice(-15).join('')}`;
  }
}

export const alice: FakeUser = { id: 1001, first_name: 'Alice' };
export const bob: FakeUser = { id: 1002, first_name: 'Bob' };
export const dmWith = (u: FakeUser): FakeChat => ({ id: u.id, type: 'private' });
export const group: FakeChat = { id: -1001234567890, type: 'supergroup', title: 'Friends', is_forum: true };

/** Small real media for the bot's probes: a short moving face, a JPEG photo, and trimmed speech. */
export async function makeInputs(dir: string): Promise<{ video: (n: number) => string; photo: string; speech: (seconds: number, name?: string) => string }> {
  await mkdir(dir, { recursive: true });
  const videoCache = new Map<number, string>();
  const photo = path.join(dir, 'face.jpg');
  ffmpeg(['-i', PORTRAIT, photo]);
  return {
    // Each n gives a distinct file (different length), so renders are never deduplicated across templates.
    video: (n) => {
      const cached = videoCache.get(n);
      if (cached) return cached;
      const out = makeMovingTemplate(path.join(dir, `face${n}.mp4`), { seconds: 1 + n * 0.2, fps: 10, size: 160 });
      videoCache.set(n, out);
      return out;
    },
    photo,
    speech: (seconds, name = `speech-${seconds}.ogg`) => {
      const out = path.join(dir, name);
      ffmpeg(['-i', SPEECH, '-t', String(seconds), '-c:a', 'libopus', out]);
      return out;
    },
  };
}

/** The test renderer writes sha256(audio ‖ template) into its output: tells which inputs a clip used. */
export async function renderHash(audio: string, template: string): Promise<string> {
  return createHash('sha256').update(await readFile(audio)).update(await readFile(template)).digest('hex');
}
