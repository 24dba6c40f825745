import type { ProgressCallback, RenderProgress, RenderStage } from './types.js';

const MIN_INTERVAL_MS = 250;

/** Turns frame counts into throttled progress reports with fps and ETA. Stage changes are always reported. */
export class ProgressReporter {
  private stage: RenderStage = 'probe';
  private framesTotal = 0;
  private framesDone = 0;
  private renderStartedAt = 0;
  private lastReportAt = 0;
  private enhancer: string | undefined;
  private clipSeconds = 0;

  constructor(private readonly callback: ProgressCallback | undefined, private readonly now: () => number = Date.now) {}

  setStage(stage: RenderStage, framesTotal = this.framesTotal): void {
    this.stage = stage;
    this.framesTotal = framesTotal;
    if (stage === 'render') this.renderStartedAt = this.now();
    this.emit();
  }

  /** Names the face restorer in every later report (render stage label); null/undefined: none. */
  setEnhancer(label: string | null | undefined): void {
    this.enhancer = label ?? undefined;
  }

  /** The clip's length, known once the audio is decoded. */
  setClipSeconds(seconds: number): void {
    this.clipSeconds = seconds;
    this.emit();
  }

  frameDone(): void {
    this.framesDone++;
    if (this.now() - this.lastReportAt >= MIN_INTERVAL_MS || this.framesDone === this.framesTotal) this.emit();
  }

  snapshot(): RenderProgress {
    const elapsed = (this.now() - this.renderStartedAt) / 1000;
    const fps = this.stage !== 'probe' && this.stage !== 'audio' && elapsed > 0 ? this.framesDone / elapsed : 0;
    const left = this.framesTotal - this.framesDone;
    return {
      stage: this.stage,
      framesDone: this.framesDone,
      framesTotal: this.framesTotal,
      fps: Math.round(fps * 10) / 10,
      etaSeconds: fps > 0 ? Math.ceil(left / fps) : null,
      ...(this.enhancer ? { enhancer: this.enhancer } : {}),
      ...(this.clipSeconds > 0 ? { clipSeconds: this.clipSeconds } : {}),
    };
  }

  private emit(): void {
    this.lastReportAt = this.now();
    this.callback?.(this.snapshot());
  }
}
