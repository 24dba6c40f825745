import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { resolveModelSignature } from '../../../src/pipeline/engine/modelSignature.js';

type ElementType = 'float32' | 'float16' | 'int64';
const tensor = (name: string, shape: Array<number | string>, type: ElementType = 'float32') => ({ name, isTensor: true as const, type, shape });

describe('resolveModelSignature', () => {
  it('finds inputs by shape whatever their names and order', () => {
    const sig = resolveModelSignature([tensor('audio', ['N', 1, 80, 16]), tensor('x', ['N', 6, 192, 192])], [tensor('y', ['N', 3, 192, 192])]);
    expect(sig).toEqual({
      melInput: 'audio',
      faceInput: 'x',
      output: 'y',
      faceSize: 192,
      fixedBatch: null,
      faceType: 'float32',
      melType: 'float32',
      outputType: 'float32',
      extraOutputs: [],
      timeAxis: false,
    });
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
  it('reads element types, fixed batches larger than 1 and 5-D layouts', () => {
    const sig = resolveModelSignature(
      [tensor('mel', [4, 1, 1, 80, 16], 'float16'), tensor('face', [4, 6, 1, 288, 288], 'float16')],
      [tensor('out', [4, 3, 1, 288, 288], 'float16')],
    );
    expect(sig).toMatchObject({ faceSize: 288, fixedBatch: 4, faceType: 'float16', melType: 'float16', outputType: 'float16', timeAxis: true });
  });
  it('picks the face output by shape, then by name', () => {
    const byShape = resolveModelSignature(
      [tensor('mel', ['N', 1, 80, 16]), tensor('face', ['N', 6, 96, 96])],
      [tensor('output', ['N', 512, 1, 1]), tensor('z', ['N', 3, 96, 96]), tensor('att', ['N', 3, 12, 12])],
    );
    expect(byShape).toMatchObject({ output: 'z', extraOutputs: ['output', 'att'] });
    const byName = resolveModelSignature([tensor('mel', []), tensor('face', [])], [tensor('embedding', []), tensor('generated', [])]);
    expect(byName).toMatchObject({ output: 'generated', extraOutputs: ['embedding'] });
  });
  it('takes the face size from the output when the face input is symbolic', () => {
    const sig = resolveModelSignature([tensor('mel', ['N', 1, 80, 16]), tensor('face', ['N', 6, 'H', 'W'])], [tensor('y', ['N', 3, 384, 384])]);
    expect(sig.faceSize).toBe(384);
  });
  it.each([
    ['5-D with T = 5', [tensor('mel', ['N', 5, 1, 80, 16]), tensor('face', ['N', 6, 5, 96, 96])], [tensor('y', ['N', 3, 5, 96, 96])], /generates 5 frames per call/],
    ['int64 inputs', [tensor('mel', ['N', 1, 80, 16], 'int64'), tensor('face', ['N', 6, 96, 96])], [tensor('y', ['N', 3, 96, 96])], /holds int64 values/],
    ['a wrong mel window', [tensor('mel', ['N', 1, 80, 27]), tensor('face', ['N', 6, 96, 96])], [tensor('y', ['N', 3, 96, 96])], /audio input mel has shape \[N,1,80,27\]/],
    ['non-square crops', [tensor('mel', ['N', 1, 80, 16]), tensor('face', ['N', 6, 96, 128])], [tensor('y', ['N', 3, 96, 128])], /only square crops/],
    ['no face output', [tensor('mel', ['N', 1, 80, 16]), tensor('face', ['N', 6, 96, 96])], [tensor('y', ['N', 1000])], /none of its outputs is a face image \[B,3,96,96\]: y \[N,1000\]/],
    ['disagreeing batches', [tensor('mel', [1, 1, 80, 16]), tensor('face', [4, 6, 96, 96])], [tensor('y', [4, 3, 96, 96])], /disagree on the batch size/],
  ])('refuses %s with a ModelFormatError that says what is wrong', (_label, inputs, outputs, message) => {
    const run = () => resolveModelSignature(inputs, outputs);
    expect(run).toThrow(ModelFormatError);
    expect(run).toThrow(message);
  });
});
