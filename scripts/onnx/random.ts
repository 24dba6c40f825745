/**
 * Deterministic weights for synthetic models. Each tensor gets its own stream seeded from (seed, tensor name),
 * so the values do not depend on the order in which tensors are generated.
 */

/** mulberry32: tiny, fast, good enough for weights (not for cryptography). Returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the name, mixed with the seed: a stable per-tensor seed. */
export function tensorSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let k = 0; k < name.length; k += 1) {
    h ^= name.charCodeAt(k);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `count` values uniform in [−bound, bound). */
export function uniformTensor(seed: number, name: string, count: number, bound: number): Float32Array {
  const next = mulberry32(tensorSeed(seed, name));
  const out = new Float32Array(count);
  for (let k = 0; k < count; k += 1) out[k] = (2 * next() - 1) * bound;
  return out;
}
