import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { pickEntry } from '../../bin/entry.js';
import { commandFor, commandList } from '../../src/cli/commandList.js';
import { commandModules } from '../../src/cli/commands/index.js';
import { tempDir } from '../support/media.js';

const pick = pickEntry;

describe('bin/lipsync.js launcher', () => {
  const { dir, cleanup } = tempDir('lipsync-launcher-');
  afterAll(cleanup);

  const at = (file: string, seconds: number) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, seconds, seconds);
  };

  it('runs dist/cli/main.js when it is newer than every source file, else the sources through tsx', () => {
    const root = path.join(dir, 'pkg');
    at(path.join(root, 'src/cli/main.ts'), 1_000);
    at(path.join(root, 'src/queue/deep/file.ts'), 2_000);
    expect(pick(root)).toEqual({ kind: 'src', file: path.join(root, 'src/cli/main.ts') });

    at(path.join(root, 'dist/cli/main.js'), 3_000);
    expect(pick(root)).toEqual({ kind: 'dist', file: path.join(root, 'dist/cli/main.js') });

    // A source edited after the build: the build is stale.
    at(path.join(root, 'src/queue/deep/file.ts'), 4_000);
    expect(pick(root).kind).toBe('src');
  });

  it('loads only the command being run; help X is X --help', () => {
    expect(commandFor(['--help'])).toBeNull();
    expect(commandFor([])).toBeNull();
    expect(commandFor(['nosuch'])).toBeNull();
    expect(commandFor(['render', '--audio', 'a.wav'])).toMatchObject({ entry: { name: 'render' }, args: ['render', '--audio', 'a.wav'] });
    expect(commandFor(['help', 'model', 'import'])).toMatchObject({ entry: { name: 'model' }, args: ['model', 'import', '--help'] });
  });

  it('lists every command module', () => {
    const program = new Command();
    for (const m of commandModules) m.register(program);
    expect(commandList.map((c) => c.name).sort()).toEqual(program.commands.map((c) => c.name()).sort());
  });

  it('the overview list says what each command module registers', async () => {
    for (const c of commandList) {
      const program = new Command();
      (await c.load()).register(program);
      const cmd = program.commands.find((x) => x.name() === c.name);
      expect(cmd, c.name).toBeDefined();
      expect({ name: c.name, description: c.description, hasOptions: c.hasOptions }).toEqual({ name: cmd!.name(), description: cmd!.description(), hasOptions: cmd!.options.length > 0 });
    }
  });
});
