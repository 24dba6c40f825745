import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ModelFormatError, ModelMissingError } from '../../errors.js';
import { floatsToHalves, halvesToFloats } from '../model/half.js';
import { openInferenceSession } from './onnxSession.js';
import { MEL_BANDS, MEL_STEPS, resolveModelSignature, type ModelElementType, type ModelSignature } from './modelSignature.js';

export interface GeneratorOptions {
  modelPath: string;
  device: 'cpu' | 'cuda';
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
  /** Appended to ModelMissingError's message (where to get a model). */
  missingHint?: string;
}

const MEL_SIZE = MEL_BANDS * MEL_STEPS;

/**
 * A Wav2Lip-family generator behind one call: float32 faces and mels in, float32 faces out, whatever the export's
 * element types (float32/float16), batch (dynamic or fixed N: chunked, the last chunk padded by repeating its
 * last frame and the padding's outputs dropped), extra outputs (never fetched) or 5-D layout (T = 1).
 */
export class OnnxGenerator {
  /** What onnxruntime runs the model on: 'cuda' only when the CUDA provider loaded. */
  readonly executionProvider: 'cpu' | 'cuda';

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
    device: 'cpu' | 'cuda',
  ) {
    this.executionProvider = device;
  }

  /** Opens the model: ModelMissingError, ModelFormatError (not ONNX / not a lip-sync model) or ConfigError (CUDA). */
  static async open(options: GeneratorOptions): Promise<OnnxGenerator> {
    if (!existsSync(options.modelPath)) throw new ModelMissingError(options.modelPath, options.missingHint ?? '');
    const session = await openInferenceSession(options, (reason, cause) => new ModelFormatError(reason, options.modelPath, { cause }));
    try {
      return new OnnxGenerator(session, resolveModelSignature(session.inputMetadata, session.outputMetadata), options.device);
    } catch (err) {
      await session.release();
      throw err instanceof ModelFormatError ? err.forPath(options.modelPath) : err;
    }
  }

  /** The model's declared inputs and outputs, as onnxruntime reads them (for reports). */
  get metadata(): { inputs: readonly ort.InferenceSession.ValueMetadata[]; outputs: readonly ort.InferenceSession.ValueMetadata[] } {
    return { inputs: this.session.inputMetadata, outputs: this.session.outputMetadata };
  }

  /** Frames per session.run call: the export's fixed batch, or `wanted` when the batch is dynamic. */
  batchFor(wanted: number): number {
    return this.signature.fixedBatch ?? Math.max(1, wanted);
  }

  /**
   * Runs `count` frames: `faces` holds count × 6×S×S values (masked crop, reference crop), `mels` count × 80×16.
   * Returns count × 3×S×S float32 values in [0,1] (as the model produced them).
   */
  async run(faces: Float32Array, mels: Float32Array, count: number): Promise<Float32Array> {
    const { faceSize: size, fixedBatch } = this.signature;
    const faceStride = 6 * size * size;
    const outStride = 3 * size * size;
    if (faces.length < count * faceStride || mels.length < count * MEL_SIZE) {
      throw new Error(`generator: ${count} frames need ${count * faceStride} face and ${count * MEL_SIZE} mel values`);
    }
    const out = new Float32Array(count * outStride);
    const chunk = fixedBatch ?? Math.max(1, count);
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const batch = fixedBatch ?? n;
      const faceBatch = padBatch(faces.subarray(start * faceStride, (start + n) * faceStride), faceStride, n, batch);
      const melBatch = padBatch(mels.subarray(start * MEL_SIZE, (start + n) * MEL_SIZE), MEL_SIZE, n, batch);
      const generated = await this.runBatch(faceBatch, melBatch, batch);
      out.set(generated.subarray(0, n * outStride), start * outStride);
    }
    return out;
  }

  private async runBatch(faces: Float32Array, mels: Float32Array, batch: number): Promise<Float32Array> {
    const { faceSize: size, faceInput, melInput, output, timeAxis } = this.signature;
    const faceDims = timeAxis ? [batch, 6, 1, size, size] : [batch, 6, size, size];
    const melDims = timeAxis ? [batch, 1, 1, MEL_BANDS, MEL_STEPS] : [batch, 1, MEL_BANDS, MEL_STEPS];
    const feeds = {
      [faceInput]: toTensor(faces, this.signature.faceType, faceDims),
      [melInput]: toTensor(mels, this.signature.melType, melDims),
    };
    const results = await this.session.run(feeds, [output]);
    const generated = results[output];
    if (!generated) throw new Error(`model output ${output} is missing from the results`);
    const values = toFloats(generated);
    const expected = batch * 3 * size * size;
    if (values.length !== expected) {
      throw new ModelFormatError(`its output ${output} has shape [${generated.dims.join(',')}] for ${batch} frames; expected [${batch},3,${size},${size}]`);
    }
    return values;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** A fixed-batch export takes exactly `batch` frames: repeat the last real frame (its outputs are dropped). */
function padBatch(data: Float32Array, stride: number, n: number, batch: number): Float32Array {
  if (n === batch) return data;
  const padded = new Float32Array(batch * stride);
  padded.set(data);
  const last = data.subarray((n - 1) * stride, n * stride);
  for (let k = n; k < batch; k++) padded.set(last, k * stride);
  return padded;
}

function toTensor(data: Float32Array, type: ModelElementType, dims: number[]): ort.Tensor {
  // Node 20 has no Float16Array: onnxruntime takes float16 data as raw half bits in a Uint16Array.
  return type === 'float16' ? new ort.Tensor('float16', floatsToHalves(data), dims) : new ort.Tensor('float32', data, dims);
}

function toFloats(tensor: ort.Tensor): Float32Array {
  const data: unknown = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array && tensor.type === 'float16') return halvesToFloats(data);
  // Runtimes with a native Float16Array hand float16 outputs over as one.
  if (tensor.type === 'float16' && ArrayBuffer.isView(data)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new ModelFormatError(`its output holds ${tensor.type} values; expected float32 or float16`);
}

