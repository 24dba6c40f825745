/** Lets a value through at most once per `intervalMs`; the first one always passes. */
export class Throttle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  ready(now: number = Date.now()): boolean {
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}

/** Minimum gap between two progress events of one clip. */
export const PROGRESS_INTERVAL_MS = 500;
