import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (apt package "chromium"); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function asRoot(cmd: string[]): { status: number | null; output: string } {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const argv = isRoot ? cmd : ['sudo', '-n', ...cmd];
  const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 15 * 60_000 });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

/**
 * Returns the Chromium executable, installing Debian's package when it is missing. Never skips: without a
 * browser the browser tests fail with this message.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${CHROMIUM_PATH} does not exist.`);
  const update = asRoot(['apt-get', 'update']);
  const install = update.status === 0 ? asRoot(['apt-get', 'install', '-y', 'chromium']) : update;
  if (install.status !== 0 || !existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH} and installing it failed ("apt-get update && apt-get install -y chromium" as root). ` +
        `Install it (Debian/Ubuntu: apt-get install chromium), run .ci/run, or set CHROMIUM_PATH.\n${install.output.slice(-2000)}`,
    );
  }
  return CHROMIUM_PATH;
}

export interface Browser {
  context: BrowserContext;
  downloadsDir: string;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temp dir (removed by close()). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = ensureChromium();
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-chromium-'));
  const downloadsDir = path.join(userDataDir, 'downloads');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    downloadsPath: downloadsDir,
    timeout: 60_000,
  });
  return {
    context,
    downloadsDir,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
