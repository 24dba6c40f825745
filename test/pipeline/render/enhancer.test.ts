import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../../src/pipeline/render/progressReporter.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { emptyTimings } from '../../../src/pipeline/render/stageTimings.js';
import type { RenderProgress } from '../../../src/pipeline/render/types.js';
import { disposeEngines } from '../../../src/pipeline/engine/select.js';
import { writeEnhancerModel } from '../../support/enhancerModels.js';
import { ffmpeg, PORTRAIT, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

describe('renderClip with a face restorer (LIPSYNC_ENHANCER)', () => {
  const { dir, cleanup } = tempDir();
  const audio = path.join(dir, 'one-second.wav');
  beforeAll(() => {
    ffmpeg(['-i', SPEECH, '-t', '1', audio]);
  });
  afterAll(async () => {
    await disposeEngines();
    cleanup();
  });

  it('names the restorer in the render stage’s progress and times it as the enhance share of the engine', async () => {
    const enhancer = await writeEnhancerModel(path.join(dir, 'gpen.onnx'), { fn: 'invert', size: 64, batch: 'batch' });
    const config = await testModelConfig(dir, { LIPSYNC_ENHANCER: enhancer });
    const progress: RenderProgress[] = [];
    const timings = emptyTimings();
    const result = await renderClip(
      { audioPath: audio, templatePath: PORTRAIT, outputPath: path.join(dir, 'enhanced.mp4') },
      { box: { y1: 60, y2: 250, x1: 80, x2: 240 } },
      (p) => progress.push(p),
      undefined,
      { config, timings },
    );
    expect(result.framesWithFace).toBe(25);
    const stages = progress.filter((p) => p.stage === 'render' || p.stage === 'finalize');
    expect(stages.length).toBeGreaterThan(0);
    for (const p of stages) expect(p.enhancer).toBe('GFPGAN-style 64 px');
    expect(progress.find((p) => p.stage === 'probe')?.enhancer).toBeUndefined();
    expect(timings.enhance).toBeGreaterThan(0);
    expect(timings.enhance).toBeLessThanOrEqual(timings.engine);
  });

  it('reports no restorer when none is set', () => {
    const seen: RenderProgress[] = [];
    const reporter = new ProgressReporter((p) => seen.push(p), () => 0);
    reporter.setEnhancer(null);
    reporter.setStage('render', 10);
    reporter.setEnhancer('CodeFormer-style 512 px');
    reporter.setStage('finalize');
    expect(seen.map((p) => p.enhancer)).toEqual([undefined, 'CodeFormer-style 512 px']);
    expect('enhancer' in seen[0]!).toBe(false);
  });
});
