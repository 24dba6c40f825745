/** The answer to a Range header for a representation of `size` bytes (RFC 9110 §14). */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** Longer Range headers are ignored outright (answered with the whole file), whatever they contain. */
export const MAX_RANGE_HEADER_LENGTH = 256;

/**
 * One byte range, or the whole file. Several ranges (multipart/byteranges) are answered with the whole
 * file, which the RFC allows and which browsers and chat previews never need; a malformed header is
 * ignored the same way. Only a well-formed single range that starts past the end gives 416.
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined || header.length === 0 || header.length > MAX_RANGE_HEADER_LENGTH) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return { kind: 'full' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}
