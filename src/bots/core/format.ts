/** Small pure formatters for chat text. */
export { formatBytes, formatSeconds, shortLabel } from '../../format.js';

/** A rough ETA: "a few seconds", "about 40 s", "about 3 min". */
export function formatEta(seconds: number): string {
  if (seconds < 5) return 'a few seconds';
  if (seconds < 60) return `about ${Math.round(seconds / 5) * 5} s`;
  if (seconds < 3600) return `about ${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return m === 0 ? `about ${h} h` : `about ${h} h ${m} min`;
}

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
