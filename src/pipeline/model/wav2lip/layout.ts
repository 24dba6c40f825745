/**
 * The Wav2Lip generator (Prajwal et al. 2020, models/wav2lip.py) as data: every convolution with its state-dict name,
 * channels, kernel, stride and padding, in execution order. One description serves the ONNX graph builder, the
 * checkpoint importer's key/shape check and the benchmark's random-weight model, so they cannot drift apart.
 *
 * `width` is the channel count of the first face-encoder conv: 16 in the published network (36.3 M parameters).
 * Tests use narrower copies (width 1: every channel count divided by 16 except the 6 face, 1 mel and 3 output
 * channels), which keep the real key names and topology at a fraction of the size.
 */

export type Pair = readonly [number, number];

/** One convolution of the generator; `prefix` is its state-dict path without `.conv_block.N…`. */
export interface ConvLayer {
  prefix: string;
  /**
   * 'conv': Conv2d → BatchNorm → (+ input when residual) → ReLU (Wav2Lip's `Conv2d` block);
   * 'deconv': ConvTranspose2d → BatchNorm → ReLU (`Conv2dTranspose`);
   * 'plain': a bare nn.Conv2d with bias, nothing after it (the 1×1 output conv).
   */
  kind: 'conv' | 'deconv' | 'plain';
  cin: number;
  cout: number;
  kernel: number;
  stride: Pair;
  padding: Pair;
  outputPadding: number;
  residual: boolean;
}

export const WAV2LIP_FACE_SIZE = 96;
export const WAV2LIP_MEL_SHAPE = [1, 80, 16] as const;
/** The first face-encoder conv's output channels in the published network. */
export const WAV2LIP_WIDTH = 16;
export const BATCH_NORM_EPSILON = 1e-5;

/** The data flow between layers: encoders keep each face block's output for the decoder's skip connections. */
export interface Wav2LipLayout {
  width: number;
  faceBlocks: ConvLayer[][];
  audio: ConvLayer[];
  decoderBlocks: ConvLayer[][];
  output: ConvLayer[];
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

class LayerList {
  readonly layers: ConvLayer[] = [];
  constructor(private readonly scale: (channels: number) => number) {}

  conv(prefix: string, cin: number, cout: number, kernel: number, stride: number | Pair, padding: number, residual = false): this {
    this.layers.push({
      prefix,
      kind: 'conv',
      cin: this.scale(cin),
      cout: this.scale(cout),
      kernel,
      stride: pair(stride),
      padding: pair(padding),
      outputPadding: 0,
      residual,
    });
    return this;
  }

  deconv(prefix: string, cin: number, cout: number, stride: number, padding: number, outputPadding: number): this {
    this.layers.push({
      prefix,
      kind: 'deconv',
      cin: this.scale(cin),
      cout: this.scale(cout),
      kernel: 3,
      stride: pair(stride),
      padding: pair(padding),
      outputPadding,
      residual: false,
    });
    return this;
  }
}

/**
 * The generator at a given width (16 = published). Channel counts are written as in models/wav2lip.py and scaled
 * by width / 16; the face input (6), mel input (1) and RGB output (3) never scale.
 */
export function wav2lipLayout(width: number = WAV2LIP_WIDTH): Wav2LipLayout {
  if (!Number.isInteger(width) || width < 1 || width > WAV2LIP_WIDTH || WAV2LIP_WIDTH % width !== 0) {
    throw new Error(`unsupported Wav2Lip width ${width}`);
  }
  const divisor = WAV2LIP_WIDTH / width;
  const fixed = new Set([1, 3, 6]);
  const scale = (c: number) => (fixed.has(c) ? c : c / divisor);
  const list = () => new LayerList(scale);

  const face = (i: number) => `face_encoder_blocks.${i}`;
  const res = (l: LayerList, block: string, from: number, count: number, c: number) => {
    for (let j = from; j < from + count; j++) l.conv(`${block}.${j}`, c, c, 3, 1, 1, true);
    return l;
  };
  const faceBlocks = [
    list().conv(`${face(0)}.0`, 6, 16, 7, 1, 3),
    res(list().conv(`${face(1)}.0`, 16, 32, 3, 2, 1), face(1), 1, 2, 32),
    res(list().conv(`${face(2)}.0`, 32, 64, 3, 2, 1), face(2), 1, 3, 64),
    res(list().conv(`${face(3)}.0`, 64, 128, 3, 2, 1), face(3), 1, 2, 128),
    res(list().conv(`${face(4)}.0`, 128, 256, 3, 2, 1), face(4), 1, 2, 256),
    res(list().conv(`${face(5)}.0`, 256, 512, 3, 2, 1), face(5), 1, 1, 512),
    list().conv(`${face(6)}.0`, 512, 512, 3, 1, 0).conv(`${face(6)}.1`, 512, 512, 1, 1, 0),
  ].map((l) => l.layers);

  const a = list();
  const audioSteps: Array<[number, number, number | Pair, number, boolean]> = [
    [1, 32, 1, 1, false],
    [32, 32, 1, 1, true],
    [32, 32, 1, 1, true],
    [32, 64, [3, 1], 1, false],
    [64, 64, 1, 1, true],
    [64, 64, 1, 1, true],
    [64, 128, 3, 1, false],
    [128, 128, 1, 1, true],
    [128, 128, 1, 1, true],
    [128, 256, [3, 2], 1, false],
    [256, 256, 1, 1, true],
    [256, 512, 1, 0, false],
  ];
  audioSteps.forEach(([cin, cout, stride, padding, residual], i) => a.conv(`audio_encoder.${i}`, cin, cout, 3, stride, padding, residual));
  a.conv('audio_encoder.12', 512, 512, 1, 1, 0);

  const dec = (i: number) => `face_decoder_blocks.${i}`;
  // Each decoder block's input is the previous block's output concatenated with the matching face feature.
  const upsample = (i: number, cin: number, cout: number) =>
    res(list().deconv(`${dec(i)}.0`, cin, cout, 2, 1, 1), dec(i), 1, 2, cout).layers;
  const decoderBlocks = [
    list().conv(`${dec(0)}.0`, 512, 512, 1, 1, 0).layers,
    res(list().deconv(`${dec(1)}.0`, 1024, 512, 1, 0, 0), dec(1), 1, 1, 512).layers,
    upsample(2, 1024, 512),
    upsample(3, 768, 384),
    upsample(4, 512, 256),
    upsample(5, 320, 128),
    upsample(6, 160, 64),
  ];

  const output = list().conv('output_block.0', 80, 32, 3, 1, 1).layers;
  output.push({ prefix: 'output_block.1', kind: 'plain', cin: scale(32), cout: 3, kernel: 1, stride: [1, 1], padding: [0, 0], outputPadding: 0, residual: false });

  return { width, faceBlocks, audio: a.layers, decoderBlocks, output };
}

export function allLayers(layout: Wav2LipLayout): ConvLayer[] {
  return [...layout.faceBlocks.flat(), ...layout.audio, ...layout.decoderBlocks.flat(), ...layout.output];
}

/** A state-dict tensor the generator has: its full key (without `module.`) and shape. */
export interface ExpectedTensor {
  key: string;
  shape: number[];
  /** Trainable (counted as a parameter) or a BatchNorm buffer. */
  role: 'weight' | 'bias' | 'bn-weight' | 'bn-bias' | 'bn-mean' | 'bn-var' | 'bn-count';
}

/** Conv weights are [out, in, k, k]; ConvTranspose2d weights are [in, out, k, k]. */
export function convWeightShape(layer: ConvLayer): number[] {
  const { cin, cout, kernel: k } = layer;
  return layer.kind === 'deconv' ? [cin, cout, k, k] : [cout, cin, k, k];
}

/** Every tensor of a layer in the state dict. The plain conv has no `.conv_block`. */
export function layerTensors(layer: ConvLayer): ExpectedTensor[] {
  if (layer.kind === 'plain') {
    return [
      { key: `${layer.prefix}.weight`, shape: convWeightShape(layer), role: 'weight' },
      { key: `${layer.prefix}.bias`, shape: [layer.cout], role: 'bias' },
    ];
  }
  const conv = `${layer.prefix}.conv_block.0`;
  const bn = `${layer.prefix}.conv_block.1`;
  const c = [layer.cout];
  return [
    { key: `${conv}.weight`, shape: convWeightShape(layer), role: 'weight' },
    { key: `${conv}.bias`, shape: c, role: 'bias' },
    { key: `${bn}.weight`, shape: c, role: 'bn-weight' },
    { key: `${bn}.bias`, shape: c, role: 'bn-bias' },
    { key: `${bn}.running_mean`, shape: c, role: 'bn-mean' },
    { key: `${bn}.running_var`, shape: c, role: 'bn-var' },
    { key: `${bn}.num_batches_tracked`, shape: [], role: 'bn-count' },
  ];
}

export function expectedTensors(layout: Wav2LipLayout): ExpectedTensor[] {
  return allLayers(layout).flatMap(layerTensors);
}

/** Trainable parameters as PyTorch counts them (conv weights and biases, BatchNorm γ and β). */
export function parameterCount(layout: Wav2LipLayout): number {
  return expectedTensors(layout)
    .filter((t) => t.role === 'weight' || t.role === 'bias' || t.role === 'bn-weight' || t.role === 'bn-bias')
    .reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}
