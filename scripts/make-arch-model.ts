/**
 * Writes the classic 96 px Wav2Lip generator (Prajwal et al. 2020, models/wav2lip.py) as ONNX, with seeded random
 * weights instead of trained ones. It has the real layer structure, parameter count and compute, so benchmarks and
 * engine tests exercise the same cost as the real model without shipping or downloading weights. Its output is
 * meaningless as an image, but finite and in [0, 1].
 *
 * Layer naming follows the PyTorch state dict (face_encoder_blocks.1.0.conv_block.0.weight, ...), so the graph
 * reads like the reference export.
 *
 * CLI: npm run model:arch -- OUT.onnx [--seed N] [--fixed-batch]
 */
import { parseArgs } from 'node:util';
import { isMainModule } from './onnx/cli.js';
import type { GraphBuilder } from '../src/pipeline/model/onnx/graph.js';
import { buildWav2LipGraph, type LayerGeometry, type LayerWeights } from '../src/pipeline/model/wav2lip/graph.js';
import { convWeightShape, parameterCount, wav2lipLayout, type ConvLayer } from '../src/pipeline/model/wav2lip/layout.js';
import { uniformTensor } from './onnx/random.js';

/** The commonly quoted trainable-parameter count of the Wav2Lip generator. */
export const WAV2LIP_REFERENCE_PARAMETERS = 36.3e6;

export interface ArchModelOptions {
  /** PRNG seed for the weights (default 1). */
  seed?: number;
  /** Export with batch fixed to 1 instead of the symbolic "batch" dimension. */
  fixedBatch?: boolean;
}

export interface ArchModelStats {
  /** Trainable parameters as PyTorch counts them: conv/deconv weights + biases, BatchNorm gamma + beta. */
  parameters: number;
  /** BatchNorm running mean + variance (stored in the file, not trainable). */
  bufferElements: number;
  /**
   * Multiply-accumulates per frame: conv per output pixel, transposed conv per input pixel (the work actually done;
   * ≈ 3.97 G). Counting transposed convs per output pixel, as if over a zero-stuffed input, gives ≈ 7.5 G instead.
   */
  macsPerFrame: number;
}

/** A feature map flowing through the builder: its value name and per-frame shape. */
interface Feature {
  name: string;
  c: number;
  h: number;
  w: number;
}

/**
 * Scale of residual-branch weights relative to He init. With BatchNorm at its identity initialisation nothing
 * renormalises activations, and each `relu(x + branch(x))` would grow the signal; 22 of them in series overflow
 * the sigmoid into hard 0/1 (or worse). A small branch gain keeps activations O(1) across the whole network.
 */
const RESIDUAL_GAIN = 0.25;

/** Builds the graph; weights are generated lazily when it is written. */
export function buildArchModel(options: ArchModelOptions = {}): { graph: GraphBuilder; stats: ArchModelStats } {
  const seed = options.seed ?? 1;
  const layout = wav2lipLayout();
  const stats: ArchModelStats = { parameters: parameterCount(layout), bufferElements: 0, macsPerFrame: 0 };
  const fanIns = new Map<string, number>();
  const onLayer = (layer: ConvLayer, { input, output }: LayerGeometry) => {
    const taps = layer.cin * layer.kernel * layer.kernel;
    if (layer.kind === 'deconv') {
      // Work actually done per input pixel; each output pixel sums about (input pixels × taps) / output pixels terms.
      stats.macsPerFrame += input.h * input.w * taps * layer.cout;
      fanIns.set(layer.prefix, (taps * input.h * input.w) / (output.h * output.w));
    } else {
      stats.macsPerFrame += output.h * output.w * taps * layer.cout;
      fanIns.set(layer.prefix, taps);
    }
    if (layer.kind !== 'plain') stats.bufferElements += 2 * layer.cout;
  };
  const weights = (layer: ConvLayer): LayerWeights => {
    const fanIn = fanIns.get(layer.prefix)!;
    // He-uniform for ReLU layers, gain 1 for the output conv (a sigmoid follows), damped on residual branches.
    const gain = layer.kind === 'plain' ? 1 : Math.SQRT2 * (layer.residual ? RESIDUAL_GAIN : 1);
    const conv = layer.kind === 'plain' ? layer.prefix : `${layer.prefix}.conv_block.0`;
    const count = convWeightShape(layer).reduce((a, b) => a * b, 1);
    const c = layer.cout;
    return {
      weight: uniformTensor(seed, `${conv}.weight`, count, gain * Math.sqrt(3 / fanIn)),
      bias: uniformTensor(seed, `${conv}.bias`, c, 1 / Math.sqrt(fanIn)),
      // BatchNorm at its initial state (γ 1, β 0, mean 0, var 1): identity up to ε.
      ...(layer.kind === 'plain'
        ? {}
        : { batchNorm: { gamma: new Float32Array(c).fill(1), beta: new Float32Array(c), mean: new Float32Array(c), variance: new Float32Array(c).fill(1) } }),
    };
  };
  const graph = buildWav2LipGraph(layout, weights, { batch: options.fixedBatch ? 1 : 'batch', batchNorm: 'explicit', onLayer });
  return { graph, stats };
}

/** Writes the architecture model to `path` (about 145 MB, streamed one tensor at a time). */
export async function writeArchModel(
  path: string,
  options: ArchModelOptions = {},
): Promise<ArchModelStats & { bytes: number }> {
  const { graph, stats } = buildArchModel(options);
  const bytes = await graph.writeModel(path, {
    producerName: 'lipsync-bot/make-arch-model',
    docString: 'Wav2Lip 96 px generator architecture with seeded random weights (for benchmarks, not for use).',
    metadata: {
      'lipsync.model': 'arch',
      'lipsync.seed': String(options.seed ?? 1),
      'lipsync.parameters': String(stats.parameters),
    },
  });
  return { ...stats, bytes };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seed: { type: 'string' }, 'fixed-batch': { type: 'boolean' } },
  });
  const [out] = positionals;
  if (out === undefined || positionals.length > 1) {
    console.error('usage: npm run model:arch -- OUT.onnx [--seed N] [--fixed-batch]');
    process.exitCode = 2;
    return;
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const started = performance.now();
  const result = await writeArchModel(out, { seed, fixedBatch: values['fixed-batch'] ?? false });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `wrote ${out}: ${(result.bytes / 1e6).toFixed(1)} MB, ` +
      `${(result.parameters / 1e6).toFixed(2)} M trainable parameters ` +
      `(${((result.parameters / WAV2LIP_REFERENCE_PARAMETERS - 1) * 100).toFixed(2)} % vs 36.3 M), ` +
      `${(result.macsPerFrame / 1e9).toFixed(2)} GMAC/frame, ${seconds.toFixed(1)} s`,
  );
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
