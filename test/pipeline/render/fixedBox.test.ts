import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PipelineConfig } from '../../../src/config/index.js';
import { InputError } from '../../../src/errors.js';
import { createBuiltinEngine } from '../../../src/pipeline/engine/builtin/index.js';
import type { ClipContext, LipSyncEngine } from '../../../src/pipeline/engine/types.js';
import { Wav2LipOnnxEngine } from '../../../src/pipeline/engine/wav2lipOnnx.js';
import { cropBoxForFace, FaceDetector, type FaceDetection } from '../../../src/pipeline/face/index.js';
import { faceFromFixedBox } from '../../../src/pipeline/face/fixedBox.js';
import { renderClip } from '../../../src/pipeline/render/renderClip.js';
import { cutWorkArea, pasteWorkArea } from '../../../src/pipeline/render/workAreas.js';
import { toYuvImage } from '../../../src/pipeline/media/yuvImage.js';
import { noiseImage } from '../../support/images.js';
import { ffmpeg, PORTRAIT, SPEECH, tempDir } from '../../support/media.js';
import { testModelConfig } from '../../support/render.js';

describe('a fixed crop box (--box)', () => {
  const { dir, cleanup } = tempDir();
  const audio = path.join(dir, 'one-second.wav');
  let config: PipelineConfig;
  beforeAll(async () => {
    config = await testModelConfig(dir);
    ffmpeg(['-i', SPEECH, '-t', '1', audio]);
  });
  afterAll(cleanup);

  it('the Wav2Lip engine crops and pastes exactly frame[y1:y2, x1:x2], whatever the even work area', async () => {
    const engine = await Wav2LipOnnxEngine.create({ modelPath: config.modelPath, device: 'cpu', batchSize: 4, threads: 1 });
    try {
      const box = { x1: 71, y1: 33, x2: 191, y2: 177 }; // odd edges: the work area is rounded out to even ones
      const pads = { top: 0, bottom: 10, left: 0, right: 0 };
      const synthesizer = engine.startClip({ fps: 25, width: 320, height: 240, facePads: pads, fixedBox: box });
      const cut = cutWorkArea(synthesizer, toYuvImage(noiseImage(320, 240, 3)), faceFromFixedBox(box), 0, new Float32Array(80 * 16).fill(2))!;
      expect(cut.area).toEqual({ x1: 70, y1: 32, x2: 192, y2: 178 });
      const { image, face } = cut.engineFrame;
      const crop = cropBoxForFace(face, pads, image.width, image.height);
      expect({ x1: crop.x1 + cut.area.x1, y1: crop.y1 + cut.area.y1, x2: crop.x2 + cut.area.x1, y2: crop.y2 + cut.area.y1 }).toEqual(box);
      await synthesizer.synthesize([cut.engineFrame]);
      // Pasted inside the box only (in frame coordinates), down to its last row.
      const changedRows = new Set<number>();
      for (let y = 0; y < image.height; y++) {
        for (let x = 0; x < image.width; x++) {
          const p = (y * image.width + x) * 3;
          if (image.data[p] === cut.before.data[p] && image.data[p + 1] === cut.before.data[p + 1] && image.data[p + 2] === cut.before.data[p + 2]) continue;
          const fx = x + cut.area.x1;
          const fy = y + cut.area.y1;
          expect(fx >= box.x1 && fx < box.x2 && fy >= box.y1 && fy < box.y2).toBe(true);
          changedRows.add(fy);
        }
      }
      expect(changedRows.has(box.y2 - 1)).toBe(true);
      pasteWorkArea(cut);
    } finally {
      await engine.dispose();
    }
  });

  it('renders without loading the face detector, every frame cropped at the (scaled) box; the preview engine gets a face too', async () => {
    const contexts: ClipContext[] = [];
    const faces: FaceDetection[] = [];
    const builtin = createBuiltinEngine();
    const recording: LipSyncEngine = {
      ...builtin,
      name: builtin.name,
      preview: builtin.preview,
      batchSize: builtin.batchSize,
      startClip: (context) => {
        contexts.push(context);
        const clip = builtin.startClip(context);
        return {
          workArea: (face) => {
            faces.push(face);
            return clip.workArea(face);
          },
          synthesize: (frames, signal) => clip.synthesize(frames, signal),
        };
      },
    };
    const create = vi.spyOn(FaceDetector, 'create');
    try {
      // The 320×320 portrait rendered at 160×160: the box scales by one half.
      const small = { ...config, maxRenderHeight: 160 };
      const result = await renderClip(
        { audioPath: audio, templatePath: PORTRAIT, outputPath: path.join(dir, 'boxed.mp4') },
        { box: { y1: 34, y2: 124, x1: 106, x2: 172 } },
        undefined,
        undefined,
        { config: small, engine: recording },
      );
      expect(create).not.toHaveBeenCalled();
      expect(result.frames).toBe(25);
      expect(result.framesWithFace).toBe(25);
      expect(contexts[0]!.fixedBox).toEqual({ x1: 53, y1: 17, x2: 86, y2: 62 });
      expect(faces).toHaveLength(25);
      for (const f of faces) expect(cropBoxForFace(f, small.facePads, 160, 160)).toEqual({ x1: 53, y1: 17, x2: 86, y2: 62 });

      const outside = await renderClip(
        { audioPath: audio, templatePath: PORTRAIT, outputPath: path.join(dir, 'outside.mp4') },
        { box: { y1: 400, y2: 500, x1: 0, x2: 100 } },
        undefined,
        undefined,
        { config, engine: recording },
      ).catch((e: unknown) => e);
      expect(outside).toBeInstanceOf(InputError);
      expect((outside as Error).message).toMatch(/outside face-astronaut-320\.png, which is 320×320 pixels/);
      expect(create).not.toHaveBeenCalled();
    } finally {
      create.mockRestore();
    }
  });
});
