import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { RedisSettings } from '../config/queue.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

export interface RedisEndpoint {
  url: string;
  /** True when we started redis-server ourselves (and stop it in stop()). */
  embedded: boolean;
  stop(): Promise<void>;
}

export const installHint =
  'Install Redis (Debian/Ubuntu: "sudo apt install redis-server", macOS: "brew install redis", or run "docker run -p 6379:6379 redis:7") ' +
  'or point REDIS_URL at a running server, e.g. REDIS_URL=redis://127.0.0.1:6379.';

/** True when something answers PING at host:port within `timeoutMs`. */
export async function redisAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis({ host, port, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export interface EnsureRedisOptions {
  dataDir: string;
  log: Logger;
  /** Port for the local server (default 6379); tests use a free one. */
  port?: number;
  startTimeoutMs?: number;
}

/**
 * For `lipsync start`: use REDIS_URL when set; else a Redis already on 127.0.0.1:<port>; else launch redis-server
 * as a child with AOF persistence in DATA_DIR/redis (so queued clips survive restarts) and noeviction.
 * Throws ConfigError with install instructions when none of that is possible.
 */
export async function ensureRedis(settings: RedisSettings, options: EnsureRedisOptions): Promise<RedisEndpoint> {
  const port = options.port ?? 6379;
  const noop = async () => undefined;
  if (settings.url) return { url: settings.url, embedded: false, stop: noop };
  const url = `redis://127.0.0.1:${port}`;
  if (await redisAnswers('127.0.0.1', port)) return { url, embedded: false, stop: noop };
  if (settings.embedded === 'never') {
    throw new ConfigError(`Nothing answers on 127.0.0.1:${port} and REDIS_EMBEDDED=never. ${installHint}`);
  }
  const server = settings.serverPath ?? findExecutable('redis-server');
  if (!server) {
    throw new ConfigError(`REDIS_URL is not set, nothing answers on 127.0.0.1:${port}, and redis-server was not found. ${installHint}`);
  }
  const dir = path.join(options.dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    '--save', '',
    '--daemonize', 'no',
  ];
  options.log.info({ server, port, dir }, 'starting a local redis-server (AOF in the data dir)');
  const child: ChildProcess = spawn(server, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  let spawnError: Error | null = null;
  child.on('error', (err) => {
    spawnError = err;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  let up = false;
  while (!up && Date.now() < deadline && child.exitCode === null && spawnError === null) {
    up = await redisAnswers('127.0.0.1', port, 500);
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!up) {
    child.kill('SIGKILL');
    const why = (spawnError as Error | null)?.message ?? (stderr.trim() || 'no output');
    throw new ConfigError(`redis-server (${server}) did not start on port ${port}: ${why}. ${installHint}`);
  }
  return {
    url,
    embedded: true,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // redis-server flushes the AOF on SIGTERM
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
