import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../scripts/make-test-model.js';
import type { ModelReport } from '../../src/pipeline/engine/modelReport.js';
import { writeEnhancerModel } from '../support/enhancerModels.js';
import { writeClassifierModel } from '../support/exportModels.js';
import { tempDir } from '../support/media.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

function lipsync(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, LOG_FORMAT: 'json', LIPSYNC_THREADS: '1', ...env }, encoding: 'utf8' });
}

describe('lipsync model check', () => {
  const { dir, cleanup } = tempDir();
  const model = path.join(dir, 'test.onnx');
  beforeAll(async () => {
    await writeTestModel(model);
  });
  afterAll(cleanup);

  it('describes a usable model and measures its speed', () => {
    const res = lipsync(['model', 'check', model]);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`Model       ${model} (`);
    expect(res.stdout).toContain('faces: video_frames float32 [batch,6,96,96]; audio: mel_spectrogram float32 [batch,1,80,16]');
    expect(res.stdout).toMatch(/^Face size   96×96 px$/m);
    expect(res.stdout).toMatch(/^Batch       dynamic: 8 frames per call/m);
    expect(res.stdout).toMatch(/^Colours     BGR/m);
    expect(res.stdout).toMatch(/^Device      CPU \(LIPSYNC_DEVICE=cpu\)$/m);
    expect(res.stdout).toMatch(/^Speed       [\d.]+ frames\/s on this machine \(batch 8,/m);
  });

  it('prints one JSON object for the configured model (LIPSYNC_MODEL, LIPSYNC_BATCH_SIZE, LIPSYNC_MODEL_COLOR)', () => {
    const res = lipsync(['model', 'check', '--json'], { LIPSYNC_MODEL: model, LIPSYNC_BATCH_SIZE: '3', LIPSYNC_MODEL_COLOR: 'rgb' });
    expect(res.status).toBe(0);
    const report = JSON.parse(res.stdout) as ModelReport;
    expect(report).toMatchObject({
      modelPath: model,
      faceInput: 'video_frames',
      melInput: 'mel_spectrogram',
      output: 'output',
      extraOutputs: [],
      faceSize: 96,
      batch: { mode: 'dynamic', size: 3 },
      elementType: 'float32',
      layout: '4-D',
      colorOrder: 'rgb',
      device: { requested: 'cpu', used: 'cpu' },
      speed: { batchSize: 3, runs: 3 },
    });
    expect(report.inputs.map((t) => t.name).sort()).toEqual(['mel_spectrogram', 'video_frames']);
    expect(report.speed!.framesPerSecond).toBeGreaterThan(0);
    expect(report.outputRange!.min).toBeGreaterThanOrEqual(0);
    expect(report.outputRange!.max).toBeLessThanOrEqual(1);
  });

  it('reports the face restorer too when LIPSYNC_ENHANCER is set (CodeFormer-shaped: fidelity, blend, speed)', async () => {
    const enhancer = await writeEnhancerModel(path.join(dir, 'codeformer.onnx'), { fn: 'invert', size: 64, fidelity: { type: 'double' }, names: { input: 'x' } });
    const env = { LIPSYNC_ENHANCER: enhancer, ENHANCER_BLEND: '0.8', CODEFORMER_FIDELITY: '0.5' };
    const res = lipsync(['model', 'check', model], env);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`Enhancer    ${enhancer} (`);
    expect(res.stdout).toMatch(/CodeFormer-style: x float32 \[1,3,64,64\] → output$/m);
    expect(res.stdout).toMatch(/^ {12}64×64 px, FFHQ-aligned, RGB in \[-1, 1\]; batch fixed at 1 by the model$/m);
    expect(res.stdout).toMatch(/^ {12}blend 0.8 \(ENHANCER_BLEND\); fidelity w = 0.5 \(CODEFORMER_FIDELITY\)$/m);
    expect(res.stdout).toMatch(/^ {12}[\d.]+ faces\/s on this CPU \(batch 1,/m);
    const json = JSON.parse(lipsync(['model', 'check', model, '--json'], env).stdout) as ModelReport;
    expect(json.enhancer).toMatchObject({ modelPath: enhancer, kind: 'CodeFormer-style', size: 64, batch: { mode: 'fixed', size: 1 }, fidelity: { input: 'w', value: 0.5 }, blend: 0.8 });
    const missing = lipsync(['model', 'check', model], { LIPSYNC_ENHANCER: path.join(dir, 'gfpgan-absent.onnx') });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Model file not found: .*gfpgan-absent\.onnx\. Put a face-restoration ONNX model/)]);
  });

  it('refuses a missing file, a file that is not ONNX and an ONNX that is no lip-sync model, in one line each', async () => {
    const missing = path.join(dir, 'absent.onnx');
    const notOnnx = path.join(dir, 'notes.onnx');
    writeFileSync(notOnnx, 'these are my notes, not a model');
    const classifier = await writeClassifierModel(path.join(dir, 'classifier.onnx'));
    const cases: Array<[string, RegExp]> = [
      [missing, new RegExp(`^Model file not found: ${missing}\\. `)],
      [notOnnx, new RegExp(`^${notOnnx} is not a usable lip-sync model: it is not an ONNX file$`)],
      [classifier, /is not a usable lip-sync model: a lip-sync model has 2 inputs \(mel spectrogram and face frames\), this one has 1: image \[1,3,224,224\]$/],
    ];
    for (const [file, message] of cases) {
      const res = lipsync(['model', 'check', file, '--json']);
      expect(res.status, file).toBe(1);
      expect(res.stdout).toBe('');
      const lines = res.stderr.split('\n').filter((l) => l !== '');
      expect(lines, file).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});
