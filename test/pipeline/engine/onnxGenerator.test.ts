import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { OnnxGenerator } from '../../../src/pipeline/engine/onnxGenerator.js';
import { writeClassifierModel, writeExportModel, type ExportShape } from '../../support/exportModels.js';
import { tempDir } from '../../support/media.js';

const MEL = 80 * 16;

/** `count` frames: face k holds a ramp offset by k, mel k is the constant k/8 (exact in float16 too). */
function inputs(count: number, size: number) {
  const stride = 6 * size * size;
  const faces = new Float32Array(count * stride);
  for (let k = 0; k < count; k++) for (let i = 0; i < stride; i++) faces[k * stride + i] = ((i * 7 + k * 13) % 256) / 256;
  const mels = new Float32Array(count * MEL);
  for (let k = 0; k < count; k++) mels.fill(k / 8, k * MEL, (k + 1) * MEL);
  return { faces, mels };
}

/** What the export-like models compute: reference crop + mean(mel). */
function expected(faces: Float32Array, count: number, size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(count * 3 * plane);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < 3 * plane; i++) out[k * 3 * plane + i] = faces[k * 6 * plane + 3 * plane + i]! + k / 8;
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('OnnxGenerator on export-shaped models', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  let n = 0;
  const open = async (shape: ExportShape) =>
    OnnxGenerator.open({ modelPath: await writeExportModel(path.join(dir, `m${n++}.onnx`), shape), device: 'cpu', threads: 1 });

  async function check(shape: ExportShape, count: number, tolerance = 1e-6) {
    const size = shape.size ?? 96;
    const generator = await open(shape);
    const { faces, mels } = inputs(count, size);
    const out = await generator.run(faces, mels, count);
    await generator.dispose();
    expect(maxDiff(out, expected(faces, count, size))).toBeLessThanOrEqual(tolerance);
    return generator.signature;
  }

  it('runs a dynamic-batch float32 export in one call', async () => {
    const sig = await check({ size: 16 }, 5);
    expect(sig).toMatchObject({ fixedBatch: null, faceType: 'float32', outputType: 'float32', timeAxis: false, extraOutputs: [] });
  });

  it('pads a fixed batch of 4 and drops the padding (6 frames = 4 + 2 real + 2 padded)', async () => {
    const sig = await check({ size: 16, batch: 4 }, 6);
    expect(sig.fixedBatch).toBe(4);
    await check({ size: 16, batch: 4 }, 3);
    await check({ size: 16, batch: 1 }, 3);
  });

  it('feeds and reads float16 exports, converting on the way in and out', async () => {
    const sig = await check({ size: 16, elemType: 'float16' }, 3, 2e-3);
    expect(sig).toMatchObject({ faceType: 'float16', melType: 'float16', outputType: 'float16' });
    await check({ size: 16, elemType: 'float16', batch: 2 }, 3, 2e-3);
  });

  it('picks the face output among extra outputs by shape, and only that one', async () => {
    const sig = await check({ size: 16, extraOutputs: true, names: { output: 'y' } }, 3);
    expect(sig).toMatchObject({ output: 'y', extraOutputs: ['audio_embedding', 'face_embedding'] });
  });

  it('runs 5-D exports with one frame per window (T = 1, fixed or symbolic)', async () => {
    expect((await check({ size: 16, time: 1 }, 3)).timeAxis).toBe(true);
    await check({ size: 16, time: 'T', batch: 2 }, 3);
  });

  it('refuses 5-D exports that generate several frames per call', async () => {
    const err = await open({ size: 16, time: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as Error).message).toMatch(/is not a usable lip-sync model: it generates 5 frames per call .*re-export it with T = 1/);
  });

  it('reads other face sizes from the model (288 px)', async () => {
    expect((await check({ size: 288, batch: 1 }, 2)).faceSize).toBe(288);
  });

  it('names the file and the problem for files that are not usable models', async () => {
    const text = path.join(dir, 'notes.onnx');
    writeFileSync(text, 'definitely not protobuf');
    const notOnnx = await OnnxGenerator.open({ modelPath: text, device: 'cpu', threads: 1 }).catch((e: unknown) => e);
    expect(notOnnx).toBeInstanceOf(ModelFormatError);
    expect((notOnnx as Error).message).toBe(`${text} is not a usable lip-sync model: it is not an ONNX file`);

    const classifier = await writeClassifierModel(path.join(dir, 'classifier.onnx'));
    const wrong = await OnnxGenerator.open({ modelPath: classifier, device: 'cpu', threads: 1 }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ModelFormatError);
    expect((wrong as Error).message).toMatch(/classifier\.onnx is not a usable lip-sync model: a lip-sync model has 2 inputs .*this one has 1: image \[1,3,224,224\]/);
  });
});
