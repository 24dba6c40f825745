import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const { pipeline } = loadConfig({});
    expect(pipeline).toMatchObject({ engine: 'auto', modelPath: 'models/wav2lip_gan.onnx', device: 'cpu', batchSize: 8, loopMode: 'pingpong', maxRenderHeight: 1080 });
    expect(pipeline.facePads).toEqual({ top: 0, bottom: 10, left: 0, right: 0 });
    expect(pipeline.limits).toEqual({ maxAudioSeconds: 600, maxTemplateSeconds: 300, maxDimension: 4096, maxFileBytes: 500 * 1024 * 1024 });
  });
  it('uses a larger batch on cuda', () => {
    expect(loadConfig({ LIPSYNC_DEVICE: 'cuda' }).pipeline.batchSize).toBe(64);
    expect(loadConfig({ LIPSYNC_DEVICE: 'cuda', LIPSYNC_BATCH_SIZE: '16' }).pipeline.batchSize).toBe(16);
  });
  it('blends around the mouth by default; BLEND_MODE=box is Wav2Lip\'s paste; anything else is refused by name', () => {
    expect(loadConfig({}).pipeline.blendMode).toBe('mouth');
    expect(loadConfig({ BLEND_MODE: 'box' }).pipeline.blendMode).toBe('box');
    expect(() => loadConfig({ BLEND_MODE: 'oval' })).toThrow(/BLEND_MODE: .*\(got "oval"\)/);
  });
  it('has no face restorer unless LIPSYNC_ENHANCER is set; ENHANCER_BLEND defaults to 1 and CODEFORMER_FIDELITY to 0.7, both within 0…1', () => {
    expect(loadConfig({}).pipeline.enhancer).toBeUndefined();
    expect(loadConfig({ LIPSYNC_ENHANCER: ' ' }).pipeline.enhancer).toBeUndefined();
    expect(loadConfig({ LIPSYNC_ENHANCER: 'models/GFPGANv1.4.onnx' }).pipeline.enhancer).toEqual({ modelPath: 'models/GFPGANv1.4.onnx', blend: 1, fidelity: 0.7 });
    expect(loadConfig({ LIPSYNC_ENHANCER: 'models/codeformer.onnx', ENHANCER_BLEND: '0.5', CODEFORMER_FIDELITY: '0.2' }).pipeline.enhancer).toEqual({
      modelPath: 'models/codeformer.onnx',
      blend: 0.5,
      fidelity: 0.2,
    });
    expect(() => loadConfig({ ENHANCER_BLEND: '1.5', CODEFORMER_FIDELITY: '-1' })).toThrow(/ENHANCER_BLEND: .*\(got "1.5"\)[\s\S]*CODEFORMER_FIDELITY: .*\(got "-1"\)/);
  });
  it('reports every bad value at once, naming the variable and the value', () => {
    let error: unknown;
    try {
      loadConfig({ LOOP_MODE: 'bounce', FACE_PADS: '1,2', MAX_AUDIO_SECONDS: '-3' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/LOOP_MODE: .*\(got "bounce"\)/);
    expect(message).toMatch(/FACE_PADS: expected four integers/);
    expect(message).toMatch(/MAX_AUDIO_SECONDS/);
  });
});
