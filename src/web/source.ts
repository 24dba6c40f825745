import type { BatchState, ClipState, Position, RenderQueue } from '../queue/index.js';

/** What the web server reads about batches: the queue's records, behind an interface tests can fake. */
export interface BatchSource {
  getBatch(batchId: string): Promise<BatchState | null>;
  getClip(clipId: string): Promise<ClipState | null>;
  /** Places in line of the batch's waiting clips (best effort: may be empty). */
  positions(batchId: string): Promise<Position[]>;
}

export function queueSource(queue: RenderQueue): BatchSource {
  return {
    getBatch: (batchId) => queue.getBatch(batchId),
    getClip: (clipId) => queue.getClip(clipId),
    positions: (batchId) => queue.batchPositions(batchId),
  };
}
