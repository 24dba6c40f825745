import { timingSafeEqual } from 'node:crypto';

/**
 * True when `given` equals `expected`, compared in constant time over their UTF-8 bytes (signatures, CSRF and ops
 * tokens): how long the comparison takes says nothing about how much of a guess was right.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
