import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { ffmpeg, ffprobe, makeMovingTemplate, SPEECH } from '../support/media.js';
import { QueueHarness } from './harness.js';

/**
 * The one end-to-end run through the production path: `lipsync worker` → render child process → the real
 * renderClip with ffmpeg and the tiny test model (no LIPSYNC_TEST_RENDER).
 */
describe('queue + real renderClip', () => {
  let h: QueueHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('renders a short clip submitted to the queue and reports progress', async () => {
    h = await QueueHarness.create('real');
    const model = path.join(h.dir, 'test.onnx');
    await writeTestModel(model);
    const template = makeMovingTemplate(path.join(h.dir, 'face.mp4'), { seconds: 2, fps: 25 });
    const audio = path.join(h.dir, 'speech.wav');
    ffmpeg(['-i', SPEECH, '-t', '1.5', audio]);

    await h.startWorker(null, { LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
    const s = await h.queue.submitBatch({
      owner: { platform: 'cli', userId: 'e2e' },
      audio: { path: audio, label: 'speech.wav' },
      videos: [{ path: template, label: 'face.mp4' }],
    });
    const done = await h.waitBatchDone(s.batchId);
    const failure = h.of('clipFailed', s.batchId)[0];
    expect(failure?.reason, JSON.stringify(failure?.reason)).toBeUndefined();
    expect(done.summary).toEqual({ total: 1, done: 1, failed: 0, cancelled: 0 });

    const [clip] = h.of('clipDone', s.batchId);
    const probe = ffprobe(clip!.output.path);
    expect(probe.streams.map((st) => st.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeCloseTo(1.5, 0);
    expect(h.of('progress', s.batchId).length).toBeGreaterThan(0);
  });
});
