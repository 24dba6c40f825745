/**
 * A bot killed while downloading a /lipsync command's attachments leaves its `slash-<pid>-…` folder behind: the next
 * start removes it (its owner is gone), and keeps folders of live processes.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/wait.js';
import { DiscordWorld } from './harness.js';

/** A pid that is not running: beyond Linux's pid_max. */
const DEAD_PID = 4_194_305;

describe('discord bot temp folders', () => {
  let world: DiscordWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("sweeps a killed bot's /lipsync download folders at start and keeps live ones", async () => {
    world = await DiscordWorld.create('tempsweep');
    const dead = path.join(world.tempDir, `slash-${DEAD_PID}-AbC123`);
    const live = path.join(world.tempDir, `slash-${process.ppid}-XyZ789`);
    await mkdir(dead, { recursive: true });
    await mkdir(live, { recursive: true });
    await world.startBot();
    const left = await waitUntil('the dead bot\'s folder removed', async () => {
      const names = await readdir(world!.tempDir);
      return names.includes(path.basename(dead)) ? null : names;
    });
    expect(left).toContain(path.basename(live));
  });
});
