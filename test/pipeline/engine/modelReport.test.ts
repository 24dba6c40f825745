import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel, describeModelReport } from '../../../src/pipeline/engine/modelReport.js';
import { writeExportModel } from '../../support/exportModels.js';
import { tempDir } from '../../support/media.js';

describe('checkModel', () => {
  const { dir, cleanup } = tempDir();
  afterAll(cleanup);
  const base = { device: 'cpu' as const, threads: 1, batchSize: 8, colorOrder: 'bgr' as const };

  it('reports fixed batches, float16, 5-D layouts and extra outputs as the engine will run them', async () => {
    const modelPath = await writeExportModel(path.join(dir, 'half.onnx'), { size: 32, batch: 4, elemType: 'float16', time: 1, extraOutputs: true });
    const report = await checkModel({ ...base, modelPath, timedRuns: 2 });
    expect(report).toMatchObject({
      faceSize: 32,
      batch: { mode: 'fixed', size: 4 },
      elementType: 'float16',
      outputType: 'float16',
      layout: '5-D',
      output: 'output',
      extraOutputs: ['audio_embedding', 'face_embedding'],
      speed: { batchSize: 4, runs: 2 },
    });
    const text = describeModelReport(report).join('\n');
    expect(text).toMatch(/^Batch       fixed at 4 by the model/m);
    expect(text).toMatch(/^Precision   float16 \(the engine converts inputs and outputs\)$/m);
    expect(text).toMatch(/not fetched: audio_embedding, face_embedding/);
    expect(text).toMatch(/^Values      -?[\d.]+ … [\d.]+ generated from random inputs$/m);
    // A generator without its sigmoid (or scaled to 0…255) shows up in the value range.
    const unscaled = describeModelReport({ ...report, outputRange: { min: 0, max: 255 } }).join('\n');
    expect(unscaled).toMatch(/^Values      0 … 255 generated from random inputs \(expected 0 … 1/m);
  });

  it('runs one probe inference without timing when asked (model import)', async () => {
    const modelPath = await writeExportModel(path.join(dir, 'probe.onnx'), { size: 16 });
    const report = await checkModel({ ...base, modelPath, warmupRuns: 1, timedRuns: 0 });
    expect(report.speed).toBeNull();
    expect(report.outputRange).not.toBeNull();
  });
});
