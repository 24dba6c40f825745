import type { Logger } from '../../log.js';
import type { Clock } from './clock.js';
import { RateLimitedError, type OutgoingMessage } from './platform.js';

export interface EditSchedulerOptions {
  /** At most one edit per this many milliseconds (Telegram: 3 s by default). */
  minIntervalMs: number;
  clock: Clock;
  /** Attempts per content for errors other than rate limits, before that content is dropped. */
  maxAttempts?: number;
  log?: Logger;
  /**
   * The bot's shared edit budget for this message's chat (see EditBudget): takes one edit and returns 0, or returns
   * how long to wait when the chat or the whole bot is out of edits for now.
   */
  budget?: () => number;
}

/** Stable identity of a message's visible content: an edit is needed only when it changes. */
export function contentKey(m: OutgoingMessage): string {
  return JSON.stringify([m.text, m.keyboard ?? []]);
}

/**
 * Keeps one message showing the latest content without flooding the platform:
 * - at most one edit per `minIntervalMs`; updates in between are coalesced (only the newest is sent);
 * - content equal to what the message already shows is never sent;
 * - a RateLimitedError pushes the next attempt back by its retry-after, and the content is kept, so the final
 *   state is never lost; other failures are retried a few times.
 * The send function does the edit (and may replace the message when the platform lost it).
 */
export class EditScheduler {
  private shown: string | null = null;
  private desired: OutgoingMessage | null = null;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private notBefore = 0;
  private timer: unknown = null;
  private inFlight = false;
  private failures = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  /** Edits actually sent (for tests and metrics). */
  edits = 0;

  constructor(
    private readonly send: (message: OutgoingMessage) => Promise<void>,
    private readonly options: EditSchedulerOptions,
  ) {}

  /** Records what the message shows now (e.g. right after it was posted). */
  markShown(message: OutgoingMessage): void {
    this.shown = contentKey(message);
  }

  /** Asks for the message to show `message`; returns at once. */
  update(message: OutgoingMessage): void {
    if (this.closed) return;
    this.desired = message;
    this.failures = 0;
    this.pump();
  }

  /** Resolves once the newest content is shown (or was given up on) and nothing is pending. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops scheduling; pending content is dropped and idle() waiters are released. */
  close(): void {
    this.closed = true;
    this.desired = null;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
    this.releaseWaiters();
  }

  private isIdle(): boolean {
    return !this.inFlight && this.timer === null && this.desired === null;
  }

  private releaseWaiters(): void {
    if (!this.isIdle() && !this.closed) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private pump(): void {
    if (this.closed || this.inFlight || this.timer !== null) return;
    const content = this.desired;
    if (content === null || contentKey(content) === this.shown) {
      this.desired = null;
      this.releaseWaiters();
      return;
    }
    const now = this.options.clock.now();
    const due = Math.max(this.lastAttemptAt + this.options.minIntervalMs, this.notBefore);
    if (due > now) {
      this.timer = this.options.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, due - now);
      return;
    }
    const wait = this.options.budget?.() ?? 0;
    if (wait > 0) {
      this.timer = this.options.clock.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
      return;
    }
    this.inFlight = true;
    this.lastAttemptAt = now;
    this.edits++;
    void this.send(content).then(
      () => {
        this.shown = contentKey(content);
        if (this.desired === content) this.desired = null;
        this.failures = 0;
      },
      (err: unknown) => {
        if (err instanceof RateLimitedError) {
          this.notBefore = this.options.clock.now() + err.retryAfterMs;
          this.options.log?.warn({ retryAfterMs: err.retryAfterMs }, 'edit rate limited; waiting');
          return;
        }
        this.failures++;
        this.options.log?.warn({ err, attempt: this.failures }, 'message edit failed');
        if (this.failures >= (this.options.maxAttempts ?? 3) && this.desired === content) {
          this.desired = null;
          this.failures = 0;
        }
      },
    ).finally(() => {
      this.inFlight = false;
      this.pump();
    });
  }
}
