import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../../scripts/make-test-model.js';
import { ConfigError, ModelMissingError } from '../../../src/errors.js';
import { Wav2LipOnnxEngine } from '../../../src/pipeline/engine/wav2lipOnnx.js';
import { tempDir } from '../../support/media.js';

/** Whether this onnxruntime-node install carries the CUDA provider (ONNXRUNTIME_NODE_INSTALL=cuda12). */
function cudaProviderInstalled(): boolean {
  const pkg = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
  const bin = path.join(pkg, 'bin');
  const walk = (dir: string): boolean =>
    existsSync(dir) && readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.startsWith('libonnxruntime_providers_cuda')));
  return walk(bin);
}

describe('Wav2LipOnnxEngine', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  const base = { device: 'cpu' as const, batchSize: 4, threads: 1 };

  it('reads batch size from fixed-batch exports', async () => {
    const fixed = path.join(dir, 'fixed.onnx');
    await writeTestModel(fixed, { fixedBatch: true });
    const engine = await Wav2LipOnnxEngine.create({ ...base, modelPath: fixed });
    expect(engine.batchSize).toBe(1);
    expect(engine.signature).toMatchObject({ faceSize: 96, fixedBatch: 1, faceInput: 'video_frames', melInput: 'mel_spectrogram' });
    await engine.dispose();
  });

  it('names the missing model file and where to get one', async () => {
    const missing = path.join(dir, 'absent.onnx');
    const err = await Wav2LipOnnxEngine.create({ ...base, modelPath: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelMissingError);
    expect((err as Error).message).toContain(missing);
    expect((err as Error).message).toContain('models/README.md');
  });

  it('explains how to install CUDA support when LIPSYNC_DEVICE=cuda cannot be honoured', async () => {
    const model = path.join(dir, 'dynamic.onnx');
    await writeTestModel(model);
    const result = await Wav2LipOnnxEngine.create({ ...base, device: 'cuda', modelPath: model }).catch((e: unknown) => e);
    if (cudaProviderInstalled()) {
      expect(result).toBeInstanceOf(Wav2LipOnnxEngine);
      await (result as Wav2LipOnnxEngine).dispose();
    } else {
      expect(result).toBeInstanceOf(ConfigError);
      expect((result as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci/);
    }
  });
});
