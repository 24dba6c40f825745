import { mkdir } from 'node:fs/promises';
import { ApplicationFlagsBitField, Client, Events, GatewayCloseCodes, GatewayIntentBits, IntentsBitField, Partials, Routes, type RateLimitData } from 'discord.js';
import { ConfigError } from '../../errors.js';
import { botTempPatterns, startTempSweeper } from '../../queue/tempSweep.js';
import type { DiscordSettings } from '../../config/discord.js';
import { ConversationCore, type ConversationDeps } from '../core/conversation.js';
import { systemClock } from '../core/clock.js';
import { registerCommands } from './commands.js';
import { EphemeralScope } from './ephemeral.js';
import { translateError } from './errors.js';
import { handleInteraction, type InteractionDeps } from './interactions.js';
import { forgetLiveness, reportLiveness } from '../../web/liveness.js';
import { noMentions } from './markdown.js';
import { handleMessage } from './messages.js';
import { DiscordPlatform } from './platform.js';
import { UploadLimits } from './uploadLimits.js';
import { discordWords } from './wording.js';

/** What the core needs, minus what the adapter supplies itself (the platform port, allow-list, command spelling). */
export interface DiscordBotDeps extends Omit<ConversationDeps, 'platform' | 'isAllowed' | 'command' | 'historyLimit'> {
  settings: DiscordSettings;
  /** The gateway closed for good (bad token, disallowed intents): see BotServiceContext.onFatal. */
  onFatal?: (err: Error) => void;
}

/** Discord's largest upload (boosted servers); the per-channel limit is checked when sending. */
const MAX_UPLOAD_BYTES = 500 * 1024 * 1024;
const TEXT_LIMIT = 2000;
const TEMP_SWEEP_INTERVAL_MS = 10 * 60_000;
/** A download folder this old is stale whoever made it (a bot on another machine sharing the folder). */
const TEMP_MAX_AGE_MS = 24 * 3_600_000;
/** Discord: 50 requests/s per bot, about 5 message edits per 5 s per channel. */
const DISCORD_EDIT_RATES = { globalPerSecond: 40, perChatPerMinute: () => 50 };

/** Status edits: a 429 comes back to the core's edit scheduler (which coalesces) instead of being slept on here. */
function rejectEditRateLimits(data: RateLimitData): boolean {
  return data.method.toUpperCase() === 'PATCH' && data.route.startsWith('/channels/:id/messages');
}

/**
 * The Discord bot: a discord.js Client (gateway + REST, both pointed at DISCORD_API_ROOT when set) translating
 * slash commands, buttons and thread messages for the platform-neutral ConversationCore.
 */
export class DiscordBot {
  /** Replaced once at start when the gateway refuses the Message Content intent (see start). */
  client: Client;
  readonly core: ConversationCore;
  readonly platform: DiscordPlatform;
  readonly uploads: UploadLimits;
  private readonly conversations = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private stopping = false;
  private tempSweeper: { stop(): Promise<void> } | undefined;
  /** Set while logging in with the Message Content intent: a 4014 then means "fall back", not "give up". */
  private tryingMessageContent = false;
  private readonly interactionDeps: InteractionDeps;

  constructor(private readonly deps: DiscordBotDeps) {
    const s = deps.settings;
    const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages];
    if (s.conversation) intents.push(GatewayIntentBits.MessageContent);
    this.client = new Client({
      intents,
      partials: [Partials.Channel],
      // Default for every message discord.js sends or edits (interaction replies too): nothing the bot says pings.
      allowedMentions: noMentions,
      rest: { ...(s.apiRoot ? { api: s.apiRoot } : {}), rejectOnRateLimit: rejectEditRateLimits },
    });
    this.client.rest.setToken(s.token);
    this.uploads = new UploadLimits(s.defaultUploadBytes);
    const ephemeral = new EphemeralScope();
    const clock = deps.clock ?? systemClock;
    this.platform = new DiscordPlatform({
      rest: this.client.rest,
      token: s.token,
      limits: { uploadBytes: MAX_UPLOAD_BYTES, downloadBytes: s.maxDownloadBytes, downloadLimitLiftable: false, editIntervalMs: s.editIntervalMs, maxTextLength: TEXT_LIMIT, editRates: DISCORD_EDIT_RATES },
      uploads: this.uploads,
      ephemeral,
      statusMaxAgeMs: s.statusMaxAgeMs,
      clock,
    });
    this.core = new ConversationCore({
      platform: this.platform,
      queue: deps.queue,
      tracking: deps.tracking,
      inspector: deps.inspector,
      links: deps.links,
      studio: deps.studio ?? null,
      limits: deps.limits,
      tempDir: deps.tempDir,
      log: deps.log,
      clock,
      command: (name) => (name === 'audio' ? '"audio" as the message text' : `/lipsync-${name}`),
      ...(deps.sessionIdleMs !== undefined ? { sessionIdleMs: deps.sessionIdleMs } : {}),
      ...(deps.sessionPersistence ? { sessionPersistence: deps.sessionPersistence } : {}),
      ...(deps.commandRate ? { commandRate: deps.commandRate } : {}),
      ...(deps.positionRefreshMs !== undefined ? { positionRefreshMs: deps.positionRefreshMs } : {}),
      ...(deps.defaultLocale ? { defaultLocale: deps.defaultLocale } : {}),
    });
    const interactionDeps: InteractionDeps = (this.interactionDeps = {
      rest: this.client.rest,
      core: this.core,
      platform: this.platform,
      queue: deps.queue,
      tracking: deps.tracking,
      inspector: deps.inspector,
      uploads: this.uploads,
      limits: deps.limits,
      tempDir: deps.tempDir,
      conversation: s.conversation,
      conversations: this.conversations,
      access: { guilds: s.allowedGuilds, roles: s.allowedRoles },
      ephemeral,
      log: deps.log,
    });
    this.client.on(Events.InteractionCreate, (i) => this.track(handleInteraction(interactionDeps, i)));
    this.client.on(Events.MessageCreate, (m) =>
      this.track(handleMessage({ core: this.core, access: interactionDeps.access, botUserId: () => this.client.user?.id, conversations: this.conversations, log: deps.log }, m)),
    );
    this.client.on(Events.Error, (err) => deps.log.error({ err: translateError(err, s.token) }, 'discord client error'));
    this.watchGateway();
  }

  /** Checks the intents, registers the commands (when asked), logs in, then resumes running batches. */
  async start(): Promise<void> {
    const s = this.deps.settings;
    await mkdir(this.deps.tempDir, { recursive: true });
    // Download folders of /lipsync commands a killed bot never finished: at start, then now and then.
    this.tempSweeper = startTempSweeper([{ dir: this.deps.tempDir, patterns: botTempPatterns }], { intervalMs: TEMP_SWEEP_INTERVAL_MS, maxAgeMs: TEMP_MAX_AGE_MS, log: this.deps.log });
    try {
      if (s.conversation && !(await this.hasMessageContentIntent())) this.fallBackToSlashCommands();
      if (s.registerOnStart) {
        const n = await registerCommands(this.client.rest, s.applicationId, s.guildId, this.deps.limits.maxClips);
        this.deps.log.info({ commands: n, guildId: s.guildId ?? 'global' }, 'slash commands registered');
      }
      await this.login();
    } catch (err) {
      // A failed start is reported by start() itself, not as a fatal gateway loss.
      this.stopping = true;
      await this.client.destroy().catch(() => undefined);
      if (err instanceof ConfigError) throw err;
      throw translateError(err, s.token);
    }
    await this.core.start();
    this.deps.log.info({ user: this.client.user?.tag }, 'discord bot ready');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    forgetLiveness('discord');
    await this.tempSweeper?.stop();
    await Promise.allSettled([...this.pending]);
    await this.core.stop();
    await this.client.destroy();
  }

  /** Resolves once every interaction and message handled so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /**
   * Gateway state for /healthz. discord.js reconnects by itself (reported as not ok meanwhile); ShardDisconnect
   * means it gave up (authentication failed, intents refused…), and a bot that no longer hears anything is fatal.
   */
  private watchGateway(): void {
    const { log } = this.deps;
    this.client.on(Events.ClientReady, () => reportLiveness('discord', true, 'connected'));
    this.client.on(Events.ShardResume, () => reportLiveness('discord', true, 'connected'));
    this.client.on(Events.ShardReconnecting, () => reportLiveness('discord', false, 'reconnecting'));
    this.client.on(Events.ShardDisconnect, (event) => {
      if (this.stopping || (this.tryingMessageContent && event.code === GatewayCloseCodes.DisallowedIntents)) return;
      const err = new Error(`Discord gateway closed for good (code ${event.code})`);
      reportLiveness('discord', false, err.message);
      log.error({ err }, 'discord gateway closed; the bot cannot go on');
      this.deps.onFatal?.(err);
    });
  }

  /** Logs in; when the gateway refuses the Message Content intent (close code 4014), again in slash-command mode. */
  private async login(): Promise<void> {
    const token = this.deps.settings.token;
    const connect = async () => {
      const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
      await this.client.login(token);
      await ready;
    };
    if (!this.interactionDeps.conversation) return connect();
    this.tryingMessageContent = true;
    try {
      await connect();
    } catch (err) {
      if (!(err instanceof Error && /disallowed intent/i.test(err.message))) throw err;
      await this.client.destroy().catch(() => undefined);
      this.fallBackToSlashCommands();
      await connect();
    } finally {
      this.tryingMessageContent = false;
    }
  }

  /**
   * Without the privileged Message Content intent, thread messages arrive without their files: run with slash
   * commands only (/lipsync with attachments) and say so once, loudly, instead of refusing to start. The client is
   * rebuilt without the intent (a discord.js client cannot log in again after a failed login); it keeps the REST
   * client the platform uses, and every listener.
   */
  private fallBackToSlashCommands(): void {
    const old = this.client;
    const intents = new IntentsBitField(old.options.intents).remove(GatewayIntentBits.MessageContent);
    const client = new Client({ ...old.options, intents });
    client.rest = old.rest;
    for (const event of old.eventNames()) for (const listener of old.listeners(event)) client.on(event as string, listener as (...args: unknown[]) => void);
    old.removeAllListeners();
    this.client = client;
    this.interactionDeps.conversation = false;
    this.deps.log.warn({ intent: 'MessageContent' }, discordWords.slashOnlyWarning);
  }

  /** Whether the application may use the Message Content intent (either flag), per GET /applications/@me. */
  private async hasMessageContentIntent(): Promise<boolean> {
    const app = (await this.client.rest.get(Routes.currentApplication())) as { flags?: number };
    const flags = new ApplicationFlagsBitField(app.flags ?? 0);
    return flags.any(ApplicationFlagsBitField.Flags.GatewayMessageContent | ApplicationFlagsBitField.Flags.GatewayMessageContentLimited);
  }
}
