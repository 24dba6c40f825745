import type { Logger } from '../../log.js';
import type { BatchState, QueueEvent, RenderQueue, Subscription } from '../../queue/index.js';
import { BatchTracker } from './batchTracker.js';
import type { BatchView } from './batchView.js';
import type { Clock } from './clock.js';
import type { DownloadLinks } from './delivery.js';
import { EditBudget } from './editBudget.js';
import type { ChatPlatform, MessageRef } from './platform.js';
import type { TrackingStore } from './tracking.js';

/** The part of the render queue the bots use. */
export type QueuePort = Pick<RenderQueue, 'submitBatch' | 'cancel' | 'positions' | 'getBatch' | 'listActiveBatches' | 'subscribe' | 'openOutput'>;

export interface BatchRegistryDeps {
  platform: ChatPlatform;
  queue: QueuePort;
  tracking: TrackingStore;
  links: DownloadLinks | null;
  clock: Clock;
  log: Logger;
  /** How often waiting clips' places in line are looked up again. */
  positionRefreshMs: number;
  /** Language of batches that recorded none (made before locales were recorded): DEFAULT_LOCALE. */
  defaultLocale?: string;
}

/** What the bot writes into a batch's replyTo: enough to find its progress message again after a restart. */
export function replyToOf(platform: string, ref: MessageRef, userId: string, prefix: string): Record<string, string> {
  return { platform, chatId: ref.chatId, messageId: ref.messageId, userId, prefix, ...(ref.threadId ? { threadId: ref.threadId } : {}) };
}

function refFromState(platform: string, state: BatchState): { ref: MessageRef; userId: string; prefix: string } | null {
  const r = state.replyTo;
  if (!r || r.platform !== platform) return null;
  const chatId = r.chatId;
  const messageId = r.messageId;
  if ((typeof chatId !== 'string' && typeof chatId !== 'number') || (typeof messageId !== 'string' && typeof messageId !== 'number')) return null;
  const threadId = typeof r.threadId === 'string' || typeof r.threadId === 'number' ? String(r.threadId) : undefined;
  const prefix = typeof r.prefix === 'string' ? r.prefix : '';
  return { ref: { chatId: String(chatId), messageId: String(messageId), ...(threadId ? { threadId } : {}) }, userId: state.owner.userId, prefix };
}

/**
 * All batches this bot follows: one tracker each, fed by one subscription to the queue's events. On start it
 * rebuilds trackers for batches it followed before a restart (and active batches naming this platform).
 */
export class BatchRegistry {
  private readonly trackers = new Map<string, BatchTracker>();
  private sub: Subscription | null = null;
  private timer: unknown = null;
  private stopped = false;
  private readonly editBudget: EditBudget | undefined;
  /** Batches being looked up to be followed again after a retry (one lookup each at a time). */
  private readonly adopting = new Set<string>();

  constructor(private readonly deps: BatchRegistryDeps) {
    const rates = deps.platform.limits.editRates;
    this.editBudget = rates ? new EditBudget({ globalPerSecond: rates.globalPerSecond, perChatPerMinute: (c) => rates.perChatPerMinute(c), clock: deps.clock }) : undefined;
  }

  async start(): Promise<void> {
    this.sub = await this.deps.queue.subscribe((e) => this.onEvent(e), { blockMs: 1000, log: this.deps.log });
    await this.resume();
    this.schedulePositions();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    await this.sub?.close();
    this.sub = null;
    for (const t of this.trackers.values()) t.stopDelivering();
    await Promise.race([Promise.allSettled([...this.trackers.values()].map((t) => t.settled())), new Promise((r) => setTimeout(r, 5_000))]);
    for (const t of this.trackers.values()) t.close();
    this.trackers.clear();
  }

  get(batchId: string): BatchTracker | undefined {
    return this.trackers.get(batchId);
  }

  all(): BatchTracker[] {
    return [...this.trackers.values()];
  }

  /** Running batches of one user in one chat (topic). */
  runningFor(userId: string, chatId: string, threadId: string | undefined): BatchTracker[] {
    return this.all().filter((t) => t.ownerUserId === userId && t.ref.chatId === chatId && t.ref.threadId === threadId && !t.view.finished);
  }

  /** Starts following a batch just submitted. */
  async add(view: BatchView, ref: MessageRef, userId: string, prefix: string, locale?: string): Promise<BatchTracker> {
    const tracker = this.create(view, ref, userId, prefix, locale ?? this.deps.defaultLocale);
    tracker.refresh();
    await this.deps.tracking.track(view.batchId);
    const state = await this.deps.queue.getBatch(view.batchId);
    if (state) tracker.load(state);
    return tracker;
  }

  private create(view: BatchView, ref: MessageRef, userId: string, prefix: string, locale: string | undefined): BatchTracker {
    const tracker = new BatchTracker(view, ref, userId, prefix, {
      ...this.deps,
      locale,
      outputs: this.deps.queue,
      ...(this.editBudget ? { editBudget: this.editBudget } : {}),
      onFinished: (id) => {
        if (this.trackers.get(id) === tracker) this.trackers.delete(id);
        tracker.close();
      },
    });
    this.trackers.set(view.batchId, tracker);
    return tracker;
  }

  private onEvent(event: QueueEvent): void {
    const tracker = this.trackers.get(event.batchId);
    if (tracker) tracker.onEvent(event);
    else if (event.type === 'queued') void this.followRetry(event.batchId, event.clipId);
  }

  private async resume(): Promise<void> {
    const { tracking, queue, platform } = this.deps;
    const ids = new Set(await tracking.tracked());
    for (const b of await queue.listActiveBatches()) if (b.replyTo?.platform === platform.name) ids.add(b.batchId);
    for (const id of ids) {
      if (this.trackers.has(id)) continue;
      const state = await queue.getBatch(id);
      const found = state ? refFromState(platform.name, state) : null;
      if (!state || !found) {
        await tracking.untrack(id);
        continue;
      }
      await this.follow(state, found, 'resuming progress of a batch');
    }
  }

  /** Follows a batch this bot did not follow in this process (after a restart, or again after a retry). */
  private async follow(state: BatchState, found: { ref: MessageRef; userId: string; prefix: string }, why: string): Promise<void> {
    this.deps.log.info({ batchId: state.batchId }, why);
    await this.deps.tracking.track(state.batchId);
    const tracker = this.create({ batchId: state.batchId, audio: state.audio, clips: [], finished: false, cancelRequested: false }, found.ref, found.userId, found.prefix, state.locale ?? this.deps.defaultLocale);
    tracker.load(state);
  }

  /**
   * A batch of this chat platform that had ended gets a clip back in line (its owner retried a failed clip in the web
   * studio): follow it again, so the chat's progress message moves and the clip is delivered there too. Clips
   * delivered before are not sent again (delivery leases), nor is the final links message. A clip queued by a
   * submission still in progress is as old as its batch: that batch is the submitter's to follow (add()).
   */
  private async followRetry(batchId: string, clipId: string): Promise<void> {
    if (this.stopped || this.adopting.has(batchId)) return;
    this.adopting.add(batchId);
    try {
      const state = await this.deps.queue.getBatch(batchId);
      const clip = state?.clips.find((c) => c.clipId === clipId);
      if (!state || !clip || state.status !== 'running' || clip.createdAt <= state.createdAt || this.trackers.has(batchId) || this.stopped) return;
      const found = refFromState(this.deps.platform.name, state);
      if (found) await this.follow(state, found, 'following a batch again: one of its clips was retried');
    } catch (err) {
      this.deps.log.warn({ err, batchId }, 'could not follow a retried batch');
    } finally {
      this.adopting.delete(batchId);
    }
  }

  private schedulePositions(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      void this.refreshPositions().finally(() => this.schedulePositions());
    }, this.deps.positionRefreshMs);
  }

  private async refreshPositions(): Promise<void> {
    for (const t of this.all()) {
      const ids = t.waitingClipIds();
      if (ids.length === 0) continue;
      try {
        t.updatePositions(await this.deps.queue.positions(ids));
      } catch (err) {
        this.deps.log.debug({ err }, 'position refresh failed');
      }
    }
  }
}
