/**
 * IEEE 754 half precision (binary16) <-> float32, for float16 checkpoints and float16 ONNX models. Node 20 has no
 * Float16Array, so halves travel as their raw bits in a Uint16Array.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Exact: every half is representable as a float32 (subnormals, infinities and NaN included). */
function decodeHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Round to nearest, ties to even (as numpy and PyTorch convert); overflow gives ±Infinity. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const halfMantissa = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    const round = rest > halfway || (rest === halfway && (halfMantissa & 1) === 1) ? 1 : 0;
    return sign | (halfMantissa + round);
  }
  const halfMantissa = mantissa >>> 13;
  const rest = mantissa & 0x1fff;
  const round = rest > 0x1000 || (rest === 0x1000 && (halfMantissa & 1) === 1) ? 1 : 0;
  // A carry out of the mantissa bumps the exponent, which is the correct rounding (up to Infinity).
  return sign | ((e << 10) + halfMantissa + round);
}

let table: Float32Array | undefined;

/** Every half's float32 value (a 256 KB table, built on first use): a lookup is about 10× faster than decoding. */
function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits++) table[bits] = decodeHalf(bits);
  }
  return table;
}

/** The float32 value of a half given as its raw bits (exact). */
export function halfToFloat(bits: number): number {
  return halfTable()[bits & 0xffff]!;
}

/** Converts a whole buffer of halves to float32. */
export function halvesToFloats(halves: Uint16Array, out: Float32Array = new Float32Array(halves.length)): Float32Array {
  const values = halfTable();
  for (let k = 0; k < halves.length; k++) out[k] = values[halves[k]!]!;
  return out;
}

/** Converts float32 values to halves (round to nearest even). */
export function floatsToHalves(values: Float32Array, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  for (let k = 0; k < values.length; k++) out[k] = floatToHalf(values[k]!);
  return out;
}
