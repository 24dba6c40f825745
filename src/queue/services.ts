import type { Logger } from '../log.js';

/** Something `lipsync start` runs: Redis bootstrap, the worker, later the web server and the bots. */
export interface Service {
  name: string;
  start(): Promise<void>;
  /** Must be safe to call after a failed or partial start. */
  stop(): Promise<void>;
}

/** Starts services in order and stops them in reverse; a failed start stops what already runs. */
export class ServiceGroup {
  private readonly started: Service[] = [];
  private stopping: Promise<void> | null = null;

  constructor(private readonly log: Logger) {}

  async start(services: readonly Service[]): Promise<void> {
    for (const s of services) {
      this.log.info({ service: s.name }, 'starting');
      try {
        await s.start();
      } catch (err) {
        this.log.error({ err, service: s.name }, 'failed to start');
        await this.stop();
        throw err;
      }
      this.started.push(s);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of [...this.started].reverse()) {
        this.log.info({ service: s.name }, 'stopping');
        try {
          await s.stop();
        } catch (err) {
          this.log.error({ err, service: s.name }, 'failed to stop cleanly');
        }
      }
      this.started.length = 0;
    })();
    return this.stopping;
  }
}

/**
 * First SIGTERM/SIGINT: graceful stop, then exit 0. A second one calls `onSecond` (e.g. abort the current clip
 * and requeue it) and a third exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger, onSecond?: () => void): void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      log.info({ signal }, 'shutting down');
      stop().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    } else if (count === 2 && onSecond) {
      log.warn({ signal }, 'stopping now');
      onSecond();
    } else {
      process.exit(1);
    }
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
