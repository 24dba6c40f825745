/**
 * Parity with Wav2Lip's own inference.py. test/fixtures/parity holds what `inference.py --box 36 132 104 180` produces
 * (reproduced step for step by scripts/fixtures/wav2lip_box_reference.py with PyTorch, OpenCV and a numpy copy of
 * librosa 0.7's mel front end; see its manifest.json) for the real-PyTorch generator checkpoint
 * test/fixtures/torch/wav2lip-small-zip-bare.pth, a 2 s speech cut and a lossless panned template.
 *
 * Here the same checkpoint is imported with `lipsync model import` and rendered with `lipsync render --box`; the mouth
 * region of every frame (where our paste has full weight) must equal the reference within codec noise. The output is
 * encoded with CRF 0 (lossless luma), so what is compared is luma: any difference comes from the pipeline itself
 * (YUV ↔ RGB conversions, resampling), not from the encoder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { importWav2LipCheckpoint } from '../../../src/pipeline/model/wav2lip/importCheckpoint.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { disposeEngines } from '../../../src/pipeline/engine/select.js';
import { ffmpeg, FIXTURES, tempDir } from '../../support/media.js';

const PARITY = path.join(FIXTURES, 'parity');

interface ParityManifest {
  box: { y1: number; y2: number; x1: number; x2: number };
  mel_chunks: { count: number };
  inputs: { 'template.mkv': { width: number; height: number } };
  output: { shape: [number, number, number, number]; region: { y1: number; y2: number; x1: number; x2: number } };
}

/** BT.601 limited-range luma, as the encoder's yuv420p stores it. */
function luma(b: number, g: number, r: number): number {
  return 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
}

describe("parity with Wav2Lip's inference.py (--box)", () => {
  const { dir, cleanup } = tempDir('lipsync-parity-');
  const manifest = JSON.parse(readFileSync(path.join(PARITY, 'manifest.json'), 'utf8')) as ParityManifest;
  const output = path.join(dir, 'parity.mp4');
  let frames: number;

  beforeAll(async () => {
    const model = path.join(dir, 'wav2lip-small.onnx');
    await importWav2LipCheckpoint(path.join(FIXTURES, 'torch', 'wav2lip-small-zip-bare.pth'), { output: model });
    // inference.py pastes the whole crop: compare with the box blend mode (the default, mouth, keeps the cheeks).
    const config = loadConfig({ LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LOG_LEVEL: 'warn', ENCODE_CRF: '0', LIPSYNC_BATCH_SIZE: '16', BLEND_MODE: 'box' }).pipeline;
    const { y1, y2, x1, x2 } = manifest.box;
    const result = await renderClip(
      { audioPath: path.join(PARITY, 'speech-2s.wav'), templatePath: path.join(PARITY, 'template.mkv'), outputPath: output },
      { engine: 'wav2lip', box: { y1, y2, x1, x2 } },
      undefined,
      undefined,
      { config },
    );
    frames = result.frames;
  });
  afterAll(async () => {
    await disposeEngines();
    cleanup();
  });

  it('renders the mouth region of every frame as inference.py does, within codec noise', () => {
    const { width, height } = manifest.inputs['template.mkv'];
    const [count, rows, cols] = manifest.output.shape;
    const region = manifest.output.region;
    expect(count).toBe(manifest.mel_chunks.count);
    // inference.py stops at the last full mel window; we also render the audio's tail: compare the frames both have.
    expect(frames).toBeGreaterThanOrEqual(count);

    const reference = readFileSync(path.join(PARITY, 'reference-box-frames.u8'));
    const yuv = ffmpeg(['-v', 'error', '-i', output, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const frameBytes = (width * height * 3) / 2;
    expect(yuv.length).toBe(count * frameBytes);

    // The mouth region: the box's lower half, inside the paste's side feathers (where the generated face has full weight).
    const box = manifest.box;
    const boxW = box.x2 - box.x1;
    const mouth = { y1: Math.round((box.y1 + box.y2) / 2) + 4, y2: box.y2, x1: box.x1 + Math.ceil(0.15 * boxW), x2: box.x2 - Math.ceil(0.15 * boxW) };
    let sum = 0;
    let n = 0;
    let worst = 0;
    const perFrame: number[] = [];
    for (let f = 0; f < count; f++) {
      let frameSum = 0;
      let frameN = 0;
      for (let y = mouth.y1; y < mouth.y2; y++) {
        for (let x = mouth.x1; x < mouth.x2; x++) {
          const ref = (((f * rows + (y - region.y1)) * cols + (x - region.x1)) * 3) as number;
          const expected = luma(reference[ref]!, reference[ref + 1]!, reference[ref + 2]!);
          const got = yuv[f * frameBytes + y * width + x]!;
          const diff = Math.abs(got - expected);
          frameSum += diff;
          frameN++;
          worst = Math.max(worst, diff);
        }
      }
      perFrame.push(frameSum / frameN);
      sum += frameSum;
      n += frameN;
    }
    const mean = sum / n;
    console.log(`parity: mean |ΔY| ${mean.toFixed(3)}, worst frame ${Math.max(...perFrame).toFixed(3)}, worst pixel ${worst.toFixed(1)}`);
    // Measured: mean 0.34, worst frame 0.37 (the template's YUV → RGB round trip). For scale: the default CRF 18
    // encode alone adds ≈ 1.5, the box moved down by 2 px gives ≈ 4, the wrong channel order ≈ 6.
    expect(mean).toBeLessThan(0.8);
    expect(Math.max(...perFrame)).toBeLessThan(1.2);
  });

  it('leaves everything outside the box as the template is', () => {
    const { width, height } = manifest.inputs['template.mkv'];
    const count = manifest.mel_chunks.count;
    const frameBytes = (width * height * 3) / 2;
    const rendered = ffmpeg(['-v', 'error', '-i', output, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const template = ffmpeg(['-v', 'error', '-i', path.join(PARITY, 'template.mkv'), '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const box = manifest.box;
    let maxOutside = 0;
    for (let f = 0; f < count; f++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (y >= box.y1 - 2 && y < box.y2 + 2 && x >= box.x1 - 2 && x < box.x2 + 2) continue;
          const i = f * frameBytes + y * width + x;
          maxOutside = Math.max(maxOutside, Math.abs(rendered[i]! - template[i]!));
        }
      }
    }
    expect(maxOutside).toBe(0);
  });
});
