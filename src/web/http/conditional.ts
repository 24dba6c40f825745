/** Validators of a stored file: a strong ETag (size + mtime + content key) and Last-Modified. */
export interface Validators {
  etag: string;
  lastModified: string;
  /** Seconds precision, as HTTP dates have. */
  mtimeSeconds: number;
}

export function validatorsFor(key: string, size: number, mtimeMs: number): Validators {
  const mtimeSeconds = Math.floor(mtimeMs / 1000);
  return {
    etag: `"${key.slice(0, 16)}-${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`,
    lastModified: new Date(mtimeSeconds * 1000).toUTCString(),
    mtimeSeconds,
  };
}

function parseHttpDate(value: string | undefined): number | null {
  if (!value || value.length > 64) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.floor(t / 1000) : null;
}

function etagList(header: string): string[] {
  return header
    .slice(0, 4096)
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter((t) => t !== '');
}

/** If-None-Match (weak comparison), else If-Modified-Since: true when a 304 is the right answer (GET/HEAD). */
export function isNotModified(headers: { 'if-none-match'?: string; 'if-modified-since'?: string }, v: Validators): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    const tags = etagList(inm);
    return tags.includes('*') || tags.includes(v.etag);
  }
  const since = parseHttpDate(headers['if-modified-since']);
  return since !== null && v.mtimeSeconds <= since;
}

/** If-Match / If-Unmodified-Since: true when the request must fail with 412. */
export function isPreconditionFailed(headers: { 'if-match'?: string; 'if-unmodified-since'?: string }, v: Validators): boolean {
  const im = headers['if-match'];
  if (im !== undefined) {
    const tags = im
      .slice(0, 4096)
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    return !(tags.includes('*') || tags.includes(v.etag));
  }
  const since = parseHttpDate(headers['if-unmodified-since']);
  return since !== null && v.mtimeSeconds > since;
}

/** If-Range: a range is honoured only when the client's copy is the current one (strong ETag or exact date). */
export function rangeStillValid(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === v.etag;
  const date = parseHttpDate(value);
  return date !== null && date === v.mtimeSeconds;
}
