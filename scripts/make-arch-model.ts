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
import { GraphBuilder, float, type Dim } from '../src/pipeline/model/onnx/graph.js';
import { uniformTensor } from './onnx/random.js';
import { MEL_BANDS, MEL_STEPS, WAV2LIP_INPUTS, WAV2LIP_OUTPUT } from './make-test-model.js';

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

type Pair = number | readonly [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * Scale of residual-branch weights relative to He init. With BatchNorm at its identity initialisation nothing
 * renormalises activations, and each `relu(x + branch(x))` would grow the signal; 22 of them in series overflow
 * the sigmoid into hard 0/1 (or worse). A small branch gain keeps activations O(1) across the whole network.
 */
const RESIDUAL_GAIN = 0.25;
const BN_EPSILON = 1e-5;

class Wav2LipBuilder {
  readonly g: GraphBuilder;
  readonly stats: ArchModelStats = { parameters: 0, bufferElements: 0, macsPerFrame: 0 };

  constructor(
    private readonly seed: number,
    readonly batch: Dim,
  ) {
    this.g = new GraphBuilder('wav2lip');
  }

  /** Lazily generated uniform weights with variance gain² / fanIn (He-uniform for gain √2). */
  private weight(name: string, dims: number[], fanIn: number, gain: number): string {
    const count = dims.reduce((a, b) => a * b, 1);
    this.stats.parameters += count;
    const bound = gain * Math.sqrt(3 / fanIn);
    return this.g.initializer(name, dims, () => uniformTensor(this.seed, name, count, bound));
  }

  /** PyTorch's default bias init, U(±1/√fanIn). */
  private bias(name: string, count: number, fanIn: number): string {
    this.stats.parameters += count;
    const bound = 1 / Math.sqrt(fanIn);
    return this.g.initializer(name, [count], () => uniformTensor(this.seed, name, count, bound));
  }

  /** BatchNormalization in inference mode at its initial state (γ 1, β 0, mean 0, var 1): identity up to ε. */
  private batchNorm(prefix: string, x: string, c: number): string {
    this.stats.parameters += 2 * c;
    this.stats.bufferElements += 2 * c;
    const ones = () => new Float32Array(c).fill(1);
    const zeros = () => new Float32Array(c);
    return this.g.op(
      'BatchNormalization',
      [
        x,
        this.g.initializer(`${prefix}.weight`, [c], ones),
        this.g.initializer(`${prefix}.bias`, [c], zeros),
        this.g.initializer(`${prefix}.running_mean`, [c], zeros),
        this.g.initializer(`${prefix}.running_var`, [c], ones),
      ],
      { epsilon: float(BN_EPSILON) },
      `${prefix}.out`,
    );
  }

  /** Plain nn.Conv2d (with bias); `gain` scales the He init. */
  convRaw(prefix: string, x: Feature, cout: number, k: number, stride: Pair, padding: Pair, gain: number): Feature {
    const [sh, sw] = pair(stride);
    const [ph, pw] = pair(padding);
    const h = Math.floor((x.h + 2 * ph - k) / sh) + 1;
    const w = Math.floor((x.w + 2 * pw - k) / sw) + 1;
    const fanIn = x.c * k * k;
    this.stats.macsPerFrame += cout * h * w * fanIn;
    const name = this.g.op(
      'Conv',
      [x.name, this.weight(`${prefix}.weight`, [cout, x.c, k, k], fanIn, gain), this.bias(`${prefix}.bias`, cout, fanIn)],
      { kernel_shape: [k, k], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [1, 1], group: 1 },
      `${prefix}.out`,
    );
    return { name, c: cout, h, w };
  }

  /** Wav2Lip's Conv2d block: Conv → BN (→ + x when residual) → ReLU. */
  conv(prefix: string, x: Feature, cout: number, k: number, stride: Pair, padding: Pair, residual = false): Feature {
    const gain = Math.SQRT2 * (residual ? RESIDUAL_GAIN : 1);
    const y = this.convRaw(`${prefix}.conv_block.0`, x, cout, k, stride, padding, gain);
    let out = this.batchNorm(`${prefix}.conv_block.1`, y.name, cout);
    if (residual) {
      if (y.c !== x.c || y.h !== x.h || y.w !== x.w) throw new Error(`${prefix}: residual shape mismatch`);
      out = this.g.op('Add', [out, x.name], {}, `${prefix}.residual`);
    }
    return { ...y, name: this.g.op('Relu', [out], {}, `${prefix}.act`) };
  }

  /** Wav2Lip's Conv2dTranspose block: ConvTranspose → BN → ReLU. */
  convTranspose(prefix: string, x: Feature, cout: number, k: number, stride: number, padding: number, outputPadding: number): Feature {
    const h = (x.h - 1) * stride - 2 * padding + k + outputPadding;
    const w = (x.w - 1) * stride - 2 * padding + k + outputPadding;
    // Each output pixel sums over roughly (input pixels × taps) / output pixels contributions per input channel.
    const fanIn = (x.c * x.h * x.w * k * k) / (h * w);
    this.stats.macsPerFrame += x.c * x.h * x.w * cout * k * k;
    const conv = `${prefix}.conv_block.0`;
    const y = this.g.op(
      'ConvTranspose',
      [x.name, this.weight(`${conv}.weight`, [x.c, cout, k, k], fanIn, Math.SQRT2), this.bias(`${conv}.bias`, cout, fanIn)],
      {
        kernel_shape: [k, k],
        strides: [stride, stride],
        pads: [padding, padding, padding, padding],
        output_padding: [outputPadding, outputPadding],
        dilations: [1, 1],
        group: 1,
      },
      `${conv}.out`,
    );
    const bn = this.batchNorm(`${prefix}.conv_block.1`, y, cout);
    return { name: this.g.op('Relu', [bn], {}, `${prefix}.act`), c: cout, h, w };
  }

  concat(prefix: string, a: Feature, b: Feature): Feature {
    if (a.h !== b.h || a.w !== b.w) throw new Error(`${prefix}: cannot concat ${a.h}x${a.w} with ${b.h}x${b.w}`);
    return { name: this.g.op('Concat', [a.name, b.name], { axis: 1 }, `${prefix}.concat`), c: a.c + b.c, h: a.h, w: a.w };
  }
}

/** Builds the graph; weights are generated lazily when it is written. */
export function buildArchModel(options: ArchModelOptions = {}): { graph: GraphBuilder; stats: ArchModelStats } {
  const b = new Wav2LipBuilder(options.seed ?? 1, options.fixedBatch ? 1 : 'batch');
  const { g } = b;
  const batch = b.batch;

  // Input order as in Wav2Lip.forward(audio_sequences, face_sequences).
  const mel0: Feature = { name: g.input(WAV2LIP_INPUTS.mel, [batch, 1, MEL_BANDS, MEL_STEPS]), c: 1, h: MEL_BANDS, w: MEL_STEPS };
  const face0: Feature = { name: g.input(WAV2LIP_INPUTS.video, [batch, 6, 96, 96]), c: 6, h: 96, w: 96 };

  // Face encoder: 7 blocks, each output kept for the decoder's skip connections.
  // [cout, kernel, stride, padding, residual convs after the first]
  const faceBlocks: [number, number, number, number, number][] = [
    [16, 7, 1, 3, 0], // 96²
    [32, 3, 2, 1, 2], // 48²
    [64, 3, 2, 1, 3], // 24²
    [128, 3, 2, 1, 2], // 12²
    [256, 3, 2, 1, 2], // 6²
    [512, 3, 2, 1, 1], // 3²
  ];
  const feats: Feature[] = [];
  let x = face0;
  faceBlocks.forEach(([cout, k, s, p, res], i) => {
    x = b.conv(`face_encoder_blocks.${i}.0`, x, cout, k, s, p);
    for (let j = 1; j <= res; j += 1) x = b.conv(`face_encoder_blocks.${i}.${j}`, x, cout, 3, 1, 1, true);
    feats.push(x);
  });
  x = b.conv('face_encoder_blocks.6.0', x, 512, 3, 1, 0); // 1²
  x = b.conv('face_encoder_blocks.6.1', x, 512, 1, 1, 0);
  feats.push(x);

  // Audio encoder: one sequential stack, [B,1,80,16] → [B,512,1,1].
  let a = mel0;
  let ai = 0;
  const audio = (cout: number, k: number, s: Pair, p: number, residual = false) => {
    a = b.conv(`audio_encoder.${ai}`, a, cout, k, s, p, residual);
    ai += 1;
  };
  audio(32, 3, 1, 1);
  audio(32, 3, 1, 1, true);
  audio(32, 3, 1, 1, true);
  audio(64, 3, [3, 1], 1);
  audio(64, 3, 1, 1, true);
  audio(64, 3, 1, 1, true);
  audio(128, 3, 3, 1);
  audio(128, 3, 1, 1, true);
  audio(128, 3, 1, 1, true);
  audio(256, 3, [3, 2], 1);
  audio(256, 3, 1, 1, true);
  audio(512, 3, 1, 0);
  audio(512, 1, 1, 0);
  if (a.h !== 1 || a.w !== 1) throw new Error(`audio embedding is ${a.h}x${a.w}, expected 1x1`);

  // Decoder: starts from the audio embedding; after each block, concat the deepest unused face feature.
  const skip = (prefix: string, y: Feature): Feature => {
    const f = feats.pop();
    if (f === undefined) throw new Error('decoder has more blocks than face features');
    return b.concat(prefix, y, f);
  };
  x = b.conv('face_decoder_blocks.0.0', a, 512, 1, 1, 0);
  x = skip('face_decoder_blocks.0', x); // 1², 1024
  x = b.convTranspose('face_decoder_blocks.1.0', x, 512, 3, 1, 0, 0); // 3²
  x = b.conv('face_decoder_blocks.1.1', x, 512, 3, 1, 1, true);
  x = skip('face_decoder_blocks.1', x); // 1024
  // [cout of the upsampling deconv; each followed by 2 residual convs]
  const upBlocks = [512, 384, 256, 128, 64]; // 6², 12², 24², 48², 96²
  upBlocks.forEach((cout, n) => {
    const i = n + 2;
    x = b.convTranspose(`face_decoder_blocks.${i}.0`, x, cout, 3, 2, 1, 1);
    x = b.conv(`face_decoder_blocks.${i}.1`, x, cout, 3, 1, 1, true);
    x = b.conv(`face_decoder_blocks.${i}.2`, x, cout, 3, 1, 1, true);
    x = skip(`face_decoder_blocks.${i}`, x);
  });
  if (feats.length !== 0 || x.c !== 80 || x.h !== 96) throw new Error(`decoder ended at ${x.c}x${x.h}x${x.w}`);

  // Output block: Conv2d block 80→32, plain 1×1 conv 32→3 (gain 1: no ReLU follows), sigmoid.
  x = b.conv('output_block.0', x, 32, 3, 1, 1);
  x = b.convRaw('output_block.1', x, 3, 1, 1, 0, 1);
  const out = g.op('Sigmoid', [x.name], {}, WAV2LIP_OUTPUT);
  g.output(out, [batch, 3, 96, 96]);
  return { graph: g, stats: b.stats };
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
