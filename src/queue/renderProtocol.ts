import type { RenderClipInput, RenderClipOptions, RenderClipResult, RenderProgress } from '../pipeline/render/types.js';

/** Same shape as renderClip: the worker depends on this, so tests and the child-process wrapper can stand in. */
export type RenderFn = (
  input: RenderClipInput,
  options: RenderClipOptions,
  onProgress?: (progress: RenderProgress) => void,
  signal?: AbortSignal,
) => Promise<RenderClipResult>;

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  /** InputError params (the bots word the refusal from them). */
  params?: Readonly<Record<string, string | number | boolean>>;
}

/** Worker → render host. */
export type HostRequest =
  | { type: 'render'; id: number; input: RenderClipInput; options: RenderClipOptions }
  | { type: 'cancel'; id: number };

/** Render host → worker. */
export type HostReply =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: RenderProgress }
  | { type: 'result'; id: number; result: RenderClipResult }
  | { type: 'error'; id: number; error: SerializedError };
