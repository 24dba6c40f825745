import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { loadQueueConfig, type QueueConfig } from '../../src/config/queue.js';
import { pino } from 'pino';
import type { QueueEvent } from '../../src/queue/events.js';
import { RenderQueue } from '../../src/queue/queue.js';
import type { Subscription } from '../../src/queue/events.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';
import { WAIT_MS, waitUntil } from '../support/wait.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const workerEntry = path.join(repoRoot, 'test/queue/workerEntry.ts');

export { WAIT_MS };

export const silentLog = pino({ level: 'silent' });

export class WorkerProcess {
  log = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        this.log += chunk.toString();
        if (this.log.includes('"worker ready"')) resolve();
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`worker exited before ready (code ${code}, signal ${signal}):\n${this.log}`)));
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

/** One isolated queue world per test: its own key prefix, data dir, event recorder and worker processes. */
export class QueueHarness {
  readonly events: QueueEvent[] = [];
  readonly workers: WorkerProcess[] = [];
  private sub: Subscription | null = null;
  readonly renderLog: string;

  private constructor(
    readonly redis: Redis,
    readonly prefix: string,
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly config: QueueConfig,
    readonly queue: RenderQueue,
  ) {
    this.renderLog = path.join(dir, 'renders.log');
  }

  static async create(label: string, env: Record<string, string> = {}): Promise<QueueHarness> {
    const redis = await requireRedis();
    const prefix = uniquePrefix(label);
    const dir = await mkdtemp(path.join(os.tmpdir(), `lipsync-queue-${label}-`));
    const fullEnv: Record<string, string> = {
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      DATA_DIR: path.join(dir, 'data'),
      QUEUE_LOCK_DURATION_MS: '2000',
      QUEUE_STALLED_INTERVAL_MS: '1000',
      QUEUE_BACKOFF_SECONDS: '0.2',
      ...env,
    };
    const config = loadQueueConfig(fullEnv);
    const queue = new RenderQueue({ redis, config, log: silentLog });
    const h = new QueueHarness(redis, prefix, dir, fullEnv, config, queue);
    h.sub = await queue.subscribe((e) => {
      h.events.push(e);
    }, { blockMs: 200 });
    return h;
  }

  /**
   * Starts `lipsync worker` in a child process whose renders sleep `renderMs` (LIPSYNC_TEST_RENDER), or use the
   * real renderClip when `renderMs` is null.
   */
  async startWorker(renderMs: number | null, env: Record<string, string> = {}, waitReady = true): Promise<WorkerProcess> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...this.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env };
    if (renderMs === null) delete childEnv.LIPSYNC_TEST_RENDER;
    else Object.assign(childEnv, { LIPSYNC_TEST_RENDER: `sleep:${renderMs}`, LIPSYNC_TEST_RENDER_LOG: this.renderLog });
    const child = spawn(process.execPath, ['--import', tsxLoader, workerEntry], {
      cwd: repoRoot,
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const w = new WorkerProcess(child);
    this.workers.push(w);
    if (waitReady) await w.ready;
    return w;
  }

  /** Resolves with the first truthy value of `probe`, checked whenever time passes; fails after WAIT_MS naming `what`. */
  async waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = WAIT_MS): Promise<T> {
    return waitUntil(what, probe, timeoutMs, () => {
      const logs = this.workers.map((w, i) => `--- worker ${i} ---\n${w.log.slice(-4000)}`).join('\n');
      return `events: ${JSON.stringify(this.events.map((e) => [e.type, 'clipId' in e ? e.clipId : e.batchId]))}\n${logs}`;
    });
  }


  of<K extends QueueEvent['type']>(type: K, batchId?: string): Extract<QueueEvent, { type: K }>[] {
    return this.events.filter((e): e is Extract<QueueEvent, { type: K }> => e.type === type && (batchId === undefined || e.batchId === batchId));
  }

  waitBatchDone(batchId: string): Promise<Extract<QueueEvent, { type: 'batchDone' }>> {
    return this.waitFor(`batchDone of ${batchId}`, () => this.of('batchDone', batchId)[0]);
  }

  /** A small file standing in for a template video; distinct content = distinct render. */
  async template(name: string, content = `${name}-${this.prefix}`): Promise<string> {
    const file = path.join(this.dir, name);
    await writeFile(file, content);
    return file;
  }

  async rendersStarted(): Promise<string[]> {
    const text = await readFile(this.renderLog, 'utf8').catch(() => '');
    return text.split('\n').filter((l) => l.startsWith('start '));
  }

  async close(): Promise<void> {
    for (const w of this.workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.kill('SIGKILL');
      await w.exited;
    }
    await this.sub?.close();
    await this.queue.close();
    await deletePrefix(this.redis, this.prefix);
    this.redis.disconnect();
    await rm(this.dir, { recursive: true, force: true });
  }
}
