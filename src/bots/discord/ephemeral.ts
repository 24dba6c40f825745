import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessageRef, OutgoingMessage } from '../core/platform.js';

/** Where the core's replies go while an interaction wants them private (ephemeral follow-ups). */
export interface EphemeralSink {
  send(message: OutgoingMessage): Promise<MessageRef>;
}

/**
 * Lets the core's plain `sendText` replies become ephemeral answers to the interaction that asked, without the
 * core knowing: the adapter runs the core call inside `run(sink, …)` and the platform routes replies to it.
 * Only used for answers meant for one person (/lipsync-history, refusals); status messages never go through it.
 */
export class EphemeralScope {
  private readonly storage = new AsyncLocalStorage<EphemeralSink>();

  run<T>(sink: EphemeralSink, fn: () => Promise<T>): Promise<T> {
    return this.storage.run(sink, fn);
  }

  current(): EphemeralSink | undefined {
    return this.storage.getStore();
  }
}
