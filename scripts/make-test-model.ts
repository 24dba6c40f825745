/**
 * Writes a tiny ONNX model with the exact Wav2Lip signature whose behaviour is easy to assert in tests:
 *
 *   inputs  mel_spectrogram [B,1,80,16], video_frames [B,6,S,S] (0..2 masked crop, 3..5 reference crop)
 *   output  output [B,3,S,S] = (1 − mask)·ref + mask·clamp((mean(mel) + 4) / 8, 0, 1)
 *
 * i.e. the reference crop with a mouth-shaped patch whose brightness follows the frame's own audio window.
 * Geometry and constants live in src/pipeline/engine/testModel.ts so tests can share them.
 *
 * With --float16 the inputs and the output are float16 (as in half-precision exports); the maths stays float32.
 *
 * CLI: npm run model:test -- OUT.onnx [--size 96] [--fixed-batch] [--float16]
 */
import { parseArgs } from 'node:util';
import {
  TEST_MODEL_MEL_OFFSET,
  TEST_MODEL_MEL_SCALE,
  testModelMouthMask,
} from '../src/pipeline/engine/testModel.js';
import { isMainModule } from './onnx/cli.js';
import { MEL_BANDS, MEL_STEPS } from '../src/pipeline/engine/modelSignature.js';
import { DataType, GraphBuilder, type Dim } from '../src/pipeline/model/onnx/graph.js';
import { WAV2LIP_INPUT_NAMES, WAV2LIP_OUTPUT_NAME } from '../src/pipeline/model/wav2lip/graph.js';


export interface TestModelOptions {
  /** Face crop size S (default 96, the classic Wav2Lip resolution). */
  size?: number;
  /** Export with batch fixed to 1 instead of the symbolic "batch" dimension. */
  fixedBatch?: boolean;
  /** float16 inputs and output (cast to float32 inside), like half-precision exports. */
  float16?: boolean;
}

export function buildTestModel(options: TestModelOptions = {}): GraphBuilder {
  const size = options.size ?? 96;
  if (!Number.isInteger(size) || size < 8) throw new Error(`--size must be an integer >= 8, got ${size}`);
  const batch: Dim = options.fixedBatch ? 1 : 'batch';
  const g = new GraphBuilder('wav2lip_test_model');

  const elem = options.float16 ? DataType.FLOAT16 : DataType.FLOAT;
  const asFloat = (x: string) => (options.float16 ? g.op('Cast', [x], { to: DataType.FLOAT }, `${x}_float`) : x);
  const mel = asFloat(g.input(WAV2LIP_INPUT_NAMES.mel, [batch, 1, MEL_BANDS, MEL_STEPS], elem));
  const video = asFloat(g.input(WAV2LIP_INPUT_NAMES.faces, [batch, 6, size, size], elem));

  // Reference crop = channels 3..5. Slice-13 takes starts/ends/axes as int64 inputs.
  const ref = g.op('Slice', [video, g.constInt64('ref_starts', [3]), g.constInt64('ref_ends', [6]), g.constInt64('ref_axes', [1])], {}, 'reference');

  // Per-frame brightness from the frame's own mel window: [B,1,1,1], so frames in a batch stay independent.
  const melMean = g.op('ReduceMean', [mel], { axes: [1, 2, 3], keepdims: 1 }, 'mel_mean');
  const shifted = g.op('Add', [melMean, g.constFloat('mel_offset', [], [TEST_MODEL_MEL_OFFSET])], {}, 'mel_shifted');
  const scaled = g.op('Mul', [shifted, g.constFloat('mel_scale', [], [TEST_MODEL_MEL_SCALE])], {}, 'mel_scaled');
  const brightness = g.op('Clip', [scaled, g.constFloat('zero', [], [0]), g.constFloat('one', [], [1])], {}, 'brightness');

  // ref + m·(e − ref): where the mask is exactly 0 this adds exactly 0, so the rest of the crop is bit-identical.
  const mask = g.constFloat('mouth_mask', [1, 1, size, size], testModelMouthMask(size));
  const delta = g.op('Sub', [brightness, ref], {}, 'delta');
  const maskedDelta = g.op('Mul', [delta, mask], {}, 'masked_delta');
  const sum = g.op('Add', [ref, maskedDelta], {}, options.float16 ? 'output_float' : WAV2LIP_OUTPUT_NAME);
  const out = options.float16 ? g.op('Cast', [sum], { to: DataType.FLOAT16 }, WAV2LIP_OUTPUT_NAME) : sum;
  g.output(out, [batch, 3, size, size], elem);
  return g;
}

/** Writes the test model to `path`; returns the file size in bytes. */
export async function writeTestModel(path: string, options: TestModelOptions = {}): Promise<number> {
  const size = options.size ?? 96;
  return buildTestModel(options).writeModel(path, {
    producerName: 'lipsync-bot/make-test-model',
    docString: 'Synthetic Wav2Lip-signature model for tests: reference crop plus a mel-driven mouth patch.',
    metadata: {
      'lipsync.model': 'test',
      'lipsync.size': String(size),
      'lipsync.fixed_batch': String(!!options.fixedBatch),
      'lipsync.float16': String(!!options.float16),
    },
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { size: { type: 'string' }, 'fixed-batch': { type: 'boolean' }, float16: { type: 'boolean' } },
  });
  const [out] = positionals;
  if (out === undefined || positionals.length > 1) {
    console.error('usage: npm run model:test -- OUT.onnx [--size N] [--fixed-batch] [--float16]');
    process.exitCode = 2;
    return;
  }
  const size = values.size === undefined ? 96 : Number(values.size);
  const bytes = await writeTestModel(out, { size, fixedBatch: values['fixed-batch'] ?? false, float16: values.float16 ?? false });
  console.log(`wrote ${out} (${bytes} bytes, S=${size}, batch=${values['fixed-batch'] ? '1' : 'dynamic'}${values.float16 ? ', float16' : ''})`);
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
