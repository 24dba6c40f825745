import path from 'node:path';

/**
 * One output name per template: "<template base name>.mp4", with "-2", "-3"… when two templates share a base name.
 * Only the base name of the input is used, so no directory part of it reaches the output path.
 */
export function outputNamesFor(templates: readonly string[]): string[] {
  const used = new Set<string>();
  return templates.map((template) => {
    const base = path.basename(template, path.extname(template)).replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'clip';
    let name = `${base}.mp4`;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}.mp4`;
    used.add(name);
    return name;
  });
}
