import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { EnhancerConfig } from '../../config/index.js';
import { formatBytes } from '../../format.js';
import { EnhancerModel } from './enhancerModel.js';
import { enhancerKind } from './enhancerSignature.js';

export interface EnhancerCheckOptions {
  device: 'cpu' | 'cuda';
  threads: number;
  /** Faces per call for dynamic-batch models (the lip-sync batch, LIPSYNC_BATCH_SIZE); a fixed batch uses its own. */
  batchSize: number;
  warmupRuns?: number;
  timedRuns?: number;
}

/** What the render does with the face restorer (LIPSYNC_ENHANCER), and how fast it runs here. Plain data. */
export interface EnhancerReport {
  modelPath: string;
  fileBytes: number;
  /** e.g. "GFPGAN-style" or "CodeFormer-style" (by its inputs). */
  kind: string;
  input: { name: string; type: string; shape: Array<number | string> };
  output: string;
  size: number;
  batch: { mode: 'dynamic' | 'fixed'; size: number };
  /** CodeFormer's fidelity input and the value it gets (CODEFORMER_FIDELITY); null for the others. */
  fidelity: { input: string; value: number } | null;
  blend: number;
  device: { requested: 'cpu' | 'cuda'; used: 'cpu' | 'cuda' };
  speed: { batchSize: number; runs: number; msPerBatch: number; facesPerSecond: number } | null;
}

/** Opens the restorer as the render would and times it; throws ModelMissingError, EnhancerFormatError or ConfigError. */
export async function checkEnhancer(settings: EnhancerConfig, options: EnhancerCheckOptions): Promise<EnhancerReport> {
  const model = await EnhancerModel.open({ modelPath: settings.modelPath, device: options.device, threads: options.threads });
  try {
    const sig = model.signature;
    const batchSize = model.batchFor(options.batchSize);
    const meta = model.metadata.inputs.find((m) => m.name === sig.imageInput);
    const warmup = options.warmupRuns ?? 1;
    const timedRuns = options.timedRuns ?? 3;
    const faces = new Float32Array(batchSize * 3 * sig.size * sig.size).map((_, i) => Math.sin(i) * 0.9);
    let elapsed = 0;
    for (let run = 0; run < warmup + timedRuns; run++) {
      const started = performance.now();
      await model.run(faces, batchSize, settings.fidelity);
      if (run >= warmup) elapsed += performance.now() - started;
    }
    const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
    return {
      modelPath: settings.modelPath,
      fileBytes: statSync(settings.modelPath).size,
      kind: enhancerKind(sig),
      input: { name: sig.imageInput, type: sig.imageType, shape: meta?.isTensor ? [...meta.shape] : [] },
      output: sig.output,
      size: sig.size,
      batch: { mode: sig.fixedBatch === null ? 'dynamic' : 'fixed', size: batchSize },
      fidelity: sig.fidelity ? { input: sig.fidelity.name, value: settings.fidelity } : null,
      blend: settings.blend,
      device: { requested: options.device, used: model.executionProvider },
      speed:
        timedRuns > 0
          ? { batchSize, runs: timedRuns, msPerBatch: round(elapsed / timedRuns, 2), facesPerSecond: round((batchSize * timedRuns * 1000) / Math.max(elapsed, 1e-6), 2) }
          : null,
    };
  } finally {
    await model.dispose();
  }
}

/** The report as lines under the lip-sync model's (`lipsync model check`). */
export function describeEnhancerReport(r: EnhancerReport): string[] {
  const shape = `[${r.input.shape.map((d) => (d === '' || d === -1 ? '?' : d)).join(',')}]`;
  const lines = [
    `Enhancer    ${r.modelPath} (${formatBytes(r.fileBytes)}), ${r.kind}: ${r.input.name} ${r.input.type} ${shape} → ${r.output}`,
    `            ${r.size}×${r.size} px, FFHQ-aligned, RGB in [-1, 1]; ${r.batch.mode === 'fixed' ? `batch fixed at ${r.batch.size} by the model` : `dynamic batch: ${r.batch.size} faces per call`}`,
    `            blend ${r.blend} (ENHANCER_BLEND${r.blend === 0 ? ': 0 turns it off' : ''})${r.fidelity ? `; fidelity ${r.fidelity.input} = ${r.fidelity.value} (CODEFORMER_FIDELITY)` : ''}`,
  ];
  if (r.speed) {
    lines.push(
      `            ${r.speed.facesPerSecond} faces/s on ${r.device.used === 'cuda' ? 'CUDA' : 'this CPU'} (batch ${r.speed.batchSize}, ${r.speed.msPerBatch} ms per batch, mean of ${r.speed.runs} runs)`,
    );
  }
  return lines;
}
