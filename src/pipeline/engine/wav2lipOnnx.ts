import type { BlendMode, FacePads } from '../../config/index.js';
import { throwIfAborted } from '../../errors.js';
import { writeFaceInput, type ChannelOrder } from '../composite/crop.js';
import { mouthMaskWeights } from '../composite/mouthMask.js';
import { pasteGeneratedFace } from '../composite/paste.js';
import type { Rect } from '../composite/rect.js';
import { FaceEnhancer, type EnhancerSettings } from '../enhance/faceEnhancer.js';
import { cropBoxForFace } from '../face/index.js';
import { timed, type StageTimings } from '../render/stageTimings.js';
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
  /** `mouth` (default): paste around the mouth and jaw only; `box`: the whole lower crop, as Wav2Lip's inference.py. */
  blendMode?: BlendMode;
  /** A face-restoration model applied to the generated face before the paste (LIPSYNC_ENHANCER); off when absent or blend 0. */
  enhancer?: EnhancerSettings;
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
  private readonly blendMode: BlendMode;
  /** The face restorer's label (e.g. "GFPGAN-style 512 px"), or null without one. */
  readonly enhancer: string | null;

  private constructor(
    private readonly generator: OnnxGenerator,
    options: Wav2LipEngineOptions,
    private readonly faceEnhancer: FaceEnhancer | null = null,
  ) {
    this.enhancer = faceEnhancer?.label ?? null;
    this.signature = generator.signature;
    this.batchSize = generator.batchFor(options.batchSize);
    this.order = options.channelOrder ?? 'bgr';
    this.blendMode = options.blendMode ?? 'mouth';
  }

  static async create(options: Wav2LipEngineOptions): Promise<Wav2LipOnnxEngine> {
    const generator = await OnnxGenerator.open({ ...options, missingHint: MODEL_MISSING_HINT });
    const settings = options.enhancer;
    if (!settings || settings.blend <= 0) return new Wav2LipOnnxEngine(generator, options);
    const enhancer = await FaceEnhancer.open(settings, options).catch(async (err: unknown) => {
      await generator.dispose();
      throw err;
    });
    return new Wav2LipOnnxEngine(generator, options, enhancer);
  }

  startClip(context: ClipContext): ClipSynthesizer {
    return {
      // A fixed box is the crop itself; its faces carry it too (fixedCrop), so the crop below lands exactly on it.
      workArea: (face) => context.fixedBox ?? cropBoxForFace(face, context.facePads, context.width, context.height),
      synthesize: (frames, signal) => this.synthesize(frames, context.facePads, signal, context.timings),
    };
  }

  private async synthesize(frames: readonly EngineFrame[], pads: FacePads, signal?: AbortSignal, timings?: StageTimings): Promise<void> {
    for (let start = 0; start < frames.length; start += this.batchSize) {
      throwIfAborted(signal);
      await this.runBatch(frames.slice(start, start + this.batchSize), pads, timings);
    }
  }

  private async runBatch(frames: readonly EngineFrame[], pads: FacePads, timings?: StageTimings): Promise<void> {
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
    const generated = await this.generator.run(faceData, melData, count);
    const outStride = 3 * size * size;
    // Restored in the crop's own coordinates, so the paste below (and its mask) treats it as the generated face.
    const crops = await this.enhance(generated, frames, rects, timings);
    frames.forEach((frame, k) => {
      const mask = this.blendMode === 'mouth' ? mouthMaskWeights(frame.face, rects[k]!) : undefined;
      pasteGeneratedFace(frame.image, rects[k]!, crops?.[k]!.data ?? generated, crops ? 0 : k * outStride, crops?.[k]!.size ?? size, this.order, mask);
    });
  }

  private async enhance(generated: Float32Array, frames: readonly EngineFrame[], rects: readonly Rect[], timings?: StageTimings) {
    const enhancer = this.faceEnhancer;
    if (!enhancer) return null;
    const targets = frames.map((frame, k) => ({ rect: rects[k]!, keypoints: frame.face.keypoints }));
    const run = () => enhancer.enhance(generated, this.signature.faceSize, this.order, targets);
    return timings ? timed(timings, 'enhance', run) : run();
  }

  async dispose(): Promise<void> {
    await this.faceEnhancer?.dispose();
    await this.generator.dispose();
  }
}
