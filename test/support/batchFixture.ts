import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { loadWebConfig, type WebConfig } from '../../src/config/web.js';
import { LocalStorage, type BatchState, type ClipFailure, type ClipOutput, type ClipState, type Position } from '../../src/queue/index.js';
import type { HealthProbe, HealthReport } from '../../src/web/health.js';
import { createLinkSigner, type LinkSigner } from '../../src/web/links.js';
import { createWebMetrics, type WebMetrics } from '../../src/web/metrics.js';
import { buildWebServer } from '../../src/web/server.js';
import type { BatchSource } from '../../src/web/source.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

export function testWebConfig(env: Record<string, string> = {}): WebConfig {
  return loadWebConfig({ LINK_SECRET: TEST_SECRET, PUBLIC_URL: 'http://127.0.0.1:8080', WEB_PORT: '0', WEB_HOST: '127.0.0.1', ...env });
}

/** Batch records held in memory, shaped exactly like the queue's (BatchState / ClipState). */
export class MemorySource implements BatchSource {
  readonly batches = new Map<string, BatchState>();
  getBatch(batchId: string): Promise<BatchState | null> {
    return Promise.resolve(this.batches.get(batchId) ?? null);
  }
  getClip(clipId: string): Promise<ClipState | null> {
    for (const b of this.batches.values()) {
      const c = b.clips.find((x) => x.clipId === clipId);
      if (c) return Promise.resolve(c);
    }
    return Promise.resolve(null);
  }
  positions(batchId: string): Promise<Position[]> {
    const b = this.batches.get(batchId);
    let n = 0;
    return Promise.resolve(
      (b?.clips ?? []).map((c) => ({ clipId: c.clipId, status: c.status, position: c.status === 'queued' ? ++n : null, etaSeconds: null })),
    );
  }
}

export interface ClipSpec {
  template: string;
  status?: ClipState['status'];
  /** Content of the MP4 for done clips. */
  content?: Buffer;
  error?: ClipFailure;
  progress?: ClipState['progress'];
  /** Done clips: made by the weights-free preview engine. */
  preview?: boolean;
}

/** Stores `content` where the worker would have written the render with this key. */
export async function storeOutput(storage: LocalStorage, content: Buffer): Promise<ClipOutput> {
  const key = createHash('sha256').update(content).digest('hex');
  const file = storage.outputPath(key);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return { key, path: file, bytes: content.length, cached: false };
}

export interface WebWorld {
  dir: string;
  storage: LocalStorage;
  source: MemorySource;
  config: WebConfig;
  links: LinkSigner;
  metrics: WebMetrics;
  app: FastifyInstance;
  log: Logger;
  logLines: string[];
  clock: { now: number };
  addBatch(batchId: string, clips: ClipSpec[], extra?: Partial<BatchState>): Promise<BatchState>;
  close(): Promise<void>;
}

export const healthyReport: HealthReport = {
  status: 'ok',
  redis: { ok: true, latencyMs: 0.1 },
  worker: { count: 1, heartbeatAgeSeconds: 1, stale: false },
  disk: { path: '/data', freeBytes: 1e12, totalBytes: 2e12, low: false },
  bots: {},
  uptimeSeconds: 1,
};

/** A web server over in-memory batches and a real LocalStorage in a temp dir; logs captured as JSON lines. */
export async function createWebWorld(env: Record<string, string> = {}, health?: HealthProbe): Promise<WebWorld> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-web-'));
  const storage = new LocalStorage(path.join(dir, 'data'));
  const source = new MemorySource();
  const config = testWebConfig(env);
  const clock = { now: Date.now() };
  const logLines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const metrics = createWebMetrics({ processMetrics: false });
  const app = await buildWebServer({
    config,
    source,
    storage,
    metrics,
    health: health ?? { check: () => Promise.resolve(healthyReport) },
    log,
    now: () => clock.now,
  });
  const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: config.publicUrl, now: () => clock.now });
  return {
    dir,
    storage,
    source,
    config,
    links,
    metrics,
    app,
    log,
    logLines,
    clock,
    async addBatch(batchId, specs, extra = {}) {
      const createdAt = clock.now - 60_000;
      const clips: ClipState[] = [];
      for (const [index, spec] of specs.entries()) {
        const status = spec.status ?? 'done';
        const stored = status === 'done' ? await storeOutput(storage, spec.content ?? Buffer.from(`clip ${batchId} ${index}`)) : null;
        const output = stored && spec.preview !== undefined ? { ...stored, preview: spec.preview } : stored;
        clips.push({
          clipId: `${batchId}-${index + 1}`,
          batchId,
          index,
          template: spec.template,
          status,
          attempts: status === 'queued' ? 0 : 1,
          progress: spec.progress ?? null,
          output,
          error: spec.error ?? (status === 'cancelled' ? { code: 'cancelled', message: 'Cancelled.' } : null),
          createdAt,
          startedAt: status === 'queued' ? null : createdAt + 1000,
          finishedAt: ['done', 'failed', 'cancelled'].includes(status) ? createdAt + 5000 : null,
        });
      }
      const count = (s: ClipState['status']) => clips.filter((c) => c.status === s).length;
      const finished = clips.every((c) => ['done', 'failed', 'cancelled'].includes(c.status));
      const batch: BatchState = {
        batchId,
        owner: { platform: 'telegram', userId: '42' },
        replyTo: null,
        options: {},
        audio: 'speech.wav',
        status: finished ? 'finished' : 'running',
        createdAt,
        finishedAt: finished ? createdAt + 6000 : null,
        summary: { total: clips.length, done: count('done'), failed: count('failed'), cancelled: count('cancelled') },
        clips,
        lastEventId: null,
        ...extra,
      };
      source.batches.set(batchId, batch);
      return batch;
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The path and query of a signed link, for inject(). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
