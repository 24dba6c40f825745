import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import { rangeStillValid, type Validators } from './conditional.js';

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

/** The bytes a GET/HEAD of a file is answered with: one span (all of it, or one range: 206), or none (416). */
export type ByteSpan = { kind: 'unsatisfiable' } | { kind: 'bytes'; start: number; end: number; length: number; partial: boolean };

/**
 * Which bytes of a `size`-byte file a request asks for: its Range header, honoured only while If-Range still names
 * the representation with validators `v` (else the whole file).
 */
export function requestedBytes(headers: IncomingHttpHeaders, v: Validators, size: number): ByteSpan {
  const range = rangeStillValid(firstHeader(headers['if-range']), v) ? parseRange(firstHeader(headers.range), size) : ({ kind: 'full' } as const);
  if (range.kind === 'unsatisfiable') return range;
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  return { kind: 'bytes', start, end, length: size === 0 ? 0 : end - start + 1, partial: range.kind === 'partial' };
}

/** Sets the status and length headers of a span about to be sent (206 + Content-Range for a range). */
export function spanHeaders(reply: FastifyReply, span: Extract<ByteSpan, { kind: 'bytes' }>, size: number): FastifyReply {
  if (span.partial) reply.code(206).header('Content-Range', `bytes ${span.start}-${span.end}/${size}`);
  return reply.header('Content-Length', String(span.length));
}

/** 416: the one range asked for starts past the end of the file. */
export function rangeNotSatisfiable(reply: FastifyReply, size: number): FastifyReply {
  return reply.code(416).type('text/plain; charset=utf-8').header('Content-Range', `bytes */${size}`).send('Range not satisfiable\n');
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
