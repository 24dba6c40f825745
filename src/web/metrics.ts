import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueEvent } from '../queue/index.js';

/**
 * Prometheus metrics. Two registries, merged at scrape time:
 *  - a process-wide one for what any part of the process reports (bot deliveries, Node.js runtime metrics),
 *    so a bot can call recordDelivery() without knowing about the web server;
 *  - one per web server for what it observes (queue depth, clips and render times from the event stream,
 *    HTTP and ZIP counters).
 */
const shared = new Registry();
let defaultsCollected = false;

const deliveries = new Counter({
  name: 'lipsync_bot_deliveries_total',
  help: 'Clips delivered to users by the bots, by platform and method (upload = file in chat, link = signed download link).',
  labelNames: ['platform', 'method'] as const,
  registers: [shared],
});

/** Keeps label values to a small, safe alphabet so a caller cannot blow up the number of series. */
function labelValue(v: string): string {
  const clean = v.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 32);
  return clean === '' ? 'unknown' : clean;
}

/** Called by the bots (and the CLI) once per delivered clip, e.g. recordDelivery('telegram', 'upload'). */
export function recordDelivery(platform: string, method: string): void {
  deliveries.inc({ platform: labelValue(platform), method: labelValue(method) });
}

export function sharedRegistry(): Registry {
  return shared;
}

export type ZipOutcome = 'finished' | 'aborted' | 'failed';

export interface WebMetrics {
  readonly registry: Registry;
  /** Feeds clip counters and render histograms from the queue's event stream. */
  observeEvent(event: QueueEvent): void;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  downloadStarted(kind: 'clip'): void;
  zipStarted(): void;
  zipEnded(outcome: ZipOutcome): void;
  /** The exposition text of both registries. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface WebMetricsOptions {
  /** BullMQ job counts by state, read at scrape time. */
  queueDepth?: () => Promise<Record<string, number>>;
  /** Add Node.js process metrics to the shared registry (once per process). Default true. */
  processMetrics?: boolean;
}

/** Started clips remembered for their render time; bounded in case terminal events are missed. */
const MAX_TRACKED = 10_000;

export function createWebMetrics(options: WebMetricsOptions = {}): WebMetrics {
  if ((options.processMetrics ?? true) && !defaultsCollected) {
    defaultsCollected = true;
    collectDefaultMetrics({ register: shared, prefix: 'lipsync_' });
  }
  const registry = new Registry();
  const queueDepth = options.queueDepth;
  new Gauge({
    name: 'lipsync_queue_jobs',
    help: 'Render jobs in the queue by state (read from Redis at scrape time).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!queueDepth) return;
      this.reset();
      try {
        for (const [state, n] of Object.entries(await queueDepth())) this.set({ state }, n);
      } catch {
        // Redis down: no samples rather than a failed scrape; /healthz says why.
      }
    },
  });
  const clips = new Counter({
    name: 'lipsync_clips_total',
    help: 'Clips that reached an end state since this process started, by status (done, failed, cancelled).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: 'lipsync_clip_failures_total',
    help: 'Failed clips by reason code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const renderSeconds = new Histogram({
    name: 'lipsync_render_seconds',
    help: 'Wall-clock seconds from a clip starting to render to its output being stored (cache hits excluded).',
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [registry],
  });
  const renderFps = new Histogram({
    name: 'lipsync_render_fps',
    help: 'Frames per second a clip rendered at (the last progress report of its render stage).',
    buckets: [1, 2, 5, 10, 15, 20, 25, 30, 45, 60, 90, 120, 240],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'lipsync_web_requests_total',
    help: 'HTTP requests answered by the web server, by route pattern, method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'lipsync_web_request_seconds',
    help: 'Time to answer an HTTP request (for streams: until the last byte was handed to the socket).',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [registry],
  });
  const downloads = new Counter({
    name: 'lipsync_web_downloads_total',
    help: 'Clip downloads started (full or partial GET).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const zipActive = new Gauge({ name: 'lipsync_web_zip_streams_active', help: 'ZIP downloads in progress.', registers: [registry] });
  const zips = new Counter({
    name: 'lipsync_web_zip_streams_total',
    help: 'ZIP downloads that ended, by outcome (finished, aborted by the client, failed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const startedAt = new Map<string, number>();
  const lastFps = new Map<string, number>();
  const forget = (clipId: string) => {
    startedAt.delete(clipId);
    lastFps.delete(clipId);
  };

  return {
    registry,
    observeEvent(e) {
      switch (e.type) {
        case 'started':
          if (startedAt.size >= MAX_TRACKED) startedAt.clear();
          startedAt.set(e.clipId, e.at);
          break;
        case 'progress':
          if (e.progress.stage === 'render' && e.progress.fps > 0 && startedAt.has(e.clipId)) lastFps.set(e.clipId, e.progress.fps);
          break;
        case 'clipDone': {
          clips.inc({ status: 'done' });
          const t0 = startedAt.get(e.clipId);
          if (!e.output.cached && t0 !== undefined && e.at >= t0) renderSeconds.observe((e.at - t0) / 1000);
          const fps = lastFps.get(e.clipId);
          if (!e.output.cached && fps !== undefined) renderFps.observe(fps);
          forget(e.clipId);
          break;
        }
        case 'clipFailed':
          clips.inc({ status: 'failed' });
          failures.inc({ code: labelValue(e.reason.code) });
          forget(e.clipId);
          break;
        case 'cancelled':
          clips.inc({ status: 'cancelled' });
          forget(e.clipId);
          break;
        default:
          break;
      }
    },
    httpRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    downloadStarted(kind) {
      downloads.inc({ kind });
    },
    zipStarted() {
      zipActive.inc();
    },
    zipEnded(outcome) {
      zipActive.dec();
      zips.inc({ outcome });
    },
    async scrape() {
      const merged = Registry.merge([shared, registry]);
      return { contentType: merged.contentType, body: await merged.metrics() };
    },
  };
}
