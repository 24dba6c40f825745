import path from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { engineNames, type EngineName } from '../../config/index.js';
import { loadQueueConfig } from '../../config/queue.js';
import { ConfigError, InputError } from '../../errors.js';
import { logger } from '../../log.js';
import { latestEventId, type QueueEvent } from '../../queue/events.js';
import { RenderQueue } from '../../queue/queue.js';
import { createRedis, waitForRedis } from '../../queue/redis.js';
import { installHint } from '../../queue/redisServer.js';
import type { BatchState, ClipStatus } from '../../queue/types.js';
import { createLinkSigner, type LinkSigner } from '../../web/links.js';
import { operatorOwner, operatorWebConfig } from '../operator.js';

export interface SubmitOptions {
  audio: string;
  video: string[];
  engine?: EngineName;
  wait?: boolean;
  json?: boolean;
}

/** The shape `--json` prints; `pageUrl`/`url` appear once the web server signs links. */
export interface SubmitJson {
  batchId: string;
  pageUrl?: string;
  clips: { clipId: string; template: string; status: ClipStatus; output: string | null; url?: string; error?: string }[];
}

/**
 * `links`: signs the batch page and the clips (null when no LINK_SECRET is known). Failed and cancelled clips get no
 * url; queued ones do (it serves the file once the clip is done, like the results page).
 */
export function batchJson(batch: BatchState, links: LinkSigner | null = null): SubmitJson {
  return {
    batchId: batch.batchId,
    ...(links ? { pageUrl: links.batchUrl(batch.batchId) } : {}),
    clips: batch.clips.map((c) => ({
      clipId: c.clipId,
      template: c.template,
      status: c.status,
      output: c.output?.path ?? null,
      ...(links && c.status !== 'failed' && c.status !== 'cancelled' ? { url: links.clipUrl(c.clipId) } : {}),
      ...(c.error && c.status !== 'done' ? { error: c.error.message } : {}),
    })),
  };
}

/** Signs links exactly like the web server checks them, when this machine knows LINK_SECRET (set or stored by `lipsync start`). */
export function submitLinks(env: NodeJS.ProcessEnv, dataDir: string): LinkSigner | null {
  const web = operatorWebConfig(env, dataDir);
  if (!web) return null;
  return createLinkSigner({ secret: web.linkSecret, ttlSeconds: web.linkTtlSeconds, publicUrl: web.publicUrl });
}

/** Live bars on stderr, one per clip; plain lines when stderr is not a terminal. */
class ProgressView {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(clips: { clipId: string; template: string }[]) {
    this.multi = process.stderr.isTTY
      ? new cliProgress.MultiBar(
          { format: ' {template} |{bar}| {percentage}% {status}', hideCursor: true, clearOnComplete: false, stopOnComplete: false },
          cliProgress.Presets.shades_classic,
        )
      : null;
    const width = Math.min(24, Math.max(...clips.map((c) => c.template.length), 8));
    for (const c of clips) {
      const bar = this.multi?.create(100, 0, { template: c.template.slice(0, width).padEnd(width), status: 'queued' });
      if (bar) this.bars.set(c.clipId, bar);
    }
  }

  onEvent(e: QueueEvent, label: string): void {
    const bar = 'clipId' in e ? this.bars.get(e.clipId) : undefined;
    switch (e.type) {
      case 'queued':
        bar?.update({ status: `#${e.position} in line${e.etaSeconds !== null ? `, ~${e.etaSeconds}s` : ''}` });
        break;
      case 'started':
        bar?.update({ status: 'starting' });
        break;
      case 'progress':
        if (bar) {
          bar.setTotal(Math.max(1, e.progress.framesTotal));
          bar.update(e.progress.framesDone, {
            status: `${e.progress.stage} ${e.progress.fps.toFixed(1)} fps${e.progress.etaSeconds !== null ? `, ${Math.round(e.progress.etaSeconds)}s left` : ''}`,
          });
        }
        break;
      case 'clipDone':
        const done = e.output.cached ? 'done (cached)' : e.output.preview ? 'done (preview engine)' : 'done';
        if (bar) bar.update(bar.getTotal(), { status: done });
        else process.stderr.write(`${done}: ${label} -> ${e.output.path}\n`);
        break;
      case 'clipFailed':
        if (bar) bar.update({ status: `failed: ${e.reason.message}` });
        else process.stderr.write(`failed: ${label}: ${e.reason.message}\n`);
        break;
      case 'cancelled':
        if (bar) bar.update({ status: 'cancelled' });
        else process.stderr.write(`cancelled: ${label}\n`);
        break;
      case 'batchDone':
        break;
    }
  }

  stop(): void {
    this.multi?.stop();
  }
}

/** Submits one batch as the local operator; returns the exit code (1 when a clip did not finish). */
export async function runSubmit(opts: SubmitOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadQueueConfig(env);
  const links = opts.json ? submitLinks(env, config.dataDir) : null;
  const log = logger();
  const redis = createRedis(config.redis.url);
  redis.on('error', () => undefined);
  try {
    try {
      await waitForRedis(redis, 10_000);
    } catch {
      throw new ConfigError(`Cannot reach Redis at ${config.redis.url ?? 'redis://127.0.0.1:6379'}. Is "lipsync start" or "lipsync worker" running? ${installHint}`);
    }
    const queue = new RenderQueue({ redis, config, log });
    try {
      const from = await latestEventId(redis, config.prefix);
      const submitted = await queue.submitBatch({
        owner: operatorOwner(),
        audio: { path: opts.audio, label: path.basename(opts.audio) },
        videos: opts.video.map((v) => ({ path: v, label: path.basename(v) })),
        options: opts.engine ? { engine: opts.engine } : {},
      });
      if (!opts.wait) {
        const batch = await queue.getBatch(submitted.batchId);
        if (opts.json && batch) process.stdout.write(`${JSON.stringify(batchJson(batch, links))}\n`);
        else {
          process.stdout.write(`batch ${submitted.batchId}\n`);
          for (const c of submitted.clips) {
            process.stdout.write(`  ${c.clipId}  ${c.template}  ${c.status}${c.position !== null ? ` (#${c.position} in line)` : ''}\n`);
          }
        }
        return 0;
      }

      const labels = new Map(submitted.clips.map((c) => [c.clipId, c.template]));
      const view = new ProgressView(submitted.clips);
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const sub = await queue.subscribe(
        (e) => {
          view.onEvent(e, 'clipId' in e ? (labels.get(e.clipId) ?? e.clipId) : '');
          if (e.type === 'batchDone') finish();
        },
        { fromId: from, batchIds: new Set([submitted.batchId]) },
      );
      await finished;
      await sub.close();
      view.stop();
      const batch = await queue.getBatch(submitted.batchId);
      if (!batch) throw new Error(`batch ${submitted.batchId} vanished from Redis`);
      if (opts.json) process.stdout.write(`${JSON.stringify(batchJson(batch, links))}\n`);
      else {
        for (const c of batch.clips) {
          const line = c.status === 'done' ? `ok      ${c.template} -> ${c.output?.path ?? ''}${c.output?.preview ? ' (preview engine)' : ''}` : `${c.status.padEnd(8)}${c.template}: ${c.error?.message ?? ''}`;
          process.stdout.write(`${line}\n`);
        }
      }
      return batch.summary.done === batch.summary.total ? 0 : 1;
    } finally {
      await queue.close();
    }
  } finally {
    redis.disconnect();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseEngine(value: string): EngineName {
  if (!(engineNames as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${engineNames.join(', ')}`);
  }
  return value as EngineName;
}

export function register(program: Command): void {
  program
    .command('submit')
    .description('Queue one audio + one or more face videos for rendering by the worker(s), as the local operator.')
    .requiredOption('--audio <file>', 'audio (or a video whose sound is used)')
    .requiredOption('--video <file>', 'face video or photo (repeat for several)', collect, [])
    .option('--engine <name>', `lip-sync engine (${engineNames.join(', ')})`, parseEngine)
    .option('--wait', 'follow the batch with progress bars until it ends')
    .option('--json', 'print { batchId, pageUrl?, clips: [{ clipId, template, status, output, url?, error? }] } on stdout (urls when LINK_SECRET is known)')
    .action(async (opts: SubmitOptions) => {
      try {
        process.exitCode = await runSubmit(opts);
      } catch (err) {
        if (!(err instanceof InputError) && !(err instanceof ConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
      }
    });
}
