import * as ort from 'onnxruntime-node';
import { ConfigError, errorMessage } from '../../errors.js';

export interface SessionOptions {
  modelPath: string;
  device: 'cpu' | 'cuda';
  /** onnxruntime intra-op threads; 0 lets onnxruntime decide. */
  threads: number;
}

/**
 * Opens an ONNX model the way every model of the render path is run. A file onnxruntime cannot load becomes
 * `formatError(reason)` (the caller's typed error, reason in an operator's words); a CUDA request without
 * onnxruntime's CUDA libraries gets a ConfigError that says how to install them.
 */
export async function openInferenceSession(options: SessionOptions, formatError: (reason: string, cause: unknown) => Error): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(options.modelPath, {
      executionProviders: options.device === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
      ...(options.threads > 0 ? { intraOpNumThreads: options.threads } : {}),
      // Between batches onnxruntime's threads would busy-wait for more work, taking the CPU that decoding, face
      // detection and encoding need at that very moment.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    const message = errorMessage(err);
    if (options.device === 'cuda' && /cuda|shared library|providers_shared/i.test(message)) {
      throw new ConfigError(
        'LIPSYNC_DEVICE=cuda, but onnxruntime cannot load its CUDA libraries. On a host with CUDA 12 and cuDNN 9, reinstall with ' +
          '"ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci", or set LIPSYNC_DEVICE=cpu.',
      );
    }
    throw formatError(loadFailureReason(message), err);
  }
}

/** onnxruntime's load errors, in an operator's words (its own text, minus source paths, stays at the end). */
function loadFailureReason(message: string): string {
  if (/protobuf parsing failed|does not have a graph|no graph/i.test(message)) return 'it is not an ONNX file';
  const detail = message.replace(/^Load model from .*? failed:\s*/s, '').replace(/\/onnxruntime_src\/\S+\s+\S+\(.*?\)\s*/g, '').trim();
  return `onnxruntime cannot load it (${detail.split('\n')[0]})`;
}
