import type { Command } from 'commander';
import { loadQueueConfig } from '../../config/queue.js';
import { loadWebConfig, storedLinkSecret } from '../../config/web.js';
import { logger } from '../../log.js';
import { ServiceGroup, stopOnSignals } from '../../queue/services.js';
import { createWebService } from '../../web/service.js';
import { exitOnConfigError } from '../configErrorExit.js';

/** `lipsync web`: only the download server (Redis and a worker run elsewhere). Exported for tests. */
export async function runWeb(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = logger();
  const queueConfig = loadQueueConfig(env);
  // The secret `lipsync start` made on this machine, so both sign alike.
  if (!env.LINK_SECRET?.trim()) {
    const stored = storedLinkSecret(queueConfig.dataDir, false);
    if (stored) env.LINK_SECRET = stored.secret;
  }
  const config = loadWebConfig(env);
  const group = new ServiceGroup(log);
  stopOnSignals(() => group.stop(), log);
  await group.start([createWebService({ config, queueConfig, redisUrl: () => queueConfig.redis.url, log })]);
}

export function register(program: Command): void {
  program
    .command('web')
    .description('Run only the web server: the studio, signed clip links, batch pages, ZIP downloads, /healthz and /metrics (see docs/web.md).')
    .action(async () => {
      try {
        await runWeb();
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
