/**
 * Builds the Wav2Lip generator as an ONNX graph from a {@link Wav2LipLayout} and a source of layer weights.
 *
 * Weights are pulled lazily, one layer at a time, while the file is written: a 436 MB checkpoint never sits in
 * memory whole. BatchNorm is either folded into the preceding convolution (what an import writes: eval-mode
 * semantics, one Conv per block) or kept as explicit BatchNormalization nodes (the reference the fold is tested
 * against, and the benchmark's architecture model).
 */
import { GraphBuilder, float, type AttrValue, type Dim } from '../onnx/graph.js';
import { foldBatchNorm, type BatchNormParams } from './batchNormFold.js';
import { BATCH_NORM_EPSILON, convWeightShape, WAV2LIP_FACE_SIZE, WAV2LIP_MEL_SHAPE, type ConvLayer, type Wav2LipLayout } from './layout.js';

export const WAV2LIP_INPUT_NAMES = { mel: 'mel_spectrogram', faces: 'video_frames' } as const;
export const WAV2LIP_OUTPUT_NAME = 'output';

/** One layer's weights as stored by PyTorch (float32, the state dict's layouts). */
export interface LayerWeights {
  weight: Float32Array;
  bias: Float32Array;
  /** Absent only for the plain output conv. */
  batchNorm?: BatchNormParams;
}

export type LayerWeightSource = (layer: ConvLayer) => Promise<LayerWeights> | LayerWeights;

/** Spatial size of one layer's input and output feature maps, per frame. */
export interface LayerGeometry {
  input: { h: number; w: number };
  output: { h: number; w: number };
}

export interface Wav2LipGraphOptions {
  /** 'batch' (symbolic, the default) or a fixed size. */
  batch?: Dim;
  batchNorm: 'fold' | 'explicit';
  /** Called for each layer as the graph is built (before any weight is read), e.g. to count MACs. */
  onLayer?: (layer: ConvLayer, geometry: LayerGeometry) => void;
}

interface Feature {
  name: string;
  c: number;
  h: number;
  w: number;
}

/**
 * Hands out a layer's weights to the initializers that need them, loading the layer once and forgetting it after
 * its last initializer was written (the writer visits initializers in creation order).
 */
class LayerWeightCache {
  private readonly loaded = new Map<string, { weights?: Promise<LayerWeights>; uses: number }>();
  constructor(private readonly source: LayerWeightSource) {}

  reserve(layer: ConvLayer, uses: number): void {
    this.loaded.set(layer.prefix, { uses });
  }

  async take(layer: ConvLayer): Promise<LayerWeights> {
    const entry = this.loaded.get(layer.prefix);
    if (!entry) throw new Error(`weights of ${layer.prefix} requested after they were released`);
    entry.weights ??= Promise.resolve(this.source(layer));
    entry.uses -= 1;
    if (entry.uses === 0) this.loaded.delete(layer.prefix);
    return entry.weights;
  }
}

class Wav2LipGraph {
  readonly g = new GraphBuilder('wav2lip');
  private readonly cache: LayerWeightCache;

  constructor(
    source: LayerWeightSource,
    private readonly mode: 'fold' | 'explicit',
    private readonly onLayer: Wav2LipGraphOptions['onLayer'],
  ) {
    this.cache = new LayerWeightCache(source);
  }

  layer(layer: ConvLayer, x: Feature): Feature {
    if (x.c !== layer.cin) throw new Error(`${layer.prefix}: input has ${x.c} channels, the layer takes ${layer.cin}`);
    const [sh, sw] = layer.stride;
    const [ph, pw] = layer.padding;
    const k = layer.kernel;
    const deconv = layer.kind === 'deconv';
    const h = deconv ? (x.h - 1) * sh - 2 * ph + k + layer.outputPadding : Math.floor((x.h + 2 * ph - k) / sh) + 1;
    const w = deconv ? (x.w - 1) * sw - 2 * pw + k + layer.outputPadding : Math.floor((x.w + 2 * pw - k) / sw) + 1;
    this.onLayer?.(layer, { input: { h: x.h, w: x.w }, output: { h, w } });
    const weightShape = convWeightShape(layer);
    const conv = layer.kind === 'plain' ? layer.prefix : `${layer.prefix}.conv_block.0`;
    const bn = `${layer.prefix}.conv_block.1`;
    const explicitBn = this.mode === 'explicit' && layer.kind !== 'plain';
    // One take for the conv (weight and bias share it), one per BatchNorm tensor when those stay explicit.
    this.cache.reserve(layer, explicitBn ? 5 : 1);

    const weights = async () => {
      const lw = await this.cache.take(layer);
      if (this.mode !== 'fold' || !lw.batchNorm) return lw;
      return foldBatchNorm({ ...lw, shape: weightShape }, deconv ? 1 : 0, BATCH_NORM_EPSILON);
    };
    // Folding needs the BatchNorm parameters for both tensors; both initializers share one fold per layer.
    let folded: Promise<{ weight: Float32Array; bias: Float32Array }> | undefined;
    const convWeights = () => (folded ??= weights());
    const inputs = [
      x.name,
      this.g.initializer(`${conv}.weight`, weightShape, async () => (await convWeights()).weight),
      this.g.initializer(`${conv}.bias`, [layer.cout], async () => (await convWeights()).bias),
    ];
    const attrs: Record<string, AttrValue> = { kernel_shape: [k, k], strides: [sh, sw], pads: [ph, pw, ph, pw], dilations: [1, 1], group: 1 };
    if (deconv) attrs.output_padding = [layer.outputPadding, layer.outputPadding];
    let out = this.g.op(deconv ? 'ConvTranspose' : 'Conv', inputs, attrs, `${conv}.out`);
    if (layer.kind === 'plain') return { name: out, c: layer.cout, h, w };

    if (explicitBn) {
      const param = (name: string, pick: (p: BatchNormParams) => Float32Array) =>
        this.g.initializer(`${bn}.${name}`, [layer.cout], async () => {
          const p = (await this.cache.take(layer)).batchNorm;
          if (!p) throw new Error(`${layer.prefix}: no BatchNorm parameters`);
          return pick(p);
        });
      const bnInputs = [out, param('weight', (p) => p.gamma), param('bias', (p) => p.beta), param('running_mean', (p) => p.mean), param('running_var', (p) => p.variance)];
      out = this.g.op('BatchNormalization', bnInputs, { epsilon: float(BATCH_NORM_EPSILON) }, `${bn}.out`);
    }
    if (layer.residual) {
      if (layer.cout !== x.c || h !== x.h || w !== x.w) throw new Error(`${layer.prefix}: residual shape mismatch`);
      out = this.g.op('Add', [out, x.name], {}, `${layer.prefix}.residual`);
    }
    return { name: this.g.op('Relu', [out], {}, `${layer.prefix}.act`), c: layer.cout, h, w };
  }

  concat(prefix: string, a: Feature, b: Feature): Feature {
    if (a.h !== b.h || a.w !== b.w) throw new Error(`${prefix}: cannot concat ${a.h}x${a.w} with ${b.h}x${b.w}`);
    return { name: this.g.op('Concat', [a.name, b.name], { axis: 1 }, `${prefix}.concat`), c: a.c + b.c, h: a.h, w: a.w };
  }
}

/**
 * The generator as `forward(mel [B,1,80,16], faces [B,6,96,96]) → [B,3,96,96]`, inputs named as the widely used
 * exports (`mel_spectrogram`, `video_frames`, `output`). Weights are read from `source` while the model is written.
 */
export function buildWav2LipGraph(layout: Wav2LipLayout, source: LayerWeightSource, options: Wav2LipGraphOptions): GraphBuilder {
  const b = new Wav2LipGraph(source, options.batchNorm, options.onLayer);
  const { g } = b;
  const batch = options.batch ?? 'batch';
  const [melC, melH, melW] = WAV2LIP_MEL_SHAPE;
  const S = WAV2LIP_FACE_SIZE;
  let audio: Feature = { name: g.input(WAV2LIP_INPUT_NAMES.mel, [batch, melC, melH, melW]), c: melC, h: melH, w: melW };
  let x: Feature = { name: g.input(WAV2LIP_INPUT_NAMES.faces, [batch, 6, S, S]), c: 6, h: S, w: S };

  const faceFeatures: Feature[] = [];
  for (const block of layout.faceBlocks) {
    for (const layer of block) x = b.layer(layer, x);
    faceFeatures.push(x);
  }
  for (const layer of layout.audio) audio = b.layer(layer, audio);
  if (audio.h !== 1 || audio.w !== 1) throw new Error(`audio embedding is ${audio.h}x${audio.w}, expected 1x1`);

  x = audio;
  layout.decoderBlocks.forEach((block, i) => {
    for (const layer of block) x = b.layer(layer, x);
    const skip = faceFeatures.pop();
    if (!skip) throw new Error('the decoder has more blocks than the face encoder');
    x = b.concat(`face_decoder_blocks.${i}`, x, skip);
  });
  for (const layer of layout.output) x = b.layer(layer, x);
  if (x.c !== 3 || x.h !== S || x.w !== S) throw new Error(`the generator ends at ${x.c}x${x.h}x${x.w}`);
  const out = g.op('Sigmoid', [x.name], {}, WAV2LIP_OUTPUT_NAME);
  g.output(out, [batch, 3, S, S]);
  return g;
}
