/** Small pure formatters for chat text. */
import { en } from '../../i18n/index.js';

export { formatBytes, formatSeconds, shortLabel } from '../../format.js';

/** A rough ETA in English: "a few seconds", "about 40 s", "about 3 min" (each catalog has its own: src/i18n). */
export const formatEta: (seconds: number) => string = en.units.eta;

/** A text progress bar of `width` cells: "▓▓▓▓░░░░░░". */
export function progressBar(fraction: number, width = 10): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.floor(f * width);
  return '▓'.repeat(full) + '░'.repeat(width - full);
}

/** Keeps text under a platform's length limit, cutting at a line break where possible. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf('\n', max - 2);
  let end = cut > max / 2 ? cut : max - 2;
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--; // never half an emoji
  return `${text.slice(0, end)}\n…`;
}
