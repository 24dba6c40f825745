import type { Clock } from './clock.js';

export interface CommandRate {
  /** Commands a user may send in a row. */
  burst: number;
  /** Sustained commands per minute (the bucket refills at this rate); 0 turns the limit off. */
  perMinute: number;
}

/**
 * A token bucket per user for the commands that cost the service something (Render, /lipsync, cancel): a burst
 * goes through, a flood is refused politely until the bucket refills. Kept in memory: a restart forgives.
 */
export class CommandLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: CommandRate,
    private readonly clock: Clock,
  ) {}

  /** Takes a token for `userKey` and returns 0, or returns the ms until one is available (nothing taken). */
  take(userKey: string): number {
    const { burst, perMinute } = this.rate;
    if (perMinute <= 0 || burst <= 0) return 0;
    const now = this.clock.now();
    const msPerToken = 60_000 / perMinute;
    const b = this.buckets.get(userKey) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (now - b.at) / msPerToken);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(userKey, b);
      return Math.ceil((1 - b.tokens) * msPerToken);
    }
    b.tokens -= 1;
    this.buckets.set(userKey, b);
    if (this.buckets.size > 10_000) this.prune(now, msPerToken);
    return 0;
  }

  /** Full buckets carry no information: forget them. */
  private prune(now: number, msPerToken: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) / msPerToken >= this.rate.burst) this.buckets.delete(k);
  }
}
