import { describe, expect, it } from 'vitest';
import { CancelledError, InternalError } from '../../../src/errors.js';
import { OutputTooLargeError, ProgressReport, runManaged, runToCompletion } from '../../../src/pipeline/media/process.js';

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

  it('kills a process whose output passes maxBytes, with a typed error', async () => {
    const proc = runToCompletion('sh', ['-c', 'head -c 50000000 /dev/zero'], { purpose: 'flood', maxBytes: 4096 });
    const err = await proc.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputTooLargeError);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toMatch(/^flood: the output passed 4096 bytes/);
  });

  it('with progressOnStdout, a repeated report without new frames is no progress', async () => {
    // What a stuck ffmpeg does with -progress: the same block again and again.
    const script = 'i=0; while [ $i -lt 40 ]; do printf "frame=5\nout_time_us=200000\nprogress=continue\n"; sleep 0.1; i=$((i+1)); done';
    const proc = runManaged('sh', ['-c', script], { purpose: 'stuck', stallTimeoutMs: 1000, progressOnStdout: true });
    await expect(proc.done).rejects.toThrow(/stuck: ffmpeg made no progress/);
  });

  it('with progressOnStdout, growing frame counts keep a long process alive', async () => {
    const script = 'i=0; while [ $i -lt 25 ]; do printf "frame=$i\nprogress=continue\n"; sleep 0.1; i=$((i+1)); done';
    await runManaged('sh', ['-c', script], { purpose: 'busy', stallTimeoutMs: 1000, progressOnStdout: true }).done;
  });
});

describe('ProgressReport', () => {
  it('counts a moving frame count, output time or size as progress, across chunk boundaries', () => {
    const report = new ProgressReport();
    expect(report.push('frame=3\nfps=0.00\nout_time_us=200000\nprogress=continue\n')).toBe(true);
    expect(report.push('frame=3\nfps=9.5\nout_time_us=200000\nspeed=1x\nprogress=continue\n')).toBe(false);
    expect(report.push('fra')).toBe(false);
    expect(report.push('me=4\n')).toBe(true);
    expect(report.push('total_size=N/A\nout_time_us=N/A\n')).toBe(false);
    expect(report.push('total_size=1024\n')).toBe(true);
  });
});
