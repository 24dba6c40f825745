import { createHash } from 'node:crypto';
import type { RenderClipOptions } from '../pipeline/render/types.js';

/** Bump when a change to the pipeline makes old outputs wrong for the same inputs. */
export const RENDER_KEY_VERSION = 1;

/**
 * The content address of a clip: same audio bytes + same template bytes + same options = same output.
 * `salt` lets an operator invalidate every cached output at once (e.g. after swapping the model file).
 */
export function renderKey(audioHash: string, templateHash: string, options: RenderClipOptions, salt = ''): string {
  const canonical = Object.fromEntries(
    Object.entries(options)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return createHash('sha256')
    .update(JSON.stringify({ v: RENDER_KEY_VERSION, audio: audioHash, template: templateHash, options: canonical, salt }))
    .digest('hex');
}
