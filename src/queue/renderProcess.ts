import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancelledError, InputError, InternalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RenderClipResult, RenderProgress } from '../pipeline/render/types.js';
import type { HostReply, HostRequest, RenderFn, SerializedError } from './renderProtocol.js';

interface Pending {
  resolve: (r: RenderClipResult) => void;
  reject: (e: Error) => void;
  onProgress: ((p: RenderProgress) => void) | undefined;
}

export interface ChildRenderer {
  render: RenderFn;
  /** Stops the render process (aborting what it renders). */
  close(): Promise<void>;
}

export interface ChildRendererOptions {
  log?: Logger;
  /** After a cancel, how long the render may take to stop before its process is killed. */
  killAfterMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The host file next to this one: .ts when running from source (through tsx), .js when built. */
function hostEntry(): { file: string; execArgv: string[] } {
  const ts = fileURLToPath(new URL('./renderHost.ts', import.meta.url));
  if (existsSync(ts)) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { file: ts, execArgv: ['--import', tsx] };
  }
  return { file: fileURLToPath(new URL('./renderHost.js', import.meta.url)), execArgv: [] };
}

function revive(e: SerializedError): Error {
  if (e.name === 'InputError') return new InputError(e.code ?? 'invalid-input', e.message, e.params ? { params: e.params } : undefined);
  if (e.name === 'CancelledError') return new CancelledError(e.message);
  return new InternalError(`render failed: ${e.message}`);
}

/**
 * Runs renders in one long-lived child process (restarted when it dies). Cancelling aborts the render inside
 * the child; if it does not stop within `killAfterMs`, the child is killed.
 */
export function createChildRenderer(options: ChildRendererOptions = {}): ChildRenderer {
  const killAfterMs = options.killAfterMs ?? 5_000;
  let child: ChildProcess | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  function ensureChild(): ChildProcess {
    if (child && child.exitCode === null && child.signalCode === null && child.connected) return child;
    const entry = hostEntry();
    const proc = fork(entry.file, [], {
      execArgv: entry.execArgv,
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    proc.on('message', (msg: HostReply) => {
      if (msg.type === 'ready') return;
      const p = pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') p.onProgress?.(msg.progress);
      else {
        pending.delete(msg.id);
        if (msg.type === 'result') p.resolve(msg.result);
        else p.reject(revive(msg.error));
      }
    });
    proc.on('exit', (code, signal) => {
      if (child === proc) child = null;
      if (pending.size > 0) options.log?.warn({ code, signal }, 'render process exited during a render');
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new InternalError(`render process exited (${signal ?? `code ${code}`})`));
      }
    });
    proc.on('error', (err) => options.log?.error({ err }, 'render process error'));
    child = proc;
    return proc;
  }

  const render: RenderFn = (input, renderOptions, onProgress, signal) =>
    new Promise<RenderClipResult>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      const proc = ensureChild();
      const id = nextId++;
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        proc.send({ type: 'cancel', id } satisfies HostRequest);
        killTimer = setTimeout(() => {
          if (!pending.has(id)) return;
          options.log?.warn({ killAfterMs }, 'render did not stop after cancel; killing the render process');
          pending.delete(id);
          proc.kill('SIGKILL');
          reject(new CancelledError());
        }, killAfterMs);
      };
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
      };
      pending.set(id, {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        onProgress,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      proc.send({ type: 'render', id, input, options: renderOptions } satisfies HostRequest);
    });

  return {
    render,
    async close() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      if (proc.connected) proc.disconnect();
      else proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
