import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiscordBot } from '../../../src/bots/discord/bot.js';
import { probeInspector } from '../../../src/bots/core/inspect.js';
import { RedisTrackingStore } from '../../../src/bots/core/tracking.js';
import type { DownloadLinks } from '../../../src/bots/core/delivery.js';
import type { StudioLinks } from '../../../src/bots/core/studio.js';
import type { DiscordSettings } from '../../../src/config/discord.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLinkSigner } from '../../../src/web/index.js';
import { FakeDiscord, type FakeUser } from '../../support/fakeDiscord.js';
import { binaries } from '../../support/media.js';
import { QueueHarness } from '../../queue/harness.js';
import { snowflake } from '../../support/fakeDiscord.js';
import { pino } from 'pino';
import { waitUntil } from '../../support/wait.js';

export const WAIT_MS = Number(process.env.DISCORD_WAIT ?? 120_000);

export const ana: FakeUser = { id: snowflake(), username: 'ana' };
export const bob: FakeUser = { id: snowflake(), username: 'bob' };

/** Polls `probe` until it returns something truthy; generous timeout for a loaded machine. */
export function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = WAIT_MS): Promise<T> {
  return waitUntil(what, probe, timeoutMs);
}

/** A fake Discord, a queue world (Redis prefix, data dir) and the real DiscordBot pointed at the fake. */
export class DiscordWorld {
  bot: DiscordBot | null = null;
  readonly logLines: string[] = [];
  /** Studio sign-in links the next startBot gives the bot (none: /lipsync-studio says it is not available). */
  studio: StudioLinks | null = null;

  private constructor(
    readonly discord: FakeDiscord,
    readonly q: QueueHarness,
    readonly tempDir: string,
  ) {}

  static async create(label: string): Promise<DiscordWorld> {
    const discord = new FakeDiscord();
    await discord.start();
    const q = await QueueHarness.create(`discord-${label}`);
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-discord-'));
    return new DiscordWorld(discord, q, tempDir);
  }

  settings(over: Partial<DiscordSettings> = {}): DiscordSettings {
    return {
      token: this.discord.token,
      applicationId: this.discord.applicationId,
      apiRoot: this.discord.apiRoot,
      guildId: this.discord.guildId,
      allowedGuilds: [],
      allowedRoles: [],
      conversation: true,
      registerOnStart: true,
      editIntervalMs: 2000,
      statusMaxAgeMs: 50 * 60_000,
      defaultUploadBytes: 10 * 1024 * 1024,
      maxDownloadBytes: 50 * 1024 * 1024,
      ...over,
    };
  }

  links(): DownloadLinks {
    const signer = createLinkSigner({ secret: 'x'.repeat(40), ttlSeconds: 3600, publicUrl: 'http://links.test' });
    return { clipUrl: (_b, clipId) => signer.clipUrl(clipId), batchUrl: (b) => signer.batchUrl(b) };
  }

  async startBot(over: Partial<DiscordSettings> = {}, onFatal?: (err: Error) => void): Promise<DiscordBot> {
    const app = loadConfig({});
    const { ffprobe } = binaries();
    // Every log line is kept (no redaction hooks here), so tests can check that the token never reaches a log.
    const log = pino({ level: 'debug' }, {
      write: (line: string) => {
        this.logLines.push(line);
        if (process.env.DISCORD_TEST_LOG) process.stderr.write(line);
      },
    });
    const bot = new DiscordBot({
      settings: this.settings(over),
      queue: this.q.queue,
      tracking: new RedisTrackingStore(this.q.redis, this.q.prefix, 'discord', 3600),
      inspector: probeInspector({ ffprobe, timeoutMs: app.pipeline.probeTimeoutMs, limits: app.pipeline.limits }),
      links: this.links(),
      studio: this.studio,
      limits: { maxClips: 10, maxAudioSeconds: 60, maxTemplateSeconds: 60 },
      tempDir: this.tempDir,
      positionRefreshMs: 500,
      log,
      ...(onFatal ? { onFatal } : {}),
    });
    this.bot = bot;
    await bot.start();
    return bot;
  }

  async close(): Promise<void> {
    await this.bot?.stop().catch(() => undefined);
    await this.discord.stop();
    await this.q.close();
    await rm(this.tempDir, { recursive: true, force: true });
  }
}
