import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { EnhancerFormatError, ModelMissingError } from '../../errors.js';
import { openInferenceSession } from '../engine/onnxSession.js';
import { floatToHalf, floatsToHalves, halvesToFloats } from '../model/half.js';
import { resolveEnhancerSignature, type EnhancerSignature } from './enhancerSignature.js';

export interface EnhancerModelOptions {
  modelPath: string;
  device: 'cpu' | 'cuda';
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
}

export const ENHANCER_MISSING_HINT =
  'Put a face-restoration ONNX model (GFPGAN, GPEN-BFR, RestoreFormer or CodeFormer) there, or leave LIPSYNC_ENHANCER empty to render without one; models/README.md says which exports work.';

/**
 * A face-restoration model behind one call: aligned RGB faces in [-1,1] in, restored faces in [-1,1] out, float32
 * whatever the export's element type; a dynamic batch runs all given faces in one call, a fixed batch N in chunks of
 * N (the last padded by repeating its last face, whose outputs are dropped).
 */
export class EnhancerModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: EnhancerSignature,
    readonly executionProvider: 'cpu' | 'cuda',
  ) {}

  /** ModelMissingError, EnhancerFormatError (not ONNX / no face restorer) or ConfigError (CUDA libraries missing). */
  static async open(options: EnhancerModelOptions): Promise<EnhancerModel> {
    if (!existsSync(options.modelPath)) throw new ModelMissingError(options.modelPath, ENHANCER_MISSING_HINT);
    const session = await openInferenceSession(options, (reason, cause) => new EnhancerFormatError(reason, options.modelPath, { cause }));
    try {
      return new EnhancerModel(session, resolveEnhancerSignature(session.inputMetadata, session.outputMetadata), options.device);
    } catch (err) {
      await session.release();
      throw err instanceof EnhancerFormatError ? err.forPath(options.modelPath) : err;
    }
  }

  get metadata(): { inputs: readonly ort.InferenceSession.ValueMetadata[]; outputs: readonly ort.InferenceSession.ValueMetadata[] } {
    return { inputs: this.session.inputMetadata, outputs: this.session.outputMetadata };
  }

  /** Faces per session.run call: the export's fixed batch, or `wanted` when the batch is dynamic. */
  batchFor(wanted: number): number {
    return this.signature.fixedBatch ?? Math.max(1, wanted);
  }

  /** Restores `count` faces of 3×S×S values each; `fidelity` feeds CodeFormer's `w` (ignored by other models). */
  async run(images: Float32Array, count: number, fidelity: number): Promise<Float32Array> {
    const { size, fixedBatch } = this.signature;
    const stride = 3 * size * size;
    if (images.length < count * stride) throw new Error(`enhancer: ${count} faces need ${count * stride} values`);
    const out = new Float32Array(count * stride);
    const chunk = fixedBatch ?? Math.max(1, count);
    for (let start = 0; start < count; start += chunk) {
      const n = Math.min(chunk, count - start);
      const batch = fixedBatch ?? n;
      let input = images.subarray(start * stride, (start + n) * stride);
      if (batch !== n) {
        const padded = new Float32Array(batch * stride);
        padded.set(input);
        for (let k = n; k < batch; k++) padded.copyWithin(k * stride, (n - 1) * stride, n * stride);
        input = padded;
      }
      const restored = await this.runBatch(input, batch, fidelity);
      out.set(restored.subarray(0, n * stride), start * stride);
    }
    return out;
  }

  private async runBatch(images: Float32Array, batch: number, fidelity: number): Promise<Float32Array> {
    const { size, imageInput, output, imageType, fidelity: w } = this.signature;
    const feeds: Record<string, ort.Tensor> = {
      [imageInput]: imageType === 'float16' ? new ort.Tensor('float16', floatsToHalves(images), [batch, 3, size, size]) : new ort.Tensor('float32', images, [batch, 3, size, size]),
    };
    if (w) {
      feeds[w.name] =
        w.type === 'float64'
          ? new ort.Tensor('float64', Float64Array.of(fidelity), w.dims)
          : w.type === 'float16'
            ? new ort.Tensor('float16', Uint16Array.of(floatToHalf(fidelity)), w.dims)
            : new ort.Tensor('float32', Float32Array.of(fidelity), w.dims);
    }
    const results = await this.session.run(feeds, [output]);
    const restored = results[output];
    if (!restored) throw new Error(`enhancer output ${output} is missing from the results`);
    const data: unknown = restored.data;
    const values =
      data instanceof Float32Array
        ? data
        : data instanceof Uint16Array && restored.type === 'float16'
          ? halvesToFloats(data)
          : restored.type === 'float16' && ArrayBuffer.isView(data)
            ? Float32Array.from(data as unknown as ArrayLike<number>)
            : null;
    if (!values) throw new EnhancerFormatError(`its output holds ${restored.type} values; expected float32 or float16`);
    if (values.length !== batch * 3 * size * size) {
      throw new EnhancerFormatError(`its output ${output} has shape [${restored.dims.join(',')}] for ${batch} faces; expected [${batch},3,${size},${size}]`);
    }
    return values;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

