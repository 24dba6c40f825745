/** Wall-clock milliseconds spent per pipeline stage of one render (for `npm run bench` and debug logs). */
export type StageName = 'probe' | 'audio' | 'setup' | 'decode' | 'detect' | 'engine' | 'encode' | 'finalize';
export type StageTimings = Record<StageName, number>;

export function emptyTimings(): StageTimings {
  return { probe: 0, audio: 0, setup: 0, decode: 0, detect: 0, engine: 0, encode: 0, finalize: 0 };
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
