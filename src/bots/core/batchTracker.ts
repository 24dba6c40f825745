import type { Logger } from '../../log.js';
import type { BatchState, QueueEvent } from '../../queue/index.js';
import { cancelKeyboard } from './actions.js';
import { applyEvent, applyPositions, isTerminal, summarize, viewFromState, type BatchView, type ClipView } from './batchView.js';
import type { Clock } from './clock.js';
import { reportSendFailed, sendClip, withRetryAfter, type ClipDelivery, type DownloadLinks, type StoredOutputs } from './delivery.js';
import type { EditBudget } from './editBudget.js';
import { EditScheduler } from './editScheduler.js';
import { MessageGoneError, type ChatPlatform, type MessageRef, type OutgoingMessage } from './platform.js';
import { isCancellable, renderProgress } from './progressText.js';
import type { TrackingStore } from './tracking.js';
import { wordsFor } from './wording.js';

/** Redis stream ids ("ms-seq") in order; null sorts first. */
export function compareEventIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/** Defaults for delivery: a lease long enough for a 50 MB upload, and retries over about half a minute. */
export const DELIVERY_DEFAULTS = { attempts: 5, backoffMs: 2_000, leaseMs: 10 * 60_000 };

export interface TrackerDeps {
  platform: ChatPlatform;
  /** Where finished clips are read from (the render queue's storage). */
  outputs: StoredOutputs;
  tracking: TrackingStore;
  links: DownloadLinks | null;
  clock: Clock;
  log: Logger;
  /** The bot's shared edit budget (all progress messages), when the platform states its rates. */
  editBudget?: EditBudget;
  /** Delivery retries: attempts per clip and the first backoff (doubled each time). */
  delivery?: { attempts: number; backoffMs: number; leaseMs: number };
  /** The batch owner's language (src/i18n locale): progress edits and deliveries are worded in it. */
  locale?: string | undefined;
  /** Called once the batch is finished and everything was delivered. */
  onFinished(batchId: string): void;
}

/**
 * Follows one batch: keeps its progress message current (through an EditScheduler), delivers each finished clip
 * exactly once, and at the end shows the final state and the batch link. Built from the queue's batch state, so
 * a restarted bot picks up where it left off.
 */
export class BatchTracker {
  readonly scheduler: EditScheduler;
  private lastEventId: string | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private finalizing: Promise<void> | null = null;
  private loaded = false;
  private closed = false;
  /** Clips given up on (or left for the next start): the batch stays tracked so a restart tries them again. */
  private undelivered = 0;
  private wakers: (() => void)[] = [];

  constructor(
    public view: BatchView,
    public ref: MessageRef,
    readonly ownerUserId: string,
    /** Put before the progress text, e.g. the user's name in groups. */
    private readonly prefix: string,
    private readonly deps: TrackerDeps,
  ) {
    this.scheduler = new EditScheduler((m) => this.show(m), {
      minIntervalMs: deps.platform.limits.editIntervalMs,
      clock: deps.clock,
      log: deps.log,
      ...(deps.editBudget ? { budget: () => deps.editBudget!.take(this.ref.chatId) } : {}),
    });
  }

  get batchId(): string {
    return this.view.batchId;
  }

  /** The content the progress message should show now. */
  content(): OutgoingMessage {
    const words = wordsFor(this.deps.locale);
    const footer = this.view.finished && !this.deps.links ? `\n\n${words.noLinksNote}` : '';
    const text = this.prefix + renderProgress(this.view, this.deps.platform.limits.maxTextLength - footer.length - this.prefix.length, this.deps.locale) + footer;
    return { text, keyboard: isCancellable(this.view) ? cancelKeyboard(this.batchId, words) : [] };
  }

  /** Takes the queue's state as the truth (events up to its lastEventId are already in it), then catches up. */
  load(state: BatchState): void {
    const cancelRequested = this.view.cancelRequested;
    this.view = viewFromState(state);
    this.view.cancelRequested = cancelRequested && !this.view.finished;
    if (compareEventIds(state.lastEventId, this.lastEventId) > 0) this.lastEventId = state.lastEventId;
    this.loaded = true;
    for (const clip of this.view.clips) if (clip.status === 'done') this.deliver(clip);
    this.refresh();
    if (this.view.finished) void this.finalize();
  }

  onEvent(event: QueueEvent): void {
    if (this.loaded && compareEventIds(event.id, this.lastEventId) <= 0) return;
    this.lastEventId = event.id;
    const finished = applyEvent(this.view, event);
    if (finished?.status === 'done') this.deliver(finished);
    const s = summarize(this.view);
    if (s.active + s.queued === 0) this.view.cancelRequested = false;
    this.refresh();
    if (event.type === 'batchDone') void this.finalize();
  }

  /** Marks a cancel as asked for (the queue's events confirm it clip by clip). */
  cancelRequested(): void {
    if (!isCancellable(this.view)) return;
    this.view.cancelRequested = true;
    this.refresh();
  }

  waitingClipIds(): string[] {
    return this.view.clips.filter((c) => c.status === 'queued').map((c) => c.clipId);
  }

  updatePositions(positions: Parameters<typeof applyPositions>[1]): void {
    applyPositions(this.view, positions);
    this.refresh();
  }

  refresh(): void {
    this.scheduler.update(this.content());
  }

  /** Resolves when deliveries and edits queued so far are done (tests, shutdown). */
  async settled(): Promise<void> {
    await this.chain;
    await this.scheduler.idle();
  }

  /** Stops delivering: waits are cut short and leases given back, so the next start delivers what is left. */
  stopDelivering(): void {
    this.closed = true;
    const wake = this.wakers;
    this.wakers = [];
    for (const w of wake) w();
  }

  close(): void {
    this.stopDelivering();
    this.scheduler.close();
  }

  private async show(m: OutgoingMessage): Promise<void> {
    try {
      await this.deps.platform.editText(this.ref, m);
    } catch (err) {
      if (!(err instanceof MessageGoneError)) throw err;
      // The old message was deleted or is too old to edit: carry on in a fresh one.
      this.ref = await this.deps.platform.sendText(this.ref, m);
    }
  }

  private deliver(clip: ClipView): void {
    const output = clip.output;
    if (!output || !isTerminal(clip.status)) return;
    const item: ClipDelivery = {
      batchId: this.batchId,
      clipId: clip.clipId,
      index: clip.index,
      total: this.view.clips.length,
      template: clip.template,
      key: output.key,
      bytes: output.bytes,
    };
    this.chain = this.chain.then(() => this.deliverOnce(item)).catch((err: unknown) => this.deps.log.error({ err, batchId: this.batchId }, 'delivery step failed'));
  }

  /**
   * Exactly once: lease the clip, send it (retrying with backoff), then mark it delivered; on failure or shutdown
   * give the lease back so the next attempt (or the next start) delivers. A lease held elsewhere is waited out.
   */
  private async deliverOnce(clip: ClipDelivery): Promise<void> {
    const { tracking, log } = this.deps;
    const { attempts, backoffMs, leaseMs } = this.deps.delivery ?? DELIVERY_DEFAULTS;
    const key = `clip:${clip.clipId}`;
    if (this.closed) return;
    let lease = await tracking.lease(key, leaseMs);
    while (lease.state === 'busy') {
      if (this.closed) return;
      await this.pause(Math.min(lease.retryInMs, leaseMs));
      if (this.closed) return;
      lease = await tracking.lease(key, leaseMs);
    }
    if (lease.state === 'done') return;
    const token = lease.token;
    for (let attempt = 1; ; attempt++) {
      try {
        const ok = await sendClip(this.deps, this.ref, clip);
        if (!ok) log.warn({ clipId: clip.clipId }, 'clip not delivered');
        await tracking.complete(key, token);
        return;
      } catch (err) {
        log.warn({ err, clipId: clip.clipId, attempt }, 'clip delivery failed');
        if (this.closed || attempt >= attempts) {
          await tracking.giveBack(key, token).catch(() => undefined);
          if (!this.closed) await reportSendFailed(this.deps, this.ref, clip);
          this.undelivered++;
          return;
        }
        await this.pause(backoffMs * 2 ** (attempt - 1));
        if (this.closed) {
          await tracking.giveBack(key, token).catch(() => undefined);
          return;
        }
      }
    }
  }

  /** Sleeps on the clock, or less when delivery stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.deps.clock.clearTimeout(handle);
        this.wakers = this.wakers.filter((w) => w !== done);
        resolve();
      };
      const handle = this.deps.clock.setTimeout(done, ms);
      this.wakers.push(done);
    });
  }

  private finalize(): Promise<void> {
    this.finalizing ??= (async () => {
      const { tracking, platform, links, clock, log } = this.deps;
      try {
        await this.chain;
        if (this.closed) return;
        this.refresh();
        await this.scheduler.idle();
        const s = summarize(this.view);
        if (links && s.done > 0 && (await tracking.claim(`final:${this.batchId}`))) {
          await withRetryAfter(clock, () => platform.sendText(this.ref, { text: wordsFor(this.deps.locale).batchLinks(links.batchUrl(this.batchId), links.zipUrl?.(this.batchId)) }));
        }
        if (this.undelivered === 0) await tracking.untrack(this.batchId);
      } catch (err) {
        log.error({ err, batchId: this.batchId }, 'finishing a batch failed');
      } finally {
        this.deps.onFinished(this.batchId);
      }
    })();
    return this.finalizing;
  }
}
