import type { BatchLogEntry, BatchState, ClipState, Owner, Position, SubmitBatchRequest, SubmitBatchResult } from '../../queue/types.js';

export type { BatchLogEntry } from '../../queue/types.js';

/** What the studio asks of the render queue: RenderQueue is one as it is; tests can fake it. */
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
