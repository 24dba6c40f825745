import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadQueueConfig } from '../../src/config/queue.js';
import { RenderQueue } from '../../src/queue/queue.js';
import { createRedis } from '../../src/queue/redis.js';
import { ensureRedis, type RedisEndpoint } from '../../src/queue/redisServer.js';
import type { QueueEvent } from '../../src/queue/events.js';
import { freePort } from '../support/net.js';
import { waitUntil } from '../support/wait.js';
import { silentLog, WorkerProcess } from './harness.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;



describe('Redis restart (embedded redis-server with AOF)', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('loses no queued clip, and the worker and the queue client reconnect on their own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-restart-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const start = () => ensureRedis({ url: undefined, embedded: 'auto', serverPath: undefined }, { dataDir: dir, log: silentLog, port });
    let endpoint: RedisEndpoint = await start();
    expect(endpoint.embedded).toBe(true);
    cleanups.push(() => endpoint.stop());

    const env = {
      REDIS_URL: endpoint.url,
      QUEUE_PREFIX: 'restart',
      DATA_DIR: path.join(dir, 'data'),
      QUEUE_LOCK_DURATION_MS: '2000',
      QUEUE_STALLED_INTERVAL_MS: '1000',
      QUEUE_BACKOFF_SECONDS: '0.2',
    };
    const config = loadQueueConfig(env);
    const redis = createRedis(endpoint.url);
    redis.on('error', () => undefined); // expected while the server is down
    const queue = new RenderQueue({ redis, config, log: silentLog, probeAudio: async () => 3 });
    cleanups.push(async () => {
      await queue.close();
      redis.disconnect();
    });

    const worker = new WorkerProcess(
      spawn(process.execPath, ['--import', tsxLoader, path.join(repoRoot, 'test/queue/workerEntry.ts')], {
        cwd: repoRoot,
        env: { ...process.env, ...env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', LIPSYNC_TEST_RENDER: 'sleep:1500' },
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    cleanups.push(() => worker.child.kill('SIGKILL'));
    await worker.ready;

    const audio = path.join(dir, 'audio.wav');
    await writeFile(audio, 'audio');
    const videos = [];
    for (const name of ['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4']) {
      await writeFile(path.join(dir, name), `template ${name}`);
      videos.push({ path: path.join(dir, name), label: name });
    }
    const { batchId } = await queue.submitBatch({ owner: { platform: 'cli', userId: 'operator' }, audio: { path: audio }, videos });
    await waitUntil('the first clip to start', async () => (await queue.getBatch(batchId))?.clips.some((c) => c.status === 'active'));

    // Restart Redis while one clip renders and three wait.
    await endpoint.stop();
    endpoint = await start();
    expect(endpoint.embedded).toBe(true);

    // The same queue client reconnects by itself; the worker (its own connections) carries on.
    const finished = await waitUntil('the batch to finish after the restart', async () => {
      const batch = await queue.getBatch(batchId);
      return batch?.status === 'finished' ? batch : null;
    });
    expect(finished.summary).toEqual({ total: 4, done: 4, failed: 0, cancelled: 0 });

    // Every clip was delivered exactly once.
    const events: QueueEvent[] = [];
    const sub = await queue.subscribe((e) => {
      events.push(e);
    }, { fromId: '0', blockMs: 200 });
    await waitUntil('the event history', () => events.some((e) => e.type === 'batchDone'));
    await sub.close();
    const done = events.filter((e) => e.type === 'clipDone').map((e) => (e as Extract<QueueEvent, { type: 'clipDone' }>).clipId);
    expect(done.sort()).toEqual(finished.clips.map((c) => c.clipId).sort());
    expect(events.filter((e) => e.type === 'batchDone')).toHaveLength(1);
  });
});
