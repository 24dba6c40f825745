import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isInputError } from '../../errors.js';
import { DEFAULT_LOCALE, refusalText } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import { decodeAction, removalKeyboard, sessionKeyboard, type Action } from './actions.js';
import { BatchRegistry, type QueuePort } from './batches.js';
import { submitFiles } from './submit.js';
import { systemClock, type Clock } from './clock.js';
import { CommandLimiter, type CommandRate } from './commandLimiter.js';
import { withRetryAfter, type DownloadLinks } from './delivery.js';
import type { ButtonPress, ChatContext, CommandName, IncomingFile } from './incoming.js';
import type { MediaInspector } from './inspect.js';
import { admissionFor, receiveFiles } from './intake.js';
import type { ChatPlatform, Keyboard, MessageRef, OutgoingMessage } from './platform.js';
import { renderProgress } from './progressText.js';
import { addTemplates, beginSubmit, clearSession, endSubmit, removeTemplate, setAudio, type Transition } from './session.js';
import type { SessionPersistence } from './sessionPersistence.js';
import { sessionKey, SessionStore, type Session } from './sessions.js';
import { studioLinkMinutes, type StudioLinks } from './studio.js';
import type { TrackingStore } from './tracking.js';
import { wordsFor, type Words } from './wording.js';

export interface CoreLimits {
  maxClips: number;
  maxAudioSeconds: number;
  maxTemplateSeconds: number;
}

export interface ConversationDeps {
  platform: ChatPlatform;
  queue: QueuePort;
  tracking: TrackingStore;
  inspector: MediaInspector;
  /** Download links from the web server; null delivers attachments only (and says so). */
  links: DownloadLinks | null;
  /** Sign-in links to the web studio; absent or null: /studio says the studio is not available. */
  studio?: StudioLinks | null;
  limits: CoreLimits;
  /** Where sessions keep their downloads (in its `sessions` folder). */
  tempDir: string;
  /** Per-user limit on Render, cancel and (through `checkRate`) the adapters' own costly commands. */
  commandRate?: CommandRate;
  /** Keeps sessions across restarts (Redis); without it a stop forgets them and deletes their files. */
  sessionPersistence?: SessionPersistence;
  log: Logger;
  clock?: Clock;
  /** Allow-list check; everyone when absent. */
  isAllowed?: (ctx: ChatContext) => boolean;
  /** How the platform spells a command in help text ("/render" on Telegram). */
  command?: (name: string) => string;
  positionRefreshMs?: number;
  sessionIdleMs?: number;
  historyLimit?: number;
  /** Language for users whose platform does not say (DEFAULT_LOCALE). */
  defaultLocale?: string;
}

/**
 * The conversation, platform-neutral: adapters call onCommand / onFiles / onButton with what the user did, and
 * the core answers through the ChatPlatform port. One session per user per chat (per topic); renders are
 * followed by the BatchRegistry until every clip is delivered.
 */
export class ConversationCore {
  readonly batches: BatchRegistry;
  private readonly sessions: SessionStore;
  private readonly clock: Clock;
  private readonly platform: ChatPlatform;
  private sweepTimer: unknown = null;
  private readonly limiter: CommandLimiter | null;
  /** Each user's language as their platform last said it (Discord says it on interactions, not on messages). */
  private readonly userLocales = new Map<string, string>();

  constructor(private readonly deps: ConversationDeps) {
    this.clock = deps.clock ?? systemClock;
    this.platform = deps.platform;
    this.limiter = deps.commandRate ? new CommandLimiter(deps.commandRate, this.clock) : null;
    this.sessions = new SessionStore({
      baseDir: path.join(deps.tempDir, 'sessions'),
      clock: this.clock,
      idleMs: deps.sessionIdleMs ?? 3_600_000,
      log: deps.log,
      ...(deps.sessionPersistence ? { persistence: deps.sessionPersistence } : {}),
    });
    this.batches = new BatchRegistry({
      platform: deps.platform,
      queue: deps.queue,
      tracking: deps.tracking,
      links: deps.links,
      clock: this.clock,
      log: deps.log,
      positionRefreshMs: deps.positionRefreshMs ?? 5_000,
      ...(deps.defaultLocale ? { defaultLocale: deps.defaultLocale } : {}),
    });
  }

  /** Follows the queue's events and picks up batches started before a restart. */
  async start(): Promise<void> {
    await this.batches.start();
    await this.resumeSessions();
    const sweep = () => {
      this.sweepTimer = this.clock.setTimeout(() => void this.sessions.sweep().finally(sweep), 60_000);
    };
    sweep();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer !== null) this.clock.clearTimeout(this.sweepTimer);
    await this.batches.stop();
    await this.sessions.close();
  }

  helpText(ctx?: ChatContext): string {
    const words = ctx ? this.w(ctx) : wordsFor(this.deps.defaultLocale);
    return words.help({ maxClips: this.deps.limits.maxClips, maxAudioSeconds: this.deps.limits.maxAudioSeconds, command: this.command, studio: Boolean(this.deps.studio) });
  }

  /** How the platform spells a command ("/render" on Telegram). */
  private readonly command = (name: string): string => (this.deps.command ?? ((n: string) => `/${n}`))(name);

  /**
   * What the refusal of a file too large to download adds: the user's personal studio link where only they read
   * it (private chats, ephemeral answers), else the command that gets one. Null without a studio.
   */
  studioOffer(ctx: ChatContext): string | null {
    const studio = this.deps.studio;
    if (!studio) return null;
    const w = this.w(ctx);
    if (ctx.isGroup) return w.studioOfferHint(this.command('studio'));
    return w.studioOfferLink(studio.studioUrl(this.ownerOf(ctx), this.localeOf(ctx)), studioLinkMinutes(studio));
  }

  /**
   * Takes one of the user's command tokens: null when the command may go ahead, else the polite refusal to show.
   * Adapters call it for their own costly commands (Discord's /lipsync with attachments).
   */
  checkRate(ctx: ChatContext): string | null {
    const waitMs = this.limiter?.take(`${ctx.platform}:${ctx.userId}`) ?? 0;
    return waitMs > 0 ? this.w(ctx).slowDown(waitMs / 1000) : null;
  }

  async onCommand(ctx: ChatContext, name: CommandName): Promise<void> {
    if (!(await this.admit(ctx))) return;
    if (name === 'render' || name === 'cancel') {
      const refusal = this.checkRate(ctx);
      if (refusal) return void (await this.reply(ctx, refusal));
    }
    switch (name) {
      case 'start':
      case 'help':
        return void (await this.reply(ctx, this.helpText(ctx)));
      case 'render':
        return this.render(ctx);
      case 'clear':
        return this.withSession(ctx, async (s) => {
          const t = clearSession(s.state);
          await this.dropFiles(t);
          await this.reply(ctx, t.result.hadAnything ? this.w(ctx).cleared : this.w(ctx).nothingToClear);
        });
      case 'list':
        return this.withSession(ctx, async (s) => {
          const items = s.state.templates;
          await this.reply(ctx, this.w(ctx).templateList(items), items.length > 0 ? removalKeyboard(ctx.userId, items, this.w(ctx)) : undefined);
        });
      case 'status':
        return this.status(ctx);
      case 'cancel':
        return this.cancelAll(ctx);
      case 'history':
        return this.history(ctx);
      case 'studio':
        return this.studio(ctx);
    }
  }

  /** Plain text: help in a private chat, silence in groups (people talk there). */
  async onText(ctx: ChatContext): Promise<void> {
    if (ctx.isGroup || !(await this.admit(ctx))) return;
    await this.reply(ctx, this.helpText(ctx));
  }

  /** One message's files (an album counts as one message). `asAudio`: use a video's sound as the audio. */
  async onFiles(ctx: ChatContext, files: readonly IncomingFile[], options: { asAudio: boolean }): Promise<void> {
    if (!(await this.admit(ctx))) return;
    await this.withSession(ctx, async (s) => {
      const st = s.state;
      const got = await receiveFiles(
        {
          platformLimits: this.platform.limits,
          limits: this.deps.limits,
          inspector: this.deps.inspector,
          log: this.deps.log,
          admission: admissionFor(this.deps.queue, { platform: this.platform.name, userId: ctx.userId }),
          locale: this.localeOf(ctx),
        },
        s.dir,
        files,
        options.asAudio,
        st.templates.length + 1,
      );
      const lines = [...got.refusals];
      const offer = got.tooLarge ? this.studioOffer(ctx) : null;
      if (offer) lines.push(offer);
      if (got.audio) {
        const t = setAudio(st, got.audio);
        await this.dropFiles(t);
        lines.push(t.result.replaced ? this.w(ctx).audioReplaced(got.audio.seconds) : this.w(ctx).audioSet(got.audio.seconds, st.templates.length));
      }
      if (got.templates.length > 0) {
        const t = addTemplates(st, got.templates, this.deps.limits.maxClips);
        await this.dropFiles(t);
        if (t.result.added > 0) lines.push(this.w(ctx).templatesAdded(t.result.added, st.templates.length, st.audio !== null));
        if (t.result.skipped > 0) lines.push(t.result.added === 0 ? this.w(ctx).tooManyTemplates(this.deps.limits.maxClips) : this.w(ctx).someSkipped(t.result.skipped));
      }
      const changed = got.audio !== null || got.templates.length > 0;
      await this.reply(ctx, lines.join('\n'), changed ? sessionKeyboard(ctx.userId, st.templates.length, this.w(ctx)) : undefined);
    });
  }

  async onButton(ctx: ChatContext, press: ButtonPress): Promise<void> {
    const action = decodeAction(press.action);
    if (!action) return press.answer(this.w(ctx).expiredButton);
    if (!(this.deps.isAllowed?.(ctx) ?? true)) return press.answer(this.w(ctx).notAllowed);
    if (action.type !== 'cancel' && action.userId !== ctx.userId) return press.answer(this.w(ctx).notYourButtons);
    if (action.type === 'cancel' || action.type === 'render') {
      const refusal = this.checkRate(ctx);
      if (refusal) return press.answer(refusal);
    }
    if (action.type === 'cancel') return this.cancelButton(ctx, press, action.batchId);
    await this.sessionButton(ctx, press, action);
  }

  // ---- internals ----

  private async admit(ctx: ChatContext): Promise<boolean> {
    if (this.deps.isAllowed?.(ctx) ?? true) return true;
    await this.reply(ctx, this.w(ctx).notAllowed).catch(() => undefined);
    return false;
  }

  /** The language of users whose platform says none. */
  get defaultLocale(): string {
    return this.deps.defaultLocale ?? DEFAULT_LOCALE;
  }

  /** Notes the user's language when the platform says it, for later messages that do not (Discord thread messages). */
  rememberLocale(ctx: ChatContext): void {
    if (!ctx.locale) return;
    const user = `${ctx.platform}:${ctx.userId}`;
    this.userLocales.delete(user);
    this.userLocales.set(user, ctx.locale);
    // Bounded: the oldest entries go first (a forgotten user falls back to their session's language).
    if (this.userLocales.size > 10_000) this.userLocales.delete(this.userLocales.keys().next().value as string);
  }

  /** The user's language: what the platform says now, else what it said last, else the session's, else the default. */
  private localeOf(ctx: ChatContext): string {
    if (ctx.locale) {
      this.rememberLocale(ctx);
      return ctx.locale;
    }
    return this.userLocales.get(`${ctx.platform}:${ctx.userId}`) ?? this.sessions.peek(this.key(ctx))?.owner?.locale ?? this.defaultLocale;
  }

  private w(ctx: ChatContext): Words {
    return wordsFor(this.localeOf(ctx));
  }

  private key(ctx: ChatContext): string {
    return sessionKey(ctx.platform, ctx.address.chatId, ctx.address.threadId, ctx.userId);
  }

  private withSession(ctx: ChatContext, fn: (s: Session) => Promise<void>): Promise<void> {
    return this.sessions.with(this.key(ctx), fn, { address: ctx.address, userId: ctx.userId, userName: ctx.userName, isGroup: ctx.isGroup, locale: this.localeOf(ctx) });
  }

  /** Sessions kept from before a restart: each owner is told their inputs are still here, with the session buttons. */
  private async resumeSessions(): Promise<void> {
    let resumed: Session[];
    try {
      resumed = await this.sessions.resume();
    } catch (err) {
      this.deps.log.error({ err }, 'resuming sessions failed');
      return;
    }
    for (const s of resumed) {
      const owner = s.owner;
      // Only pending work is worth a message: the audio alone is what stays after every render anyway.
      if (!owner || s.state.templates.length === 0) continue;
      const st = s.state;
      const words = wordsFor(owner.locale ?? this.deps.defaultLocale);
      const text = words.greetingPrefix(owner.userName, owner.isGroup) + words.sessionResumed(st.audio?.seconds ?? null, st.templates.length);
      await withRetryAfter(this.clock, () => this.platform.sendText(owner.address, { text, keyboard: sessionKeyboard(owner.userId, st.templates.length, words) })).catch((err: unknown) =>
        this.deps.log.warn({ err }, 'telling a user about their resumed session failed'),
      );
    }
    if (resumed.length > 0) this.deps.log.info({ sessions: resumed.length }, 'sessions resumed after a restart');
  }

  private async dropFiles(t: Transition<unknown>): Promise<void> {
    await Promise.all(t.orphaned.map((f) => rm(f, { force: true })));
  }

  /** Sends a reply in the user's chat (topic), naming the user in groups. */
  private reply(ctx: ChatContext, text: string, keyboard?: Keyboard): Promise<MessageRef> {
    const message: OutgoingMessage = { text: this.w(ctx).greetingPrefix(ctx.userName, ctx.isGroup) + text, ...(keyboard ? { keyboard } : {}) };
    const options = ctx.messageId ? { replyToMessageId: ctx.messageId } : undefined;
    return withRetryAfter(this.clock, () => this.platform.sendText(ctx.address, message, options));
  }

  private async edit(ctx: ChatContext, ref: MessageRef | undefined, text: string, keyboard: Keyboard): Promise<void> {
    const message = { text: this.w(ctx).greetingPrefix(ctx.userName, ctx.isGroup) + text, keyboard };
    if (!ref) return void (await this.reply(ctx, text, keyboard));
    try {
      await this.platform.editText(ref, message);
    } catch (err) {
      this.deps.log.debug({ err }, 'button edit failed; replying instead');
      await this.reply(ctx, text, keyboard);
    }
  }

  private render(ctx: ChatContext): Promise<void> {
    return this.withSession(ctx, async (s) => {
      const check = beginSubmit(s.state);
      if (!check.ok) {
        await this.reply(ctx, check.reason === 'busy' ? this.w(ctx).alreadyRendering : this.w(ctx).missingForRender(s.state.audio !== null, s.state.templates.length));
        return;
      }
      const { audio, templates } = check;
      let outcome;
      try {
        outcome = await submitFiles(this.deps, { ...ctx, locale: this.localeOf(ctx) }, ctx.address.chatId, { audio, templates }, (text) => this.reply(ctx, text));
      } catch (err) {
        endSubmit(s.state, null);
        throw err;
      }
      if (!outcome.ok) {
        endSubmit(s.state, null);
        await this.edit(ctx, outcome.ref, outcome.message, sessionKeyboard(ctx.userId, s.state.templates.length, this.w(ctx)));
        return;
      }
      await this.dropFiles(endSubmit(s.state, templates));
      await this.deps.tracking.addHistory(this.key(ctx), outcome.batchId);
      await this.batches.add(outcome.view, outcome.ref, ctx.userId, outcome.prefix, this.localeOf(ctx));
    });
  }

  private async status(ctx: ChatContext): Promise<void> {
    const running = this.batches.runningFor(ctx.userId, ctx.address.chatId, ctx.address.threadId);
    for (const t of running) await this.reply(ctx, renderProgress(t.view, this.platform.limits.maxTextLength - 100, this.localeOf(ctx)));
    const s = this.sessions.peek(this.key(ctx));
    const st = s?.state;
    if (st && (st.audio || st.templates.length > 0)) {
      await this.reply(ctx, this.w(ctx).statusSession(st.audio !== null, st.audio?.seconds ?? null, st.templates.length), sessionKeyboard(ctx.userId, st.templates.length, this.w(ctx)));
    } else if (running.length === 0) {
      await this.reply(ctx, this.w(ctx).noStatus);
    }
  }

  private async cancelAll(ctx: ChatContext): Promise<void> {
    const running = this.batches.runningFor(ctx.userId, ctx.address.chatId, ctx.address.threadId);
    if (running.length === 0) return void (await this.reply(ctx, this.w(ctx).nothingToCancel));
    let total = 0;
    for (const t of running) {
      try {
        total += (await this.deps.queue.cancel(t.batchId, { platform: this.platform.name, userId: ctx.userId })).cancelled;
        t.cancelRequested();
      } catch (err) {
        if (!isInputError(err)) throw err;
        await this.reply(ctx, refusalText(this.localeOf(ctx), err));
      }
    }
    await this.reply(ctx, this.w(ctx).cancelledCount(total));
  }

  private async cancelButton(ctx: ChatContext, press: ButtonPress, batchId: string): Promise<void> {
    try {
      const r = await this.deps.queue.cancel(batchId, { platform: this.platform.name, userId: ctx.userId });
      this.batches.get(batchId)?.cancelRequested();
      await press.answer(r.cancelled > 0 ? this.w(ctx).cancelRequested : this.w(ctx).cancelledCount(0));
    } catch (err) {
      if (!isInputError(err)) {
        this.deps.log.error({ err }, 'cancel failed');
        return press.answer(this.w(ctx).internalError);
      }
      await press.answer(refusalText(this.localeOf(ctx), err));
    }
  }

  private sessionButton(ctx: ChatContext, press: ButtonPress, action: Exclude<Action, { type: 'cancel' }>): Promise<void> {
    if (action.type === 'render') {
      return press.answer().then(() => this.render(ctx));
    }
    return this.withSession(ctx, async (s) => {
      const st = s.state;
      switch (action.type) {
        case 'clear': {
          const t = clearSession(st);
          await this.dropFiles(t);
          await press.answer(t.result.hadAnything ? this.w(ctx).cleared : this.w(ctx).nothingToClear);
          await this.edit(ctx, press.message, this.w(ctx).cleared, []);
          return;
        }
        case 'list':
          await press.answer();
          await this.edit(ctx, press.message, this.w(ctx).templateList(st.templates), st.templates.length > 0 ? removalKeyboard(ctx.userId, st.templates, this.w(ctx)) : []);
          return;
        case 'back':
          await press.answer();
          await this.edit(ctx, press.message, this.w(ctx).statusSession(st.audio !== null, st.audio?.seconds ?? null, st.templates.length), sessionKeyboard(ctx.userId, st.templates.length, this.w(ctx)));
          return;
        case 'remove': {
          const t = removeTemplate(st, action.itemId);
          await this.dropFiles(t);
          await press.answer(t.result ? this.w(ctx).templateRemoved(t.result.label, st.templates.length) : this.w(ctx).expiredButton);
          await this.edit(ctx, press.message, this.w(ctx).templateList(st.templates), st.templates.length > 0 ? removalKeyboard(ctx.userId, st.templates, this.w(ctx)) : sessionKeyboard(ctx.userId, 0, this.w(ctx)));
          return;
        }
      }
    });
  }

  /** The studio's owner for a chat user: studio history is per platform user, whatever chat they asked from. */
  private ownerOf(ctx: ChatContext): { platform: string; userId: string } {
    return { platform: this.platform.name, userId: ctx.userId };
  }

  /**
   * /studio: the personal sign-in link in a private chat. A group never sees it: it goes to the user's private
   * chat with the bot when the platform can reach them there, else the group reply says to ask privately.
   */
  private async studio(ctx: ChatContext): Promise<void> {
    const studio = this.deps.studio;
    const w = this.w(ctx);
    if (!studio) return void (await this.reply(ctx, w.studioUnavailable));
    const text = w.studioLink(studio.studioUrl(this.ownerOf(ctx), this.localeOf(ctx)), studioLinkMinutes(studio));
    if (!ctx.isGroup) return void (await this.reply(ctx, text));
    const sendPrivate = this.platform.sendPrivate?.bind(this.platform);
    const sent = sendPrivate
      ? await withRetryAfter(this.clock, () => sendPrivate(ctx.userId, { text })).catch((err: unknown) => {
          this.deps.log.warn({ err }, 'sending a studio link privately failed');
          return null;
        })
      : null;
    await this.reply(ctx, sent ? w.studioSentPrivately : w.studioAskPrivately(this.command('studio')));
  }

  private async history(ctx: ChatContext): Promise<void> {
    const ids = await this.deps.tracking.history(this.key(ctx), this.deps.historyLimit ?? 5);
    const lines: string[] = [];
    for (const id of ids) {
      const b = await this.deps.queue.getBatch(id);
      if (!b) continue;
      const when = new Date(b.createdAt).toISOString().slice(0, 16).replace('T', ' ');
      const link = this.deps.links && b.summary.done > 0 ? this.deps.links.batchUrl(b.batchId) : null;
      lines.push(this.w(ctx).historyLine(`${when} UTC`, b.summary.done, b.summary.total, b.status, link));
    }
    await this.reply(ctx, lines.length === 0 ? this.w(ctx).historyEmpty : [this.w(ctx).historyHeader, ...lines].join('\n'));
  }
}
