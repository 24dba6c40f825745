import cliProgress from 'cli-progress';
import type { RenderProgress } from '../pipeline/render/types.js';

/** Progress bars on a terminal (one per clip); silent elsewhere so logs and pipes stay clean. */
export interface ClipProgressView {
  start(label: string): (progress: RenderProgress) => void;
  finish(label: string, outcome: string): void;
  stop(): void;
}

function eta(seconds: number | null): string {
  if (seconds === null) return '--';
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

export function createProgressView(enabled: boolean): ClipProgressView {
  if (!enabled) return { start: () => () => undefined, finish: () => undefined, stop: () => undefined };
  const multi = new cliProgress.MultiBar(
    {
      format: ' {label} |{bar}| {stage} {value}/{total} frames · {fps} fps · ETA {eta}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    start(label) {
      const bar = multi.create(1, 0, { label, stage: 'probe', fps: 0, eta: '--' });
      bars.set(label, bar);
      return (p) => {
        bar.setTotal(Math.max(1, p.framesTotal));
        // The face restorer, when one runs, is named with the render stage ("render+enhance").
        const stage = p.stage === 'render' && p.enhancer ? 'render+enhance' : p.stage;
        bar.update(p.framesDone, { stage: stage.padEnd(8), fps: p.fps, eta: eta(p.etaSeconds) });
      };
    },
    finish(label, outcome) {
      bars.get(label)?.update({ stage: outcome.padEnd(8) });
    },
    stop() {
      multi.stop();
    },
  };
}
