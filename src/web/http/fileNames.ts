/**
 * File names for downloads and ZIP entries, made from a template's display label. The label came from a
 * user, so everything that could mean something to a file system, a shell or a header is replaced.
 */
import { wellFormed } from '../../format.js';

const MAX_BASE = 80;

export function safeBaseName(label: string, fallback: string): string {
  const noExt = label.replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const clean = noExt
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[\\/:*?"<>|%;'`$]/g, '_')
    .replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  const cut = Array.from(clean).slice(0, MAX_BASE).join('').trim();
  return cut === '' ? fallback : cut;
}

/** "<label>.mp4" names for a list of clips, unique ignoring case: "a.mp4", "a (2).mp4", … */
export function uniqueMp4Names(items: readonly { label: string; fallback: string }[]): string[] {
  const taken = new Set<string>();
  return items.map(({ label, fallback }) => {
    const base = safeBaseName(label, fallback);
    let name = `${base}.mp4`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n}).mp4`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** RFC 6266 header: an ASCII fallback plus the UTF-8 name (RFC 8187). */
export function contentDisposition(type: 'inline' | 'attachment', rawName: string): string {
  // Half an emoji would make encodeURIComponent throw (a 500 for every request of that clip).
  const fileName = wellFormed(rawName);
  let ascii = fileName.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '_').trim();
  if (ascii === '' || ascii.startsWith('.')) ascii = `clip${ascii.startsWith('.') ? ascii : '.mp4'}`;
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
