import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingNames } from '../../src/config/index.js';
import { botSettingNames } from '../../src/config/bots.js';
import { discordSettingNames } from '../../src/config/discord.js';
import { queueSettingNames } from '../../src/config/queue.js';
import { storageSettingNames } from '../../src/config/storage.js';
import { webSettingNames } from '../../src/config/web.js';

const documented = new Set(
  readFileSync(path.resolve(import.meta.dirname, '../../.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined),
);

describe('.env.example', () => {
  it('documents every setting the service reads', () => {
    const missing = [...settingNames, ...queueSettingNames, ...storageSettingNames, ...webSettingNames, ...botSettingNames, ...discordSettingNames].filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
