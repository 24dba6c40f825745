import path from 'node:path';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { loadConfig, type PipelineConfig } from '../../src/config/index.js';

/** Writes the tiny test model into `dir` and returns a pipeline config that uses it. */
export async function testModelConfig(dir: string, env: Record<string, string> = {}): Promise<PipelineConfig> {
  const modelPath = path.join(dir, 'test-model.onnx');
  await writeTestModel(modelPath);
  return loadConfig({ LIPSYNC_MODEL: modelPath, LIPSYNC_ENGINE: 'wav2lip', LOG_LEVEL: 'warn', ...env }).pipeline;
}
