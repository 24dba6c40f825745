import { createHash } from 'node:crypto';
import { appendFile, readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { CancelledError, InputError } from '../errors.js';
import type { RenderClipResult } from '../pipeline/render/types.js';
import type { RenderFn } from './renderProtocol.js';

/**
 * TEST ONLY. A stand-in for renderClip that takes a controllable time without using the CPU, selected in the
 * render host by LIPSYNC_TEST_RENDER=sleep:<ms> (set only by test code). It exercises the queue's semantics
 * (progress, cancel, crash recovery, ordering) in a real worker process:
 *  - reports progress every 50 ms over <ms> milliseconds (a clip of <ms> of video at 25 fps), then writes a small
 *    deterministic file atomically;
 *  - a template whose bytes start with "BAD-INPUT" fails with an InputError (like a video without a face);
 *  - a template starting with "FLAKY" fails once with a plain Error, then succeeds (transient failure);
 *  - LIPSYNC_TEST_RENDER_LOG=<file> gets one line "start <template label>" per render started.
 */
export function createTestRender(spec: string, logFile?: string): RenderFn {
  const match = /^sleep:(\d+)$/.exec(spec);
  if (!match) throw new Error(`LIPSYNC_TEST_RENDER must look like sleep:<ms>, got "${spec}"`);
  const totalMs = Number(match[1]);
  return async (input, _options, onProgress, signal) => {
    const started = Date.now();
    const templateLabel = input.templateLabel ?? 'template';
    if (logFile) await appendFile(logFile, `start ${templateLabel}\n`);
    const [audio, template] = await Promise.all([readFile(input.audioPath), readFile(input.templatePath)]);
    if (template.subarray(0, 9).toString() === 'BAD-INPUT') {
      throw new InputError('no-face', `I couldn't find a face in ${templateLabel}. Use a video where one face looks at the camera.`);
    }
    if (template.subarray(0, 5).toString() === 'FLAKY') {
      const marker = `${input.outputPath}.flaky`;
      const seen = await stat(marker).then(() => true, () => false);
      if (!seen) {
        await writeFile(marker, '');
        throw new Error('simulated transient failure');
      }
    }
    const framesTotal = Math.max(1, Math.round(totalMs / 40));
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearInterval(timer);
        reject(new CancelledError());
      };
      const timer = setInterval(() => {
        const elapsed = Date.now() - started;
        const framesDone = Math.min(framesTotal, Math.round((elapsed / totalMs) * framesTotal));
        onProgress?.({ stage: 'render', framesDone, framesTotal, fps: 25, etaSeconds: Math.max(0, (totalMs - elapsed) / 1000), clipSeconds: framesTotal / 25 });
        if (elapsed >= totalMs) {
          clearInterval(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      }, 50);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    const body = `lipsync-test-render\n${createHash('sha256').update(audio).update(template).digest('hex')}\n`;
    const tmp = `${input.outputPath}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, body);
      await rename(tmp, input.outputPath);
    } finally {
      await rm(tmp, { force: true });
    }
    const result: RenderClipResult = {
      outputPath: input.outputPath,
      frames: framesTotal,
      framesWithFace: framesTotal,
      fps: 25,
      width: 16,
      height: 16,
      durationSeconds: framesTotal / 25,
      engine: 'builtin',
      // A stand-in for queue tests, not the preview engine: users would not be told about it.
      preview: false,
      seconds: (Date.now() - started) / 1000,
    };
    return result;
  };
}
