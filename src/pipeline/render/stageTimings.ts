/**
 * Wall-clock milliseconds spent per pipeline stage of one render (for `npm run bench` and debug logs). `enhance` (the
 * face restorer, LIPSYNC_ENHANCER) is the part of `engine` spent restoring faces, not a stage of its own.
 */
export type StageName = 'probe' | 'audio' | 'setup' | 'decode' | 'detect' | 'engine' | 'enhance' | 'encode' | 'finalize';
export type StageTimings = Record<StageName, number>;

export function emptyTimings(): StageTimings {
  return { probe: 0, audio: 0, setup: 0, decode: 0, detect: 0, engine: 0, enhance: 0, encode: 0, finalize: 0 };
}

/** Adds the time `work` takes to `timings[stage]`. */
export async function timed<T>(timings: StageTimings, stage: StageName, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[stage] += performance.now() - start;
  }
}
