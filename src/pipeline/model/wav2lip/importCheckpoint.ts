/**
 * `lipsync model import`: a PyTorch Wav2Lip checkpoint (.pth, legacy or zip format, float32 or float16) in, the
 * engine's ONNX model out, with no Python involved.
 *
 *   open the checkpoint (only its pickles are parsed) → find and check the generator's tensors → build the graph
 *   → write it, reading, folding and writing one layer at a time → rename into place → one probe inference
 *
 * Peak memory is one layer's weights (the largest is 19 MB) plus the pickles, whatever the checkpoint's size.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openTorchCheckpoint, type TorchCheckpoint, type TorchTensorRef } from '../torch/checkpoint.js';
import { TORCH_DTYPE_SIZE } from '../torch/pickle.js';
import { buildWav2LipGraph, type LayerWeights } from './graph.js';
import { parameterCount, WAV2LIP_FACE_SIZE, WAV2LIP_WIDTH, type ConvLayer } from './layout.js';
import { findWav2LipStateDict } from './stateDict.js';

/** The import was refused before anything was written (the output exists, …); the message says what to do. */
export class ModelImportError extends Error {
  override readonly name = 'ModelImportError';
}

export interface ImportProgress {
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportOptions {
  output: string;
  /** Replace an existing output file. */
  force?: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  output: string;
  format: 'legacy' | 'zip';
  dtype: 'float32' | 'float16' | 'bfloat16';
  /** Trainable parameters of the generator (36.3 M for the published network). */
  parameters: number;
  faceSize: number;
  /** Channel width of the first conv: 16 for the published network, smaller for test layouts. */
  width: number;
  /** Size of the written ONNX file. */
  bytes: number;
  /** Other entries of the checkpoint that were skipped (optimizer, global_step, …). */
  skipped: string[];
  seconds: number;
}

export const DEFAULT_IMPORT_OUTPUT = 'models/wav2lip_gan.onnx';

const tensorBytes = (t: TorchTensorRef): number => t.numel * TORCH_DTYPE_SIZE[t.dtype];

function layerWeightReader(checkpoint: TorchCheckpoint, tensors: Map<string, TorchTensorRef>, onRead: (bytes: number) => void) {
  const read = async (key: string): Promise<Float32Array> => {
    const ref = tensors.get(key);
    if (!ref) throw new Error(`tensor ${key} disappeared between the check and the import`);
    const values = await checkpoint.readFloat32(ref);
    onRead(tensorBytes(ref));
    return values;
  };
  return async (layer: ConvLayer): Promise<LayerWeights> => {
    if (layer.kind === 'plain') return { weight: await read(`${layer.prefix}.weight`), bias: await read(`${layer.prefix}.bias`) };
    const conv = `${layer.prefix}.conv_block.0`;
    const bn = `${layer.prefix}.conv_block.1`;
    return {
      weight: await read(`${conv}.weight`),
      bias: await read(`${conv}.bias`),
      batchNorm: {
        gamma: await read(`${bn}.weight`),
        beta: await read(`${bn}.bias`),
        mean: await read(`${bn}.running_mean`),
        variance: await read(`${bn}.running_var`),
      },
    };
  };
}

export async function importWav2LipCheckpoint(checkpointPath: string, options: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  const output = options.output;
  if (!existsSync(checkpointPath)) throw new ModelImportError(`${checkpointPath}: no such file.`);
  if (!options.force && existsSync(output)) {
    throw new ModelImportError(`${output} already exists; pass --force to replace it, or --out to write elsewhere.`);
  }
  const checkpoint = await openTorchCheckpoint(checkpointPath);
  try {
    const generator = findWav2LipStateDict(checkpoint.root);
    const bytesTotal = [...generator.tensors.values()]
      .filter((t) => t.dtype !== 'int64')
      .reduce((sum, t) => sum + tensorBytes(t), 0);
    let bytesDone = 0;
    const source = layerWeightReader(checkpoint, generator.tensors, (bytes) => {
      bytesDone += bytes;
      options.onProgress?.({ bytesDone, bytesTotal });
    });
    const graph = buildWav2LipGraph(generator.layout, source, { batchNorm: 'fold' });
    const parameters = parameterCount(generator.layout);
    await mkdir(path.dirname(path.resolve(output)), { recursive: true });
    const bytes = await graph.writeModel(output, {
      producerName: 'lipsync-bot/model-import',
      docString: `Wav2Lip generator imported from ${path.basename(checkpointPath)} (BatchNorm folded into the convolutions).`,
      metadata: {
        'lipsync.model': 'wav2lip',
        'lipsync.source': path.basename(checkpointPath),
        'lipsync.source_format': checkpoint.format,
        'lipsync.source_dtype': generator.dtype,
        'lipsync.parameters': String(parameters),
        ...(generator.layout.width === WAV2LIP_WIDTH ? {} : { 'lipsync.width': String(generator.layout.width) }),
      },
    });
    return {
      output,
      format: checkpoint.format,
      dtype: generator.dtype,
      parameters,
      faceSize: WAV2LIP_FACE_SIZE,
      width: generator.layout.width,
      bytes,
      skipped: generator.otherEntries,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    // Nothing to clean up on failure: writeModel removes its partial file and only renames a complete one.
    await checkpoint.close();
  }
}
