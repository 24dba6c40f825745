/** See entry.js: the compiled CLI when the build is current, else the TypeScript sources (through tsx). */
export function pickEntry(root: string): { kind: 'dist' | 'src'; file: string };
