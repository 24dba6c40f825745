import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { renderTempPatterns, storageTempPatterns, sweepTempDir } from '../../src/queue/tempSweep.js';
import { waitUntil } from '../support/wait.js';
import { QueueHarness } from './harness.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const DAY = 24 * 3_600_000;

/**
 * A process that leaves what a render child and a submitting bot leave when killed mid-work: a copy into storage
 * in progress (its source is a FIFO nobody writes, so the copy never ends), an ffmpeg frame socket and a spill folder.
 */
async function startOwner(dir: string, name: string): Promise<ChildProcess> {
  const script = path.join(dir, `${name}.mts`);
  await writeFile(
    script,
    `
import net from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { LocalStorage } from ${JSON.stringify(path.join(repoRoot, 'src/queue/storage.ts'))};
import { frameSocketPath } from ${JSON.stringify(path.join(repoRoot, 'src/pipeline/media/frameSocket.ts'))};
const [data, temp, fifo] = process.argv.slice(2);
net.createServer().listen(frameSocketPath(temp)!);
await mkdtemp(path.join(temp, \`lipsync-spill-\${process.pid}-\`));
void new LocalStorage(data!).putInput(fifo!, 'face.mp4');
`,
  );
  const fifo = path.join(dir, `${name}.fifo`);
  execFileSync('mkfifo', [fifo]);
  return spawn(process.execPath, ['--import', tsxLoader, script, path.join(dir, 'data'), path.join(dir, 'temp'), fifo], { stdio: 'ignore' });
}

describe('temp files of killed processes are swept', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('by owner pid after a SIGKILL, by age otherwise; a live owner keeps its files', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-sweep-'));
    const temp = path.join(dir, 'temp');
    const tmp = path.join(dir, 'data', 'tmp');
    await mkdir(temp, { recursive: true });
    const killed = await startOwner(dir, 'killed');
    const alive = await startOwner(dir, 'alive');
    children.push(killed, alive);
    const ls = async (d: string) => (await readdir(d).catch(() => [] as string[])).sort();
    // Each owner: one socket and one spill folder in temp, one copy in progress in DATA_DIR/tmp.
    await waitUntil('both owners busy', async () => (await ls(temp)).length === 4 && (await ls(tmp)).length === 2);
    const owned = async (pid: number) => [...(await ls(temp)), ...(await ls(tmp))].filter((n) => n.includes(`-${pid}-`));
    expect(await owned(killed.pid!)).toHaveLength(3);

    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;
    // Old leftovers without an owner in their name go by age only.
    await writeFile(path.join(temp, 'lipsync-spill-abcDEF'), 'old');
    await writeFile(path.join(temp, 'lipsync-spill-ghiJKL'), 'young');
    const old = new Date(Date.now() - 2 * DAY);
    await utimes(path.join(temp, 'lipsync-spill-abcDEF'), old, old);
    await writeFile(path.join(temp, 'unrelated.txt'), 'not ours');
    await utimes(path.join(temp, 'unrelated.txt'), old, old);

    const removedTemp = await sweepTempDir(temp, renderTempPatterns, { maxAgeMs: DAY });
    const removedTmp = await sweepTempDir(tmp, storageTempPatterns, { maxAgeMs: DAY });
    // The killed owner's socket and spill, the old spill; its copy in progress in DATA_DIR/tmp.
    expect(removedTemp.filter((n) => n !== 'lipsync-spill-abcDEF').every((n) => n.includes(`-${killed.pid}-`))).toBe(true);
    expect(removedTemp).toHaveLength(3);
    expect(removedTemp).toContain('lipsync-spill-abcDEF');
    expect(removedTmp).toHaveLength(1);
    expect(removedTmp[0]).toContain(`-${killed.pid}-`);
    expect(await owned(killed.pid!)).toEqual([]);
    expect(await owned(alive.pid!)).toHaveLength(3);
    expect(await ls(temp)).toContain('lipsync-spill-ghiJKL');
    expect(await ls(temp)).toContain('unrelated.txt');
  });

  it('a starting worker sweeps TEMP_DIR and DATA_DIR/tmp', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-sweep-'));
    const h = await QueueHarness.create('sweep-start');
    try {
      const gone = spawn(process.execPath, ['-e', '']);
      const deadPid = gone.pid!;
      await new Promise((resolve) => gone.once('exit', resolve));
      const spill = path.join(dir, `lipsync-spill-${deadPid}-abcDEF`);
      await mkdir(spill);
      await writeFile(path.join(spill, '000001.jpg'), 'frame');
      // A killed worker's folder of fetched inputs and its output before the upload.
      const work = path.join(dir, `lipsync-work-${deadPid}-ghIJ12`);
      await mkdir(work);
      await writeFile(path.join(work, 'input.mp4'), 'fetched');
      const tmp = path.join(h.config.dataDir, 'tmp');
      await mkdir(tmp, { recursive: true });
      const { HOST_TAG } = await import('../../src/queue/tempSweep.js');
      const copy = path.join(tmp, `in-${HOST_TAG}-${deadPid}-0123456789abcdef`);
      await writeFile(copy, 'half a copy');
      const live = await h.startWorker(100, { TEMP_DIR: dir });
      // What stays is the live worker's own work folder.
      const others = async () => (await readdir(dir)).filter((n) => !n.startsWith(`lipsync-work-${live.child.pid}-`));
      await waitUntil('the dead process\'s spill and copy removed', async () => (await others()).length === 0 && (await readdir(tmp)).length === 0);
    } finally {
      await h.close();
    }
  });
});
