import { describe, expect, it } from 'vitest';
import { isNotModified, isPreconditionFailed, rangeStillValid, validatorsFor } from '../../src/web/http/conditional.js';
import { contentDisposition, safeBaseName, uniqueMp4Names } from '../../src/web/http/fileNames.js';
import { parseRange } from '../../src/web/http/range.js';

describe('parseRange', () => {
  const size = 1000;
  it('single, open-ended and suffix ranges', () => {
    expect(parseRange('bytes=0-99', size)).toEqual({ kind: 'partial', start: 0, end: 99 });
    expect(parseRange('bytes=900-', size)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-100', size)).toEqual({ kind: 'partial', start: 900, end: 999 });
    expect(parseRange('bytes=-5000', size)).toEqual({ kind: 'partial', start: 0, end: 999 });
    expect(parseRange('bytes=500-5000', size)).toEqual({ kind: 'partial', start: 500, end: 999 });
    expect(parseRange('BYTES = 1 - 2', size)).toEqual({ kind: 'partial', start: 1, end: 2 });
  });
  it('unsatisfiable only for a well-formed range past the end', () => {
    expect(parseRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99999999999999999999-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
  it('ignores what it does not serve: several ranges, other units, junk, huge headers', () => {
    for (const h of [undefined, '', 'bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=a-b', `bytes=${'0-1,'.repeat(10_000)}0-1`, `bytes=0-${'9'.repeat(300)}`]) {
      expect(parseRange(h, size)).toEqual({ kind: 'full' });
    }
  });
});

describe('conditional requests', () => {
  const v = validatorsFor('ab'.repeat(32), 1234, Date.UTC(2030, 0, 1, 12, 0, 0, 500));
  it('builds a strong ETag and an HTTP date', () => {
    expect(v.etag).toMatch(/^"[0-9a-f]+-4d2-[0-9a-f]+"$/);
    expect(v.lastModified).toBe('Tue, 01 Jan 2030 12:00:00 GMT');
  });
  it('If-None-Match wins over If-Modified-Since; weak tags match; * matches', () => {
    expect(isNotModified({ 'if-none-match': v.etag }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': `"x", W/${v.etag}` }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': '*' }, v)).toBe(true);
    expect(isNotModified({ 'if-none-match': '"other"', 'if-modified-since': v.lastModified }, v)).toBe(false);
    expect(isNotModified({ 'if-modified-since': v.lastModified }, v)).toBe(true);
    expect(isNotModified({ 'if-modified-since': 'Mon, 31 Dec 2029 00:00:00 GMT' }, v)).toBe(false);
    expect(isNotModified({ 'if-modified-since': 'garbage' }, v)).toBe(false);
  });
  it('If-Match / If-Unmodified-Since and If-Range', () => {
    expect(isPreconditionFailed({ 'if-match': '"nope"' }, v)).toBe(true);
    expect(isPreconditionFailed({ 'if-match': v.etag }, v)).toBe(false);
    expect(isPreconditionFailed({ 'if-unmodified-since': 'Mon, 31 Dec 2029 00:00:00 GMT' }, v)).toBe(true);
    expect(rangeStillValid(undefined, v)).toBe(true);
    expect(rangeStillValid(v.etag, v)).toBe(true);
    expect(rangeStillValid(`W/${v.etag}`, v)).toBe(false);
    expect(rangeStillValid('"old"', v)).toBe(false);
    expect(rangeStillValid(v.lastModified, v)).toBe(true);
  });
});

describe('file names', () => {
  it('makes safe names from user labels', () => {
    expect(safeBaseName('face.mp4', 'x')).toBe('face');
    expect(safeBaseName('../../etc/passwd', 'x')).toBe('_.._etc_passwd');
    expect(safeBaseName('a\u0000b\r\nc.mov', 'x')).toBe('abc');
    expect(safeBaseName('  ...  ', 'clip-1')).toBe('clip-1');
    expect(safeBaseName('evil\u202egnp.mp4', 'x')).toBe('evilgnp');
    expect(safeBaseName('x'.repeat(500), 'x')).toHaveLength(80);
    expect(safeBaseName('Grüße 👋.mp4', 'x')).toBe('Grüße 👋');
  });
  it('deduplicates ignoring case', () => {
    expect(uniqueMp4Names([{ label: 'a.mp4', fallback: 'c1' }, { label: 'A.mov', fallback: 'c2' }, { label: 'a', fallback: 'c3' }, { label: '', fallback: 'clip-4' }])).toEqual([
      'a.mp4',
      'A (2).mp4',
      'a (3).mp4',
      'clip-4.mp4',
    ]);
  });
  it('writes Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('attachment', 'face.mp4')).toBe(`attachment; filename="face.mp4"; filename*=UTF-8''face.mp4`);
    const h = contentDisposition('inline', 'Grüße "x".mp4');
    expect(h).toBe(`inline; filename="Grue _x_.mp4"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22.mp4`);
    expect(contentDisposition('inline', '日本.mp4')).toMatch(/^inline; filename="clip\.mp4"; /);
    // eslint-disable-next-line no-control-regex
    expect(contentDisposition('inline', 'a\r\nb.mp4')).not.toMatch(/[\r\n]/);
  });
});
