import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../src/logFile.js';
import { tempDir } from './support/media.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const childScript = path.resolve(import.meta.dirname, 'support/logFileChild.ts');

/** The child, with helpers that wait for what it prints (never for a guessed time). */
class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (c: Buffer) => this.feed(() => (this.stdout += c.toString())));
    proc.stderr.on('data', (c: Buffer) => this.feed(() => (this.stderr += c.toString())));
    this.exited = new Promise((resolve) => proc.once('exit', (code) => {
      resolve(code);
      this.feed(() => undefined);
    }));
  }

  static start(env: Record<string, string>): Child {
    return new Child(spawn(process.execPath, ['--import', tsxLoader, childScript], { env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env } }));
  }

  private feed(update: () => void): void {
    update();
    for (const w of this.waiters.splice(0)) w();
  }

  async until(what: string, test: () => boolean): Promise<void> {
    while (!test()) {
      if (this.proc.exitCode !== null) throw new Error(`child exited (${this.proc.exitCode}) before ${what}\n${this.stderr}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private acks = 0;

  async log(text: string): Promise<void> {
    const want = ++this.acks;
    this.proc.stdin.write(`log ${text}\n`);
    await this.until(`ack of "${text}"`, () => this.stdout.split('\n').filter((l) => l === 'ok').length >= want);
  }
}

const messages = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('LOG_FILE', () => {
  const { dir, cleanup } = tempDir('lipsync-logfile-');
  let child: Child | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
    child = undefined;
  });
  afterAll(cleanup);

  it('logs go to stderr and to the file; after a rename and SIGHUP new lines go to a new file', async () => {
    const file = path.join(dir, 'hup', 'lipsync.log');
    child = Child.start({ LOG_FILE: file });
    await child.until('ready', () => child!.stdout.includes('ready'));
    await child.log('first line');
    expect(messages(file)).toEqual(['child ready', 'first line']);
    await child.until('the line on stderr too', () => child!.stderr.includes('"msg":"first line"'));

    renameSync(file, `${file}.old`);
    child.proc.kill('SIGHUP');
    await child.until('the reopen', () => child!.stderr.includes('log file reopened'));
    await child.log('after rotation');
    expect(messages(`${file}.old`)).toEqual(['child ready', 'first line']);
    expect(messages(file)).toEqual(['log file reopened (SIGHUP)', 'after rotation']);
  });

  it('an uncaught exception is in the file and the exit code is non-zero', async () => {
    const file = path.join(dir, 'crash.log');
    child = Child.start({ LOG_FILE: file });
    await child.until('ready', () => child!.stdout.includes('ready'));
    child.proc.stdin.write('throw\n');
    expect(await child.exited).toBe(1);
    const last = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as { level: number; msg: string; err: { message: string } };
    expect(last).toMatchObject({ level: 60, msg: 'uncaught exception', err: { message: 'boom from the child' } });
  });

  it('an unhandled rejection is in the file and the exit code is non-zero', async () => {
    const file = path.join(dir, 'reject.log');
    child = Child.start({ LOG_FILE: file });
    await child.until('ready', () => child!.stdout.includes('ready'));
    child.proc.stdin.write('reject\n');
    expect(await child.exited).toBe(1);
    expect(readFileSync(file, 'utf8')).toMatch(/"level":60.*"msg":"unhandled promise rejection"/);
    expect(readFileSync(file, 'utf8')).toContain('rejected in the child');
  });

  it('without LOG_FILE, a crash of a CLI process is logged as fatal JSON on stderr with secrets redacted, then exits 1', async () => {
    child = Child.start({ CRASH_LOGGING: '1' });
    await child.until('ready', () => child!.stdout.includes('ready'));
    child.proc.stdin.write('throw-secret\n');
    expect(await child.exited).toBe(1);
    const fatal = child.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string } }).find((l) => l.level === 60);
    expect(fatal).toMatchObject({ msg: 'uncaught exception' });
    expect(fatal!.err!.message).toContain('download failed');
    expect(child.stderr).not.toContain('AAFakeTokenForTheCrashTest0123456');
  });

  it('rotates by size to .1 … .N, newest first, dropping the oldest', () => {
    const file = path.join(dir, 'size', 'app.log');
    const log = new LogFile({ path: file, maxBytes: 1000, keep: 2 });
    const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`; // ~100 bytes
    for (let i = 0; i < 45; i++) log.write(line(i));
    log.flush();
    const ids = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(readFileSync(f).length).toBeLessThanOrEqual(1000);
    expect(existsSync(`${file}.3`)).toBe(false);
    const kept = [...ids(`${file}.2`), ...ids(`${file}.1`), ...ids(file)];
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => 45 - kept.length + k));
    expect(kept.at(-1)).toBe(44);
    expect(ids(`${file}.2`).length).toBeGreaterThan(5);
  });
});
