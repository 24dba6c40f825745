import { describe, expect, it } from 'vitest';
import { CancelledError, InternalError } from '../../../src/errors.js';
import { runManaged, runToCompletion } from '../../../src/pipeline/media/process.js';

describe('runManaged', () => {
  it('kills a process that runs past its timeout', async () => {
    const started = Date.now();
    const proc = runManaged('sleep', ['30'], { purpose: 'test', timeoutMs: 300 });
    await expect(proc.done).rejects.toBeInstanceOf(InternalError);
    await expect(proc.done).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(proc.child.signalCode).toBe('SIGKILL');
  });

  it('kills a process that stops making progress', async () => {
    const proc = runManaged('sleep', ['30'], { purpose: 'test', stallTimeoutMs: 300 });
    await expect(proc.done).rejects.toThrow(/no progress/);
  });

  it('stops at once when the signal aborts', async () => {
    const controller = new AbortController();
    const proc = runManaged('sleep', ['30'], { purpose: 'test', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(proc.done).rejects.toBeInstanceOf(CancelledError);
  });

  it('reports a failing exit with the tail of stderr', async () => {
    await expect(runToCompletion('sh', ['-c', 'echo boom >&2; exit 3'], { purpose: 'probe x' })).rejects.toThrow(/probe x: ffmpeg exited with 3: boom/);
  });

  it('collects stdout', async () => {
    expect((await runToCompletion('sh', ['-c', 'printf hello'], { purpose: 't' })).toString()).toBe('hello');
  });
});
