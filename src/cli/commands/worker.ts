import type { Command } from 'commander';
import { loadQueueConfig } from '../../config/queue.js';
import { logger } from '../../log.js';
import { ServiceGroup, stopOnSignals } from '../../queue/services.js';
import { workerService } from '../../queue/workerService.js';
import { exitOnConfigError } from '../configErrorExit.js';

/** `lipsync worker`: renders queued clips until SIGTERM/SIGINT. Exported so tests can run it in a child process. */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = logger();
  const config = loadQueueConfig(env);
  const service = workerService(config, () => config.redis.url, log);
  const group = new ServiceGroup(log);
  await group.start([service]);
  stopOnSignals(() => group.stop(), log, () => service.abortCurrent());
}

export function register(program: Command): void {
  program
    .command('worker')
    .description(
      'Render queued clips, one at a time. Run one per GPU; workers on other machines join by using the same REDIS_URL (see docs/queue.md).',
    )
    .action(async () => {
      try {
        await runWorker();
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
