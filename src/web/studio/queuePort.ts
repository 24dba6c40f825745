import type { BatchLogEntry, BatchState, ClipState, Owner, Position, SubmitBatchRequest, SubmitBatchResult } from '../../queue/types.js';

export type { BatchLogEntry } from '../../queue/types.js';

/** What the studio asks of the render queue: RenderQueue fits it; tests can fake it. */
export interface StudioQueue {
  submitBatch(req: SubmitBatchRequest): Promise<SubmitBatchResult>;
  getBatch(batchId: string): Promise<BatchState | null>;
  getClip(clipId: string): Promise<ClipState | null>;
  batchPositions(batchId: string): Promise<Position[]>;
  cancel(target: string, by: Owner): Promise<{ batchId: string; cancelled: number }>;
  listBatches(owner: Owner, page: number, perPage?: number): Promise<{ total: number; batches: BatchState[] }>;
  deleteBatch(batchId: string, by: Owner): Promise<void>;
  retryClip(clipId: string, by: Owner): Promise<void>;
  batchLog(batchId: string): Promise<BatchLogEntry[]>;
}

/** The part of RenderQueue the adapter reads (its clip records come from the StateStore, as in source.ts). */
export interface RenderQueueLike extends Omit<StudioQueue, 'getClip'> {
  state: { getClip(clipId: string): Promise<ClipState | null> };
}

export function studioQueue(queue: RenderQueueLike): StudioQueue {
  return {
    submitBatch: (req) => queue.submitBatch(req),
    getBatch: (id) => queue.getBatch(id),
    getClip: (id) => queue.state.getClip(id),
    batchPositions: (id) => queue.batchPositions(id),
    cancel: (target, by) => queue.cancel(target, by),
    listBatches: (owner, page, perPage) => queue.listBatches(owner, page, perPage),
    deleteBatch: (id, by) => queue.deleteBatch(id, by),
    retryClip: (id, by) => queue.retryClip(id, by),
    batchLog: (id) => queue.batchLog(id),
  };
}
