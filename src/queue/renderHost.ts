/**
 * Child-process entry that runs renders for the worker, so decoding, inference and encoding never block the
 * worker's event loop (which must keep renewing BullMQ locks). One long-lived process keeps models warm.
 * Started by renderProcess.ts; talks over the IPC channel (see renderProtocol.ts).
 */
import { CancelledError, InputError } from '../errors.js';
import type { HostReply, HostRequest, RenderFn, SerializedError } from './renderProtocol.js';
import { createTestRender } from './testRender.js';

async function loadRender(): Promise<RenderFn> {
  const testSpec = process.env.LIPSYNC_TEST_RENDER;
  if (testSpec) return createTestRender(testSpec, process.env.LIPSYNC_TEST_RENDER_LOG);
  // Loaded lazily so the test renderer never pays for onnxruntime and the face models.
  const { renderClip } = await import('../pipeline/render/renderClip.js');
  return renderClip;
}

function send(msg: HostReply): void {
  process.send?.(msg);
}

function serialize(err: unknown): SerializedError {
  if (err instanceof InputError) return { name: 'InputError', message: err.message, code: err.code, ...(err.params ? { params: err.params } : {}) };
  if (err instanceof CancelledError) return { name: 'CancelledError', message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

const running = new Map<number, AbortController>();
const renderPromise = loadRender();

process.on('message', (raw: HostRequest) => {
  if (raw.type === 'cancel') {
    running.get(raw.id)?.abort();
    return;
  }
  const ac = new AbortController();
  running.set(raw.id, ac);
  void (async () => {
    try {
      const render = await renderPromise;
      const result = await render(raw.input, raw.options, (progress) => send({ type: 'progress', id: raw.id, progress }), ac.signal);
      send({ type: 'result', id: raw.id, result });
    } catch (err) {
      send({ type: 'error', id: raw.id, error: serialize(err) });
    } finally {
      running.delete(raw.id);
    }
  })();
});

// The worker went away (even by SIGKILL): stop ffmpeg and inference, let renders clean up their temp files, exit.
process.on('disconnect', () => {
  for (const ac of running.values()) ac.abort();
  setTimeout(() => process.exit(0), running.size > 0 ? 3_000 : 0).unref();
});

renderPromise.then(
  () => send({ type: 'ready' }),
  (err: unknown) => {
    process.stderr.write(`render host failed to load the renderer: ${String(err)}\n`);
    process.exit(1);
  },
);
