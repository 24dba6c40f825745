/**
 * Checkpoints saved by real PyTorch (test/fixtures/torch, made by scripts/fixtures/make_torch_fixtures.py with
 * Debian's python3-torch 1.13; see its manifest.json) imported and run through onnxruntime: the outputs must equal
 * the PyTorch generator's own (computed in eval mode, float32) on random inputs with non-trivial BatchNorm statistics.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importWav2LipCheckpoint } from '../../../../src/pipeline/model/wav2lip/importCheckpoint.js';
import { CheckpointFormatError } from '../../../../src/pipeline/model/torch/checkpoint.js';
import { NotWav2LipError } from '../../../../src/pipeline/model/wav2lip/stateDict.js';

const FIXTURES = path.resolve('test/fixtures/torch');

async function readF32(name: string): Promise<Float32Array> {
  const bytes = await readFile(path.join(FIXTURES, name));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lipsync-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runModel(modelPath: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const mel = await readF32('reference-inputs-mel.f32');
    const faces = await readF32('reference-inputs-faces.f32');
    const result = await session.run({
      mel_spectrogram: new ort.Tensor('float32', mel, [2, 1, 80, 16]),
      video_frames: new ort.Tensor('float32', faces, [2, 6, 96, 96]),
    });
    return result.output!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('lipsync model import on checkpoints saved by PyTorch', () => {
  const cases = [
    { file: 'wav2lip-small-legacy-module-optim.pth', format: 'legacy', dtype: 'float32', skipped: ['optimizer', 'global_step', 'global_epoch'] },
    { file: 'wav2lip-small-zip-bare.pth', format: 'zip', dtype: 'float32', skipped: [] },
    { file: 'wav2lip-small-f16.pth', format: 'zip', dtype: 'float16', skipped: [] },
  ] as const;

  for (const c of cases) {
    it(`${c.file}: ${c.format} format, ${c.dtype} → outputs equal PyTorch's within 1e-4`, async () => {
      const output = path.join(dir, c.file.replace('.pth', '.onnx'));
      const result = await importWav2LipCheckpoint(path.join(FIXTURES, c.file), { output });
      expect(result).toMatchObject({ format: c.format, dtype: c.dtype, faceSize: 96, width: 1, parameters: 144_090 });
      expect(result.skipped).toEqual(c.skipped);
      const expected = await readF32(c.file.replace('.pth', '.out.f32'));
      const got = await runModel(output);
      const diff = maxAbsDiff(got, expected);
      expect(diff).toBeLessThanOrEqual(1e-4);
    });
  }

  it('refuses the SyncNet lip-sync expert, saying what it is, and writes nothing', async () => {
    const output = path.join(dir, 'syncnet.onnx');
    const error = await importWav2LipCheckpoint(path.join(FIXTURES, 'syncnet-small.pth'), { output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotWav2LipError);
    expect((error as Error).message).toMatch(/SyncNet lip-sync expert/);
    expect((error as Error).message).toMatch(/Missing \d+ of the generator's \d+ weight tensors \(e\.g\. face_encoder_blocks/);
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a checkpoint that would run os.system, runs nothing and writes nothing', async () => {
    const marker = '/tmp/lipsync-pwned-os-system';
    await rm(marker, { force: true });
    const output = path.join(dir, 'hostile.onnx');
    const error = await importWav2LipCheckpoint(path.join(FIXTURES, 'hostile-os-system.pth'), { output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as Error).message).toMatch(/system/);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a legacy checkpoint cut inside its storages, and writes nothing', async () => {
    const output = path.join(dir, 'truncated.onnx');
    const error = await importWav2LipCheckpoint(path.join(FIXTURES, 'hostile-storage-beyond-end.pth'), { output }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect(existsSync(output)).toBe(false);
    expect((await readdir(dir)).filter((f) => f.startsWith('truncated'))).toEqual([]);
  });
});
