/**
 * Synthetic Wav2Lip generator checkpoints for tests, at any width (16 = the published 36.3 M-parameter layout),
 * written by the TypeScript checkpoint writer in either torch.save format. Weights are seeded per tensor name and
 * produced lazily, so a full-size checkpoint with optimizer state (≈ 436 MB, like wav2lip_gan.pth) is written one
 * tensor at a time. BatchNorm statistics are deliberately not the identity, so a wrong fold shows in the output.
 */
import { mulberry32, tensorSeed, uniformTensor } from '../../scripts/onnx/random.js';
import { floatToHalf, halfToFloat } from '../../src/pipeline/model/half.js';
import type { LayerWeights } from '../../src/pipeline/model/wav2lip/graph.js';
import { allLayers, convWeightShape, layerTensors, wav2lipLayout, type ConvLayer, type Wav2LipLayout } from '../../src/pipeline/model/wav2lip/layout.js';
import { tensor, writeTorchCheckpoint, type PyKey, type PyValue } from './torchCheckpointWriter.js';

export interface SyntheticCheckpointOptions {
  width?: number;
  seed?: number;
  dtype?: 'float32' | 'float16';
  format: 'legacy' | 'zip';
  /** DataParallel's `module.` on every key. */
  modulePrefix?: boolean;
  /** Wrap as the training script saves: {state_dict, optimizer (Adam state for every parameter), global_step, global_epoch}. */
  training?: boolean;
}

const RESIDUAL_GAIN = 0.25;

function roundToHalf(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = halfToFloat(floatToHalf(values[i]!));
  return values;
}

/** Uniform in [lo, hi) seeded by name. */
function uniformRange(seed: number, name: string, count: number, lo: number, hi: number): Float32Array {
  const next = mulberry32(tensorSeed(seed, name));
  return Float32Array.from({ length: count }, () => lo + (hi - lo) * next());
}

/**
 * The weights of one layer, as the checkpoint stores them (already rounded to half precision for float16
 * checkpoints, so a reference graph built from them computes exactly what the checkpoint holds).
 */
export function syntheticLayerWeights(seed: number, dtype: 'float32' | 'float16' = 'float32'): (layer: ConvLayer) => LayerWeights {
  const stored = (values: Float32Array) => (dtype === 'float16' ? roundToHalf(values) : values);
  return (layer) => {
    const shape = convWeightShape(layer);
    const count = shape.reduce((a, b) => a * b, 1);
    const stride = layer.stride[0] * layer.stride[1];
    const fanIn = layer.kind === 'deconv' ? (layer.cin * layer.kernel * layer.kernel) / stride : layer.cin * layer.kernel * layer.kernel;
    const gain = layer.kind === 'plain' ? 1 : Math.SQRT2 * (layer.residual ? RESIDUAL_GAIN : 1);
    const conv = layer.kind === 'plain' ? layer.prefix : `${layer.prefix}.conv_block.0`;
    const bn = `${layer.prefix}.conv_block.1`;
    const c = layer.cout;
    return {
      weight: stored(uniformTensor(seed, `${conv}.weight`, count, gain * Math.sqrt(3 / fanIn))),
      bias: stored(uniformTensor(seed, `${conv}.bias`, c, 0.1)),
      ...(layer.kind === 'plain'
        ? {}
        : {
            batchNorm: {
              gamma: stored(uniformRange(seed, `${bn}.weight`, c, 0.7, 1.3)),
              beta: stored(uniformTensor(seed, `${bn}.bias`, c, 0.2)),
              mean: stored(uniformTensor(seed, `${bn}.running_mean`, c, 0.3)),
              variance: stored(uniformRange(seed, `${bn}.running_var`, c, 0.6, 1.6)),
            },
          }),
    };
  };
}

/** The state dict (an OrderedDict of tensors, keys as the published checkpoints name them). */
function stateDict(layout: Wav2LipLayout, options: SyntheticCheckpointOptions): Map<PyKey, PyValue> {
  const seed = options.seed ?? 1;
  const dtype = options.dtype ?? 'float32';
  const generate = syntheticLayerWeights(seed, dtype);
  // The writer visits a layer's tensors one after another: generate each layer once, keep only the current one.
  let current: { layer: ConvLayer; weights: LayerWeights } | undefined;
  const weightsOf = (layer: ConvLayer) => {
    if (current?.layer !== layer) current = { layer, weights: generate(layer) };
    return current.weights;
  };
  const prefix = options.modulePrefix ? 'module.' : '';
  const dict = new Map<PyKey, PyValue>();
  for (const layer of allLayers(layout)) {
    const pick: Record<string, (w: LayerWeights) => Float32Array> = {
      weight: (w) => w.weight,
      bias: (w) => w.bias,
      'bn-weight': (w) => w.batchNorm!.gamma,
      'bn-bias': (w) => w.batchNorm!.beta,
      'bn-mean': (w) => w.batchNorm!.mean,
      'bn-var': (w) => w.batchNorm!.variance,
    };
    for (const t of layerTensors(layer)) {
      if (t.role === 'bn-count') {
        dict.set(prefix + t.key, tensor({ dtype: 'int64', shape: [], data: BigInt64Array.of(1000n) }));
        continue;
      }
      const select = pick[t.role]!;
      dict.set(prefix + t.key, tensor({ dtype, shape: t.shape, data: () => select(weightsOf(layer)) }));
    }
  }
  return dict;
}

/** Adam's per-parameter state, as torch.optim.Adam.state_dict() holds it (never read by an import). */
function adamState(layout: Wav2LipLayout): PyValue {
  const state = new Map<PyKey, PyValue>();
  const params: number[] = [];
  let index = 0;
  for (const t of allLayers(layout).flatMap(layerTensors)) {
    if (t.role === 'bn-count' || t.role === 'bn-mean' || t.role === 'bn-var') continue;
    const numel = t.shape.reduce((a, b) => a * b, 1);
    state.set(
      index,
      new Map<PyKey, PyValue>([
        ['step', 5000],
        ['exp_avg', tensor({ dtype: 'float32', shape: t.shape, data: () => new Float32Array(numel).fill(1e-4) })],
        ['exp_avg_sq', tensor({ dtype: 'float32', shape: t.shape, data: () => new Float32Array(numel).fill(1e-8) })],
      ]),
    );
    params.push(index);
    index++;
  }
  const group = new Map<PyKey, PyValue>([
    ['lr', { float: 1e-4 }],
    ['betas', { tuple: [{ float: 0.9 }, { float: 0.999 }] }],
    ['eps', { float: 1e-8 }],
    ['weight_decay', 0],
    ['amsgrad', false],
    ['params', params],
  ]);
  return new Map<PyKey, PyValue>([
    ['state', state],
    ['param_groups', [group]],
  ]);
}

/** Writes the checkpoint and returns the layout it holds. */
export async function writeSyntheticWav2LipCheckpoint(path: string, options: SyntheticCheckpointOptions): Promise<Wav2LipLayout> {
  const layout = wav2lipLayout(options.width ?? 16);
  const dict: PyValue = { ordered: stateDict(layout, options) };
  const root: PyValue = options.training
    ? new Map<PyKey, PyValue>([
        ['state_dict', dict],
        ['optimizer', adamState(layout)],
        ['global_step', 250_000],
        ['global_epoch', 40],
      ])
    : dict;
  await writeTorchCheckpoint(path, root, { format: options.format });
  return layout;
}
