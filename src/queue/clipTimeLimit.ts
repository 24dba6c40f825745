import type { ClipTimeoutSettings } from '../config/queue.js';

/** Wall-clock milliseconds a clip of `clipSeconds` may render: the margin, plus the factor × its length. */
export function clipTimeLimitMs(clipSeconds: number, settings: ClipTimeoutSettings): number {
  return settings.marginMs + settings.factor * Math.max(0, clipSeconds) * 1000;
}

/**
 * The render-time budget of one clip, counted from its start. Until the render reports the clip's length (once the
 * audio is decoded, whatever the file's header claimed) only the margin is granted; then margin + factor × length.
 * When it runs out, `onExpired` is called once.
 */
export class ClipTimeLimit {
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private clipSeconds = 0;
  private expired = false;

  constructor(
    private readonly settings: ClipTimeoutSettings,
    private readonly onExpired: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.arm();
  }

  /** The limit in force now, in milliseconds from the start. */
  get limitMs(): number {
    return clipTimeLimitMs(this.clipSeconds, this.settings);
  }

  /** The clip's real length became known. */
  setClipSeconds(seconds: number): void {
    if (this.expired || seconds === this.clipSeconds || !(seconds > 0)) return;
    this.clipSeconds = seconds;
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.stop();
    const left = this.startedAt + this.limitMs - this.now();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpired();
    }, Math.max(0, left));
  }
}
