import type { Command } from 'commander';
import { loadQueueConfig } from '../../config/queue.js';
import { openStorage } from '../../queue/openStorage.js';
import { checkStorage } from '../../queue/storageCheck.js';
import { exitOnConfigError } from '../configErrorExit.js';

/** `lipsync storage check`: what works with the configured store (STORAGE_URL). Resolves to the exit code. */
export async function runStorageCheck(env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const config = loadQueueConfig(env);
  const storage = openStorage(config.storage);
  try {
    out(`Checking ${storage.description}`);
    const steps = await checkStorage(storage);
    for (const s of steps) out(`${s.outcome === 'ok' ? 'ok     ' : s.outcome === 'skipped' ? 'skipped' : 'FAILED '} ${s.name.padEnd(8)}${s.detail}`);
    const failed = steps.filter((s) => s.outcome === 'failed');
    out(failed.length === 0 ? 'Storage works.' : `Storage check failed: ${failed.map((s) => s.name).join(', ')}.`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    storage.close?.();
  }
}

export function register(program: Command): void {
  const storage = program.command('storage').description('Check the store of inputs and outputs (STORAGE_URL: local folder or S3-compatible bucket).');
  storage
    .command('check')
    .description('Write, read, range-read, presign and delete a probe object; print what works (exit 1 when something fails).')
    .action(async () => {
      try {
        process.exitCode = await runStorageCheck();
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
