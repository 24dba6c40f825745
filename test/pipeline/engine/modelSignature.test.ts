import { describe, expect, it } from 'vitest';
import { resolveModelSignature } from '../../../src/pipeline/engine/modelSignature.js';

const tensor = (name: string, shape: Array<number | string>) => ({ name, isTensor: true as const, type: 'float32' as const, shape });

describe('resolveModelSignature', () => {
  it('finds inputs by shape whatever their names and order', () => {
    const sig = resolveModelSignature([tensor('audio', ['N', 1, 80, 16]), tensor('x', ['N', 6, 192, 192])], [tensor('y', ['N', 3, 192, 192])]);
    expect(sig).toEqual({ melInput: 'audio', faceInput: 'x', output: 'y', faceSize: 192, fixedBatch: null });
  });
  it('detects fixed batch-1 exports', () => {
    const sig = resolveModelSignature([tensor('video_frames', [1, 6, 96, 96]), tensor('mel_spectrogram', [1, 1, 80, 16])], [tensor('output', [1, 3, 96, 96])]);
    expect(sig.fixedBatch).toBe(1);
    expect(sig.faceInput).toBe('video_frames');
  });
  it('falls back to the common names when shapes are symbolic', () => {
    const sig = resolveModelSignature([tensor('mel_spectrogram', []), tensor('video_frames', [])], [tensor('output', [])]);
    expect(sig).toMatchObject({ faceInput: 'video_frames', melInput: 'mel_spectrogram', faceSize: 96 });
  });
  it('refuses models that are not Wav2Lip-shaped', () => {
    expect(() => resolveModelSignature([tensor('a', [1, 3, 224, 224])], [tensor('b', [1, 1000])])).toThrow(/2 inputs/);
  });
});
