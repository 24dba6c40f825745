import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { resolveMediaBinaries } from '../../src/pipeline/media/binaries.js';
import { ensureRedis, redisAnswers } from '../../src/queue/redisServer.js';

/**
 * The Redis the queue tests use (TEST_REDIS_URL, default redis://127.0.0.1:6379): when nothing answers on a local
 * address, a private redis-server is started there for this run, as `lipsync start` does, and stopped afterwards.
 * Returns the teardown; throws naming the apt package when redis-server is not installed.
 */
export async function ensureTestRedis(env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  const url = new URL(env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const port = Number(url.port || 6379);
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (!local || url.password || (await redisAnswers('127.0.0.1', port))) return async () => undefined;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lipsync-test-redis-'));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    const endpoint = await ensureRedis(
      { url: undefined, embedded: 'auto', serverPath: env.REDIS_SERVER_PATH },
      { dataDir, port, log: pino({ level: env.TEST_REDIS_LOG ? 'info' : 'silent' }) },
    );
    return async () => {
      await endpoint.stop();
      cleanup();
    };
  } catch (err) {
    cleanup();
    const server = env.REDIS_SERVER_PATH ?? onPath('redis-server', env.PATH);
    const missing = server === undefined || !existsSync(server);
    throw new Error(
      `The queue tests need Redis at ${url.href} and could not start one: ${err instanceof Error ? err.message : String(err)}\n` +
        (missing ? 'Missing apt packages: redis-server (Debian/Ubuntu: sudo apt-get install -y redis-server). ' : '') +
        'Or set TEST_REDIS_URL to a running server.',
    );
  }
}

function onPath(name: string, searchPath = ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** Fails the whole run loudly when a tool the suites need is missing, instead of letting tests skip. */
export default async function setup(): Promise<() => Promise<void>> {
  const bins = resolveMediaBinaries({ ffmpegPath: process.env.FFMPEG_PATH, ffprobePath: process.env.FFPROBE_PATH });
  process.env.LIPSYNC_TEST_FFMPEG = bins.ffmpeg;
  process.env.LIPSYNC_TEST_FFPROBE = bins.ffprobe;
  return ensureTestRedis(process.env);
}
