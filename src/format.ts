/** How durations and sizes are written everywhere a person reads them (refusals, chat messages, CLI). */

/** "12.3 s", "14 min", "1 min 5 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

/** "30 MB", "1.5 MB", "512 KB" (binary units, as the chat platforms count). */
export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 10) return `${Math.round(mb)} MB`;
  if (mb >= 1) return `${Math.round(mb * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** Lone UTF-16 surrogates (half an emoji) replaced by U+FFFD, so the text encodes anywhere (URIs, headers, JSON). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The first `max` code points of `text`: never cuts an emoji (or any astral character) in half. */
export function headCodePoints(text: string, max: number): string {
  return Array.from(text).slice(0, Math.max(0, max)).join('');
}

/**
 * A file name of at most `max` code points that keeps its extension when it has to be cut ("a-very-long-na….mp4"), so
 * a shortened template name still says what kind of file it is (and a ZIP entry made from it still opens).
 */
export function shortenFileName(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  if (extension.length < 2 || extension.length > 9 || extension.length + 2 > max) return chars.slice(0, Math.max(0, max)).join('');
  return `${chars.slice(0, max - extension.length - 1).join('').trimEnd()}…${extension.join('')}`;
}

/**
 * At most `max` UTF-16 code units of `text` (the unit APIs such as Discord's count in), never ending on half an
 * emoji: a cut inside a surrogate pair drops the whole character.
 */
export function headUtf16(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
}

/** The last `max` code points of `text`. */
export function tailCodePoints(text: string, max: number): string {
  return max <= 0 ? '' : Array.from(text).slice(-max).join('');
}

/** Cuts a label so one list line stays short; keeps the end (the file extension) visible. */
export function shortLabel(label: string, max = 32): string {
  // Counted in code points: a UTF-16 cut could split an emoji, and half an emoji breaks the platforms' APIs.
  const chars = Array.from(label);
  if (chars.length <= max) return label;
  const tail = tailCodePoints(label, 8);
  return `${headCodePoints(label, max - 8 - 1)}…${tail}`;
}
