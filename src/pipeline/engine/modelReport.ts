import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { EnhancerConfig, PipelineConfig } from '../../config/index.js';
import { formatBytes } from '../../format.js';
import type { ChannelOrder } from '../composite/crop.js';
import { checkEnhancer, describeEnhancerReport, type EnhancerReport } from '../enhance/enhancerReport.js';
import { MEL_BANDS, MEL_STEPS, type ModelElementType } from './modelSignature.js';
import { OnnxGenerator } from './onnxGenerator.js';
import { MODEL_MISSING_HINT } from './wav2lipOnnx.js';

export interface ModelCheckOptions {
  modelPath: string;
  device: 'cpu' | 'cuda';
  threads: number;
  /** Frames per call for dynamic-batch models (LIPSYNC_BATCH_SIZE); a fixed-batch model uses its own. */
  batchSize: number;
  colorOrder: ChannelOrder;
  /** Untimed runs first (onnxruntime allocates and tunes on the first run). Default 1. */
  warmupRuns?: number;
  /** Timed runs on random inputs; 0 only opens and inspects the model. Default 3. */
  timedRuns?: number;
  /** The face restorer (LIPSYNC_ENHANCER), checked and timed after the lip-sync model. */
  enhancer?: EnhancerConfig;
}

export interface TensorInfo {
  name: string;
  type: string;
  shape: Array<number | string>;
}

/** What the engine will do with a model, and how fast it runs here. Plain data: printable as JSON. */
export interface ModelReport {
  modelPath: string;
  fileBytes: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  faceInput: string;
  melInput: string;
  /** The one output the engine fetches; the others are listed in extraOutputs. */
  output: string;
  extraOutputs: string[];
  faceSize: number;
  batch: { mode: 'dynamic' | 'fixed'; /** Frames per inference call as the engine will run them. */ size: number };
  /** Element type of the face input (float16 models get converted inputs and outputs). */
  elementType: ModelElementType;
  outputType: ModelElementType;
  /** '5-D' exports keep a frame axis of length 1 ([B,6,1,S,S]). */
  layout: '4-D' | '5-D';
  colorOrder: ChannelOrder;
  device: { requested: 'cpu' | 'cuda'; used: 'cpu' | 'cuda' };
  /** Null when no timed run was asked for. */
  speed: { batchSize: number; runs: number; msPerBatch: number; framesPerSecond: number } | null;
  /** Range of the generated values over the probe runs (a usable model stays within about [0, 1]). */
  outputRange: { min: number; max: number } | null;
  /** Present when a face restorer is configured (LIPSYNC_ENHANCER). */
  enhancer?: EnhancerReport;
}

/** The check's settings from the pipeline configuration (LIPSYNC_MODEL or `modelPath`, device, batch, threads, colours). */
export function modelCheckOptions(config: PipelineConfig, modelPath: string = config.modelPath): ModelCheckOptions {
  return {
    modelPath,
    device: config.device,
    threads: config.threads,
    batchSize: config.batchSize,
    colorOrder: config.modelColorOrder,
    ...(config.enhancer ? { enhancer: config.enhancer } : {}),
  };
}

/**
 * Opens the model as the engine would, describes it, and times `timedRuns` inferences of one engine batch on
 * random inputs. Throws ModelMissingError, ModelFormatError (not ONNX, not a usable lip-sync model) or ConfigError
 * (CUDA requested but unavailable).
 */
export async function checkModel(options: ModelCheckOptions): Promise<ModelReport> {
  const generator = await OnnxGenerator.open({ ...options, missingHint: MODEL_MISSING_HINT });
  try {
    const sig = generator.signature;
    const batchSize = generator.batchFor(options.batchSize);
    const { inputs, outputs } = generator.metadata;
    const measured = await measure(generator, batchSize, options.warmupRuns ?? 1, options.timedRuns ?? 3);
    const enhancer = options.enhancer ? await checkEnhancer(options.enhancer, { ...options, batchSize }) : undefined;
    return {
      modelPath: options.modelPath,
      fileBytes: statSync(options.modelPath).size,
      inputs: inputs.map(tensorInfo),
      outputs: outputs.map(tensorInfo),
      faceInput: sig.faceInput,
      melInput: sig.melInput,
      output: sig.output,
      extraOutputs: sig.extraOutputs,
      faceSize: sig.faceSize,
      batch: { mode: sig.fixedBatch === null ? 'dynamic' : 'fixed', size: batchSize },
      elementType: sig.faceType,
      outputType: sig.outputType,
      layout: sig.timeAxis ? '5-D' : '4-D',
      colorOrder: options.colorOrder,
      device: { requested: options.device, used: generator.executionProvider },
      ...measured,
      ...(enhancer ? { enhancer } : {}),
    };
  } finally {
    await generator.dispose();
  }
}

async function measure(generator: OnnxGenerator, batch: number, warmupRuns: number, timedRuns: number): Promise<Pick<ModelReport, 'speed' | 'outputRange'>> {
  if (warmupRuns + timedRuns <= 0) return { speed: null, outputRange: null };
  const size = generator.signature.faceSize;
  const faces = randomValues(batch * 6 * size * size, 0, 1);
  const mels = randomValues(batch * MEL_BANDS * MEL_STEPS, -4, 4);
  let min = Infinity;
  let max = -Infinity;
  let elapsed = 0;
  for (let run = 0; run < warmupRuns + timedRuns; run++) {
    const started = performance.now();
    const out = await generator.run(faces, mels, batch);
    if (run >= warmupRuns) elapsed += performance.now() - started;
    for (const v of out) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const speed =
    timedRuns > 0
      ? { batchSize: batch, runs: timedRuns, msPerBatch: round(elapsed / timedRuns, 2), framesPerSecond: round((batch * timedRuns * 1000) / Math.max(elapsed, 1e-6), 1) }
      : null;
  return { speed, outputRange: { min, max } };
}

/** Deterministic pseudo-random values (the same inputs on every check, so timings compare). */
function randomValues(length: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(length);
  let s = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x85ebca6b) + 0x6b43) >>> 0;
    out[i] = lo + ((s >>> 8) / 0x1000000) * (hi - lo);
  }
  return out;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function tensorInfo(meta: OnnxGenerator['metadata']['inputs'][number]): TensorInfo {
  return meta.isTensor ? { name: meta.name, type: meta.type, shape: [...meta.shape] } : { name: meta.name, type: 'non-tensor', shape: [] };
}

const shapeText = (t: TensorInfo) => `[${t.shape.map((d) => (d === '' || d === -1 ? '?' : d)).join(',')}]`;

/** The report as the lines a person reads (the CLI's `model check`, and `model import` after writing a model). */
export function describeModelReport(r: ModelReport): string[] {
  const find = (name: string) => [...r.inputs, ...r.outputs].find((t) => t.name === name);
  const tensor = (name: string) => {
    const t = find(name);
    return t ? `${t.name} ${t.type} ${shapeText(t)}` : name;
  };
  const lines = [
    `Model       ${r.modelPath} (${formatBytes(r.fileBytes)})`,
    `Inputs      faces: ${tensor(r.faceInput)}; audio: ${tensor(r.melInput)}`,
    `Output      ${tensor(r.output)}${r.extraOutputs.length ? ` (not fetched: ${r.extraOutputs.join(', ')})` : ''}`,
    `Face size   ${r.faceSize}×${r.faceSize} px`,
    `Batch       ${r.batch.mode === 'fixed' ? `fixed at ${r.batch.size} by the model (LIPSYNC_BATCH_SIZE does not apply; short batches are padded)` : `dynamic: ${r.batch.size} frames per call (LIPSYNC_BATCH_SIZE)`}`,
    `Layout      ${r.layout === '5-D' ? '5-D with one frame per window (T = 1)' : '4-D'}`,
    `Precision   ${r.elementType === 'float16' ? 'float16 (the engine converts inputs and outputs)' : r.elementType}${r.outputType !== r.elementType ? `, output ${r.outputType}` : ''}`,
    `Colours     ${r.colorOrder.toUpperCase()} (LIPSYNC_MODEL_COLOR)`,
    `Device      ${r.device.used === 'cuda' ? 'CUDA' : 'CPU'} (LIPSYNC_DEVICE=${r.device.requested})`,
  ];
  if (r.speed) {
    lines.push(
      `Speed       ${r.speed.framesPerSecond} frames/s on this machine (batch ${r.speed.batchSize}, ${r.speed.msPerBatch} ms per batch, mean of ${r.speed.runs} runs)`,
    );
  }
  if (r.outputRange) {
    const { min, max } = r.outputRange;
    const odd = !(min >= -0.05 && max <= 1.05);
    lines.push(`Values      ${round(min, 3)} … ${round(max, 3)} generated from random inputs${odd ? ' (expected 0 … 1: is this a Wav2Lip generator with a sigmoid output?)' : ''}`);
  }
  if (r.enhancer) lines.push(...describeEnhancerReport(r.enhancer));
  return lines;
}
