import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../log.js';
import { userRef } from '../../queue/keys.js';
import type { BatchState } from '../../queue/types.js';
import type { StudioQueue } from './queuePort.js';
import type { StudioSession } from './sessions.js';
import { batchDetails, batchView, type BatchViewInput } from './views.js';
import { studioAuthWords } from './words.js';

/**
 * Live updates for studio pages (Server-Sent Events). The web service's one queue subscription feeds `onQueueEvent`;
 * each change of a batch becomes one `event: batch` with the whole BatchView, sent to the streams of the batch's
 * owner in each stream's language. Per batch at most one snapshot per `throttleMs` (the last change always gets
 * one), built once per language, written in order.
 */
export interface StudioEventsOptions {
  queue: Pick<StudioQueue, 'getBatch' | 'batchPositions' | 'batchLog' | 'listBatches'>;
  log: Logger;
  /** Minimum gap between two snapshots of one batch (default 500 ms: at most 2 per second). */
  throttleMs?: number;
  /** Comment line keeping proxies from closing an idle stream (default 20 s). */
  pingMs?: number;
  /** Open streams per user (tabs); more get 429 (default 5). */
  maxStreamsPerUser?: number;
}

export interface StudioEvents {
  /** Every queue event (only its batch id is read). Cheap when nobody is watching. */
  onQueueEvent(event: { batchId: string }): void;
  /** A studio action changed a batch in a way the queue's events may not show (e.g. deleted): refresh it. */
  batchChanged(batchId: string): void;
  /** GET /studio/api/events for a signed-in request: opens the stream, or answers 429 at the user's cap. */
  attach(request: FastifyRequest, reply: FastifyReply, session: StudioSession): Promise<void>;
  /** Open streams (all users, or one user's). */
  streamCount(ownerRef?: string): number;
  /** Ends every stream and stops the timers (server shutdown). */
  close(): void;
}

interface Client {
  ownerRef: string;
  locale: string;
  raw: ServerResponse;
  ping: NodeJS.Timeout;
}

interface BatchThrottle {
  timer: NodeJS.Timeout;
  dirty: boolean;
  /** Snapshots of one batch are written one after the other, never overtaking. */
  chain: Promise<void>;
}

/** Bytes a stream may have waiting to be sent before it counts as stuck and is dropped. */
export const MAX_UNSENT_BYTES = 1024 * 1024;

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

export function createStudioEvents(o: StudioEventsOptions): StudioEvents {
  const throttleMs = o.throttleMs ?? 500;
  const pingMs = o.pingMs ?? 20_000;
  const maxStreams = o.maxStreamsPerUser ?? 5;
  const byUser = new Map<string, Set<Client>>();
  const throttles = new Map<string, BatchThrottle>();
  let closed = false;

  function write(client: Client, text: string): void {
    if (client.raw.writableEnded || client.raw.destroyed) return;
    // A client that stopped reading (a sleeping laptop, a stuck proxy) would make us buffer its updates without end:
    // drop it instead; a browser that wakes up reconnects and starts from the current state.
    if (client.raw.writableLength > MAX_UNSENT_BYTES) {
      remove(client);
      client.raw.destroy();
      return;
    }
    client.raw.write(text);
  }

  function sendBatch(clients: Iterable<Client>, batch: BatchState, details: Pick<BatchViewInput, 'positions' | 'log'>): void {
    const byLocale = new Map<string, string>();
    for (const client of clients) {
      let frame = byLocale.get(client.locale);
      if (frame === undefined) {
        frame = `event: batch\ndata: ${JSON.stringify(batchView({ batch, ...details, locale: client.locale }))}\n\n`;
        byLocale.set(client.locale, frame);
      }
      write(client, frame);
    }
  }


  async function flush(batchId: string): Promise<void> {
    const batch = await o.queue.getBatch(batchId);
    if (!batch) return;
    const clients = byUser.get(userRef(batch.owner));
    if (!clients || clients.size === 0) return;
    sendBatch(clients, batch, await batchDetails(o.queue, batch));
  }

  function enqueueFlush(state: BatchThrottle, batchId: string): void {
    state.chain = state.chain
      .then(() => flush(batchId))
      .catch((err: unknown) => o.log.debug({ err, batchId }, 'studio: batch snapshot failed'));
  }

  function schedule(batchId: string): void {
    if (closed || byUser.size === 0) return;
    const existing = throttles.get(batchId);
    if (existing) {
      existing.dirty = true;
      return;
    }
    const state: BatchThrottle = { timer: setTimeout(() => tick(batchId), throttleMs), dirty: false, chain: Promise.resolve() };
    state.timer.unref();
    throttles.set(batchId, state);
    enqueueFlush(state, batchId);
  }

  function tick(batchId: string): void {
    const state = throttles.get(batchId);
    if (!state) return;
    if (!state.dirty || closed) {
      throttles.delete(batchId);
      return;
    }
    state.dirty = false;
    enqueueFlush(state, batchId);
    state.timer = setTimeout(() => tick(batchId), throttleMs);
    state.timer.unref();
  }

  function remove(client: Client): void {
    clearInterval(client.ping);
    const set = byUser.get(client.ownerRef);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) byUser.delete(client.ownerRef);
  }

  return {
    onQueueEvent(event) {
      schedule(event.batchId);
    },
    batchChanged(batchId) {
      schedule(batchId);
    },
    async attach(request, reply, session) {
      const open = byUser.get(session.ownerRef);
      if (closed || (open && open.size >= maxStreams)) {
        const w = studioAuthWords(session.locale);
        await reply.code(429).header('Cache-Control', 'no-store').send({ error: w.errors.tooManyStreams, code: 'too-many-streams' });
        return;
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, SSE_HEADERS);
      // Browsers reconnect on their own after this long when the stream breaks.
      raw.write('retry: 3000\n\n');
      const client: Client = {
        ownerRef: session.ownerRef,
        locale: session.locale,
        raw,
        ping: setInterval(() => write(client, ': ping\n\n'), pingMs),
      };
      client.ping.unref();
      const set = open ?? new Set<Client>();
      set.add(client);
      byUser.set(session.ownerRef, set);
      const done = () => remove(client);
      request.raw.on('close', done);
      raw.on('close', done);
      raw.on('error', done);
      // The user's running batches right away: a page that (re)connects starts from the current state.
      try {
        const page = await o.queue.listBatches(session.owner, 1, 20);
        for (const batch of page.batches.filter((b) => b.status === 'running')) {
          sendBatch([client], batch, await batchDetails(o.queue, batch));
        }
      } catch (err) {
        o.log.debug({ err }, 'studio: could not list running batches for a new stream');
      }
    },
    streamCount(ownerRef) {
      if (ownerRef !== undefined) return byUser.get(ownerRef)?.size ?? 0;
      let n = 0;
      for (const set of byUser.values()) n += set.size;
      return n;
    },
    close() {
      closed = true;
      for (const state of throttles.values()) clearTimeout(state.timer);
      throttles.clear();
      for (const set of [...byUser.values()]) {
        for (const client of [...set]) {
          remove(client);
          client.raw.end();
        }
      }
      byUser.clear();
    },
  };
}
