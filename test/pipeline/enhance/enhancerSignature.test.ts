import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EnhancerFormatError } from '../../../src/errors.js';
import { resolveEnhancerSignature } from '../../../src/pipeline/enhance/enhancerSignature.js';

type Meta = InferenceSession.ValueMetadata;
const tensor = (name: string, shape: Array<number | string>, type = 'float32'): Meta => ({ name, isTensor: true, type, shape }) as Meta;

describe('resolveEnhancerSignature', () => {
  it('reads GFPGAN/RestoreFormer exports: one image input [1,3,512,512], no fidelity', () => {
    expect(resolveEnhancerSignature([tensor('input', [1, 3, 512, 512])], [tensor('output', [1, 3, 512, 512])])).toEqual({
      imageInput: 'input',
      output: 'output',
      size: 512,
      fixedBatch: 1,
      imageType: 'float32',
      outputType: 'float32',
      fidelity: null,
    });
  });

  it('reads the size of GPEN-BFR-256 and dynamic batches, from the output when the input is symbolic', () => {
    expect(resolveEnhancerSignature([tensor('input', [1, 3, 256, 256])], [tensor('output', [1, 3, 256, 256])])).toMatchObject({ size: 256, fixedBatch: 1 });
    expect(resolveEnhancerSignature([tensor('img', ['batch', 3, 'h', 'w'])], [tensor('out', ['batch', 3, 256, 256])])).toMatchObject({ size: 256, fixedBatch: null });
  });

  it('finds CodeFormer’s fidelity input whatever its position, name and type (double or float, [] or [1])', () => {
    const sig = resolveEnhancerSignature([tensor('w', [], 'float64'), tensor('x', [1, 3, 512, 512])], [tensor('y', [1, 3, 512, 512]), tensor('logits', [1, 256, 1024])]);
    expect(sig).toMatchObject({ imageInput: 'x', output: 'y', fidelity: { name: 'w', type: 'float64', dims: [] } });
    expect(resolveEnhancerSignature([tensor('input', [1, 3, 512, 512]), tensor('weight', [1], 'float32')], [tensor('output', [1, 3, 512, 512])]).fidelity).toEqual({
      name: 'weight',
      type: 'float32',
      dims: [1],
    });
  });

  it('refuses what is no face restorer, saying what the model takes', () => {
    const refuse = (inputs: Meta[], outputs: Meta[]) => {
      try {
        resolveEnhancerSignature(inputs, outputs);
      } catch (err) {
        expect(err).toBeInstanceOf(EnhancerFormatError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refuse([tensor('mel_spectrogram', ['b', 1, 80, 16]), tensor('video_frames', ['b', 6, 96, 96])], [tensor('output', ['b', 3, 96, 96])])).toMatch(
      /takes one RGB image \[B,3,S,S\].*this one takes mel_spectrogram float32 \[b,1,80,16\], video_frames float32 \[b,6,96,96\]/,
    );
    expect(refuse([tensor('input', [1, 3, 512, 384])], [tensor('output', [1, 3, 512, 384])])).toMatch(/takes 384×512 images; only square/);
    expect(refuse([tensor('input', [1, 3, 512, 512])], [tensor('scores', [1, 1000])])).toMatch(/none of its outputs is an image/);
    expect(refuse([tensor('input', [1, 3, 512, 512])], [tensor('output', [1, 3, 1024, 1024])])).toMatch(/is not the size of its input/);
    expect(refuse([tensor('input', [1, 3, 512, 512], 'uint8')], [tensor('output', [1, 3, 512, 512])])).toMatch(/holds uint8 values/);
    expect(refuse([tensor('input', [1, 3, 512, 512]), tensor('w', [1], 'int64')], [tensor('output', [1, 3, 512, 512])])).toMatch(/fidelity input w holds int64/);
  });
});
