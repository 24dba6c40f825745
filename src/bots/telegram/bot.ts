import { once } from 'node:events';
import type { Server } from 'node:http';
import { Telegraf } from 'telegraf';
import type { Message, Update } from 'telegraf/types';
import type { TelegramSettings } from '../../config/bots.js';
import type { Logger } from '../../log.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ConversationCore, type ConversationDeps } from '../core/conversation.js';
import { commandNames, type ChatContext, type IncomingFile } from '../core/incoming.js';
import type { EditRates, PlatformLimits } from '../core/platform.js';
import { matchLocale } from '../../i18n/index.js';
import { wordsFor, type Words } from '../core/wording.js';
import { forgetLiveness, reportLiveness } from '../../web/liveness.js';
import { AlbumCollector } from './albums.js';
import { translateError } from './errors.js';
import { downloadTelegramFile } from './files.js';
import { TelegramPlatform } from './platform.js';
import { addressOf, captionOf, contextOf, fileOf, localeOfUser, mediaGroupOf, parseCommand, wantsAudio } from './translate.js';

export const TELEGRAM_API_DEFAULT = 'https://api.telegram.org';
/** Telegram's download limit without a local Bot API server. */
export const CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export interface TelegramBotOptions extends Omit<ConversationDeps, 'platform' | 'isAllowed' | 'command' | 'clock'> {
  settings: TelegramSettings;
  clock?: Clock;
  /** Quiet time that closes an album (its items arrive as separate updates). */
  albumQuietMs?: number;
  /** Polling stopped for good (401 revoked token, 409 another copy polling): see BotServiceContext.onFatal. */
  onFatal?: (err: Error) => void;
}

/** Telegram's limits: about 30 messages/s per bot, 20 per minute in a group (negative ids), about 1/s in a private chat. */
export const TELEGRAM_EDIT_RATES: EditRates = {
  globalPerSecond: 30,
  perChatPerMinute: (chatId) => (chatId.startsWith('-') ? 20 : 60),
};

export function telegramLimits(s: TelegramSettings): PlatformLimits {
  return {
    uploadBytes: s.maxUploadBytes,
    downloadBytes: s.maxDownloadBytes,
    downloadLimitLiftable: s.maxDownloadBytes <= CLOUD_DOWNLOAD_LIMIT,
    editIntervalMs: s.editIntervalMs,
    maxTextLength: 4096,
    editRates: TELEGRAM_EDIT_RATES,
  };
}

/** Allowed when the list is empty, or it names the user or the chat. */
export function allowList(ids: readonly string[]): (ctx: ChatContext) => boolean {
  const set = new Set(ids);
  return (ctx) => set.size === 0 || set.has(ctx.userId) || set.has(ctx.address.chatId);
}

/**
 * The Telegram adapter: telegraf receives updates (long polling, or a webhook), this file translates each into a
 * call on the conversation core, and TelegramPlatform carries the core's answers back. Handlers return at once
 * (work runs in the background) so one slow download never holds up other chats' updates.
 */
export class TelegramBot {
  readonly bot: Telegraf;
  readonly core: ConversationCore;
  readonly platform: TelegramPlatform;
  private readonly albums: AlbumCollector<{ ctx: ChatContext; file: IncomingFile; asAudio: boolean }>;
  private readonly inflight = new Set<Promise<void>>();
  private running: Promise<void> | null = null;
  private stopping = false;
  private readonly log: Logger;

  constructor(private readonly options: TelegramBotOptions) {
    const s = options.settings;
    this.log = options.log;
    const apiRoot = s.apiRoot ?? TELEGRAM_API_DEFAULT;
    this.bot = new Telegraf(s.token, { telegram: { apiRoot }, handlerTimeout: 30_000 });
    this.platform = new TelegramPlatform(this.bot.telegram, telegramLimits(s), s.token);
    const clock = options.clock ?? systemClock;
    this.core = new ConversationCore({ ...options, platform: this.platform, clock, isAllowed: allowList(s.allowedIds), command: (n) => `/${n}` });
    this.albums = new AlbumCollector(clock, options.albumQuietMs ?? 1200, (items) => {
      const first = items[0];
      if (first) this.spawn(this.core.onFiles(first.ctx, items.map((i) => i.file), { asAudio: items.some((i) => i.asAudio) }));
    });
    this.bot.on('message', (ctx) => this.onMessage(ctx.message));
    this.bot.on('callback_query', (ctx) => {
      const cq = ctx.callbackQuery;
      const answer = async (text?: string) => {
        await ctx.answerCbQuery(text).catch((err: unknown) => this.log.debug({ err: String(err) }, 'answerCallbackQuery failed'));
      };
      if (!('data' in cq) || !cq.message) return answer(wordsFor(matchLocale(cq.from.language_code) ?? this.options.defaultLocale).expiredButton);
      const message = cq.message;
      const address = addressOf(message as Message);
      const chatCtx: ChatContext = {
        platform: 'telegram',
        address,
        userId: String(cq.from.id),
        userName: [cq.from.first_name, cq.from.last_name].filter(Boolean).join(' '),
        isGroup: message.chat.type !== 'private',
        ...localeOfUser(cq.from),
      };
      this.spawn(this.core.onButton(chatCtx, { action: cq.data, message: { ...address, messageId: String(message.message_id) }, answer }));
    });
    this.bot.catch((err) => this.log.error({ err }, 'telegram update failed'));
  }

  private onMessage(message: Update.New & Update.NonChannel & Message): void {
    const from = message.from;
    if (!from || from.is_bot) return;
    const ctx = contextOf(message, from);
    if ('text' in message) {
      const command = parseCommand(message.text, this.bot.botInfo?.username);
      if (command) this.spawn(this.core.onCommand(ctx, command));
      else if (!message.text.startsWith('/') || !ctx.isGroup) this.spawn(this.core.onText(ctx));
      return;
    }
    const file = fileOf(message, (fileId, dest, maxBytes) =>
      downloadTelegramFile({ telegram: this.bot.telegram, token: this.options.settings.token, apiRoot: this.options.settings.apiRoot ?? TELEGRAM_API_DEFAULT }, fileId, dest, maxBytes),
    );
    if (!file) return;
    const asAudio = wantsAudio(captionOf(message));
    const group = mediaGroupOf(message);
    if (group) this.albums.add(`${message.chat.id}:${from.id}:${group}`, { ctx, file, asAudio });
    else this.spawn(this.core.onFiles(ctx, [file], { asAudio }));
  }

  /** Runs work in the background, remembered so stop() can wait for it. */
  private spawn(work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.log.error({ err }, 'telegram handler failed'));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  async start(): Promise<void> {
    const s = this.options.settings;
    this.bot.botInfo = await this.bot.telegram.getMe();
    await this.core.start();
    // The menu in the default language, and in Chinese for users whose Telegram is set to Chinese.
    const menu = (w: Words) => commandNames.map((c) => ({ command: c, description: w.commandDescriptions[c] }));
    await this.bot.telegram.setMyCommands(menu(wordsFor(this.options.defaultLocale))).catch((err: unknown) => this.log.warn({ err: String(err) }, 'setMyCommands failed'));
    await this.bot.telegram
      .setMyCommands(menu(wordsFor('zh-CN')), { language_code: 'zh' })
      .catch((err: unknown) => this.log.warn({ err: String(err) }, 'setMyCommands (zh) failed'));
    const allowedUpdates: ('message' | 'callback_query')[] = ['message', 'callback_query'];
    if (s.webhook) {
      const url = new URL(s.webhook.url);
      await this.bot.launch({
        allowedUpdates,
        webhook: {
          domain: url.host,
          ...(url.pathname !== '/' ? { path: url.pathname } : {}),
          port: s.webhook.port,
          host: s.webhook.host,
          secretToken: s.webhook.secretToken,
        },
      });
      const server = this.webhookServer();
      if (server && !server.listening) await once(server, 'listening');
      reportLiveness('telegram', true, 'webhook');
      this.log.info({ bot: this.bot.botInfo.username, mode: 'webhook', listen: this.webhookAddress() }, 'telegram bot started');
      return;
    }
    // launch() only returns when polling stops: keep the promise to await in stop(). telegraf retries network
    // errors, 429 and 5xx itself; what ends the loop (401, 409 Conflict) will not heal by waiting.
    this.running = this.bot.launch({ allowedUpdates }).catch((err: unknown) => {
      if (this.stopping) return;
      const failure = translateError(err, s.token);
      reportLiveness('telegram', false, `polling stopped: ${failure.message}`);
      this.log.error({ err: failure }, 'telegram polling stopped with an error');
      this.options.onFatal?.(failure);
    });
    reportLiveness('telegram', true, 'polling');
    this.log.info({ bot: this.bot.botInfo.username, mode: 'polling' }, 'telegram bot started');
  }

  /** The webhook listener (telegraf keeps it private), when running in webhook mode. */
  private webhookServer(): Server | undefined {
    return (this.bot as unknown as { webhookServer?: Server }).webhookServer;
  }

  /** Where the webhook listener is bound, e.g. { address: '127.0.0.1', port: 8443 }; null when polling. */
  webhookAddress(): { address: string; port: number } | null {
    const a = this.webhookServer()?.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    forgetLiveness('telegram');
    try {
      this.bot.stop('shutdown');
    } catch {
      // not running (failed start)
    }
    await this.running;
    await Promise.allSettled([...this.inflight]);
    await this.core.stop();
  }
}
