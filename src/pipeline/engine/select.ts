import { existsSync } from 'node:fs';
import type { EngineName, PipelineConfig } from '../../config/index.js';
import { logger } from '../../log.js';
import { loadOnce } from '../loadOnce.js';
import type { LipSyncEngine } from './types.js';
import { Wav2LipOnnxEngine } from './wav2lipOnnx.js';

/** Engines are expensive to load (an ONNX session holds the whole model), so a process keeps one per setting. */
const cache = new Map<string, Promise<LipSyncEngine>>();
let fallbackWarned = false;

export interface EngineChoice {
  /** Explicit request (flag or per-job option); when absent, LIPSYNC_ENGINE decides ('auto' by default). */
  requested?: EngineName;
  config: PipelineConfig;
}

/**
 * 'auto' uses the Wav2Lip-compatible model when its file exists and otherwise falls back to the weights-free
 * preview engine, warning loudly once. An explicit 'wav2lip' with a missing model fails with ModelMissingError.
 */
export function resolveEngineName({ requested, config }: EngineChoice): EngineName {
  const wanted = requested ?? config.engine;
  if (wanted !== 'auto') return wanted;
  if (existsSync(config.modelPath)) return 'wav2lip';
  if (!fallbackWarned) {
    fallbackWarned = true;
    logger().warn(
      { modelPath: config.modelPath },
      `No lip-sync model at ${config.modelPath}: using the weights-free PREVIEW engine ("builtin"). ` +
        'For full quality, install a Wav2Lip-compatible ONNX model (see models/README.md).',
    );
  }
  return 'builtin';
}

async function createEngine(name: EngineName, config: PipelineConfig): Promise<LipSyncEngine> {
  if (name === 'wav2lip') {
    return Wav2LipOnnxEngine.create({
      modelPath: config.modelPath,
      device: config.device,
      batchSize: config.batchSize,
      threads: config.threads,
      channelOrder: config.modelColorOrder,
      blendMode: config.blendMode,
      enhancer: config.enhancer,
    });
  }
  const { createBuiltinEngine } = await import('./builtin/index.js');
  return createBuiltinEngine();
}

const enhancerKey = ({ enhancer: e }: PipelineConfig) => (e ? `${e.modelPath}|${e.blend}|${e.fidelity}` : 'none');

export async function getEngine(choice: EngineChoice): Promise<LipSyncEngine> {
  const name = resolveEngineName(choice);
  const { config } = choice;
  const key = name === 'wav2lip' ? `wav2lip|${config.modelPath}|${config.device}|${config.batchSize}|${config.threads}|${config.modelColorOrder}|${config.blendMode}|${enhancerKey(config)}` : name;
  return loadOnce(cache, key, () => createEngine(name, config));
}

/** Releases every cached engine (end of process, tests). */
export async function disposeEngines(): Promise<void> {
  const engines = [...cache.values()];
  cache.clear();
  for (const engine of engines) await (await engine.catch(() => undefined))?.dispose();
}
