import { describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../../../src/pipeline/model/half.js';

describe('half precision', () => {
  it('round-trips every finite half exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f) continue;
      expect(floatToHalf(halfToFloat(bits))).toBe(bits === 0x8000 ? 0x8000 : bits);
    }
  });

  it('rounds to nearest even and saturates to infinity', () => {
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1); // tie → even
    expect(halfToFloat(floatToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
    expect(halfToFloat(floatToHalf(65520))).toBe(Infinity);
    expect(halfToFloat(floatToHalf(65504))).toBe(65504);
    expect(halfToFloat(floatToHalf(2 ** -24))).toBe(2 ** -24);
    expect(halfToFloat(floatToHalf(-0.1))).toBeCloseTo(-0.0999755859375, 12);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
  });
});
