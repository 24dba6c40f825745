import * as ort from 'onnxruntime-node';
import { WAV2LIP_INPUT_NAMES, WAV2LIP_OUTPUT_NAME } from './graph.js';
import { WAV2LIP_FACE_SIZE, WAV2LIP_MEL_SHAPE } from './layout.js';

export interface ProbeResult {
  outputShape: number[];
  /** Every output value finite and within the sigmoid's [0, 1]. */
  ok: boolean;
  min: number;
  max: number;
  mean: number;
  milliseconds: number;
}

/**
 * One inference of a freshly imported generator on a fixed probe input (a mid-grey face, a mel window of silence):
 * proves onnxruntime loads the file and the graph computes a real picture, not NaNs or a saturated sheet.
 */
export async function probeWav2LipModel(modelPath: string): Promise<ProbeResult> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    // One run: no arena or memory-pattern planning to keep around (they would double the import's peak memory).
    enableCpuMemArena: false,
    enableMemPattern: false,
    graphOptimizationLevel: 'basic',
  });
  try {
    const S = WAV2LIP_FACE_SIZE;
    const faces = new Float32Array(6 * S * S).fill(0.5);
    // The masked crop (planes 0-2) has its lower half zeroed, as the engine sends it.
    for (let plane = 0; plane < 3; plane++) faces.fill(0, plane * S * S + (S / 2) * S, (plane + 1) * S * S);
    const [, bands, steps] = WAV2LIP_MEL_SHAPE;
    const mel = new Float32Array(bands * steps).fill(-4);
    const started = performance.now();
    const result = await session.run({
      [WAV2LIP_INPUT_NAMES.mel]: new ort.Tensor('float32', mel, [1, ...WAV2LIP_MEL_SHAPE]),
      [WAV2LIP_INPUT_NAMES.faces]: new ort.Tensor('float32', faces, [1, 6, S, S]),
    });
    const milliseconds = performance.now() - started;
    const out = result[WAV2LIP_OUTPUT_NAME];
    if (!out || !(out.data instanceof Float32Array)) throw new Error('the imported model produced no float output');
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let finite = true;
    for (const v of out.data) {
      if (!Number.isFinite(v)) finite = false;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    return { outputShape: [...out.dims], ok: finite && min >= 0 && max <= 1, min, max, mean: sum / out.data.length, milliseconds };
  } finally {
    await session.release();
  }
}
