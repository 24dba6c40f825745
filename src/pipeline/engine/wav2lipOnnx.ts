import type { FacePads } from '../../config/index.js';
import { throwIfAborted } from '../../errors.js';
import { writeFaceInput, type ChannelOrder } from '../composite/crop.js';
import { pasteGeneratedFace } from '../composite/paste.js';
import type { Rect } from '../composite/rect.js';
import { cropBoxForFace } from '../face/index.js';
import type { ModelSignature } from './modelSignature.js';
import { OnnxGenerator } from './onnxGenerator.js';
import type { ClipContext, ClipSynthesizer, EngineFrame, LipSyncEngine } from './types.js';

export interface Wav2LipEngineOptions {
  modelPath: string;
  device: 'cpu' | 'cuda';
  batchSize: number;
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
  /** The classic checkpoints were trained on OpenCV's BGR frames. */
  channelOrder?: ChannelOrder;
}

export const MODEL_MISSING_HINT =
  'Put a Wav2Lip-compatible ONNX model there or point LIPSYNC_MODEL at one; models/README.md says where to get and how to convert one. ' +
  'Without a model, use the weights-free preview engine: --engine builtin (LIPSYNC_ENGINE=builtin).';

const MEL_BANDS = 80;
const MEL_STEPS = 16;

/** Wav2Lip-family generator run by onnxruntime: crop → 6-channel input → batched inference → feathered paste. */
export class Wav2LipOnnxEngine implements LipSyncEngine {
  readonly name = 'wav2lip' as const;
  readonly preview = false;
  readonly batchSize: number;
  readonly signature: ModelSignature;
  private readonly order: ChannelOrder;

  private constructor(
    private readonly generator: OnnxGenerator,
    options: Wav2LipEngineOptions,
  ) {
    this.signature = generator.signature;
    this.batchSize = generator.batchFor(options.batchSize);
    this.order = options.channelOrder ?? 'bgr';
  }

  static async create(options: Wav2LipEngineOptions): Promise<Wav2LipOnnxEngine> {
    const generator = await OnnxGenerator.open({ ...options, missingHint: MODEL_MISSING_HINT });
    return new Wav2LipOnnxEngine(generator, options);
  }

  startClip(context: ClipContext): ClipSynthesizer {
    return {
      // A fixed box is the crop itself; its faces carry it too (fixedCrop), so the crop below lands exactly on it.
      workArea: (face) => context.fixedBox ?? cropBoxForFace(face, context.facePads, context.width, context.height),
      synthesize: (frames, signal) => this.synthesize(frames, context.facePads, signal),
    };
  }

  private async synthesize(frames: readonly EngineFrame[], pads: FacePads, signal?: AbortSignal): Promise<void> {
    for (let start = 0; start < frames.length; start += this.batchSize) {
      throwIfAborted(signal);
      await this.runBatch(frames.slice(start, start + this.batchSize), pads);
    }
  }

  private async runBatch(frames: readonly EngineFrame[], pads: FacePads): Promise<void> {
    const { faceSize: size } = this.signature;
    const count = frames.length;
    const faceStride = 6 * size * size;
    const faceData = new Float32Array(count * faceStride);
    const melData = new Float32Array(count * MEL_BANDS * MEL_STEPS);
    const rects: Rect[] = [];
    frames.forEach((frame, k) => {
      const rect = cropBoxForFace(frame.face, pads, frame.image.width, frame.image.height);
      rects.push(rect);
      writeFaceInput(frame.image, rect, size, this.order, faceData, k * faceStride);
      melData.set(frame.mel, k * MEL_BANDS * MEL_STEPS);
    });
    const generated = { data: await this.generator.run(faceData, melData, count) };
    const outStride = 3 * size * size;
    frames.forEach((frame, k) => pasteGeneratedFace(frame.image, rects[k]!, generated.data as Float32Array, k * outStride, size, this.order));
  }

  async dispose(): Promise<void> {
    await this.generator.dispose();
  }
}
