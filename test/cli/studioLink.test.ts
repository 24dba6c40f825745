import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTtl, runStudioLink, type StudioLinkJson } from '../../src/cli/commands/studioLink.js';
import { linkSecretFile } from '../../src/config/web.js';
import { ConfigError } from '../../src/errors.js';
import { verifyStudioSignIn } from '../../src/web/index.js';
import { tempDir } from '../support/media.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');
const SECRET = 'c'.repeat(48);
const operator = { platform: 'cli', userId: os.userInfo().username };

function tokenOf(url: string): string {
  const u = new URL(url);
  expect(u.pathname).toBe('/studio/login');
  return u.searchParams.get('t') ?? '';
}

describe('lipsync studio-link', () => {
  const { dir, cleanup } = tempDir('lipsync-studio-link-');
  afterAll(cleanup);
  const env = (over: Record<string, string> = {}) => ({ DATA_DIR: path.join(dir, 'data'), PUBLIC_URL: 'https://clips.example.com', LINK_SECRET: SECRET, ...over });

  it('prints a sign-in link for the operator that the web server accepts, valid for --ttl (default 1 h)', () => {
    const now = Date.UTC(2026, 11, 2, 10, 0, 0);
    const lines: string[] = [];
    runStudioLink({ ttl: parseTtl('30m') }, env(), (l) => lines.push(l), () => now);
    expect(lines[0]).toMatch(/^https:\/\/clips\.example\.com\/studio\/login\?t=/);
    expect(lines[1]).toContain('until 2026-12-02 10:30 UTC');
    const check = verifyStudioSignIn(SECRET, tokenOf(lines[0]!), now / 1000);
    expect(check).toMatchObject({ ok: true, claims: { owner: operator, expiresAt: now / 1000 + 1800 } });
    expect(verifyStudioSignIn(SECRET, tokenOf(lines[0]!), now / 1000 + 1800)).toEqual({ ok: false, reason: 'expired' });

    const json: string[] = [];
    runStudioLink({ json: true }, env(), (l) => json.push(l), () => now);
    const printed = JSON.parse(json[0]!) as StudioLinkJson;
    expect(printed).toMatchObject({ expiresAt: now / 1000 + 3600, owner: operator });
    expect(verifyStudioSignIn(SECRET, tokenOf(printed.url), now / 1000 + 3599)).toMatchObject({ ok: true, claims: { expiresAt: now / 1000 + 3600 } });
  });

  it('--ttl takes 90s, 30m, 1h, 2h or seconds; anything else is refused', () => {
    expect([parseTtl('90s'), parseTtl('30m'), parseTtl('1h'), parseTtl('2h'), parseTtl('600')]).toEqual([90, 1800, 3600, 7200, 600]);
    for (const bad of ['1.5h', 'soon', '10s', '30d', '']) expect(() => parseTtl(bad), bad).toThrow(/duration like 90s, 30m, 1h/);
  });

  it('uses the secret `lipsync start` stored in DATA_DIR when LINK_SECRET is not set, and says clearly when there is none', () => {
    const lonely = path.join(dir, 'lonely');
    const noSecret = env({ DATA_DIR: lonely, LINK_SECRET: '' });
    expect(() => runStudioLink({}, noSecret, () => undefined)).toThrow(ConfigError);
    expect(() => runStudioLink({}, noSecret, () => undefined)).toThrow(/No LINK_SECRET[\s\S]*lipsync start/);

    mkdirSync(lonely, { recursive: true });
    const stored = 'e'.repeat(64);
    writeFileSync(linkSecretFile(lonely), `${stored}\n`, { mode: 0o600 });
    const lines: string[] = [];
    runStudioLink({}, noSecret, (l) => lines.push(l));
    expect(verifyStudioSignIn(stored, tokenOf(lines[0]!), Math.floor(Date.now() / 1000))).toMatchObject({ ok: true, claims: { owner: operator } });
  });

  it('as a command: --ttl 2h --json on stdout; a bad --ttl and a missing secret exit non-zero with a message', () => {
    const run = (args: string[], over: Record<string, string> = {}) =>
      spawnSync(process.execPath, [CLI, 'studio-link', ...args], { env: { ...process.env, LOG_FORMAT: 'json', ...env(over) }, encoding: 'utf8' });
    const before = Math.floor(Date.now() / 1000);
    const ok = run(['--ttl', '2h', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    const printed = JSON.parse(ok.stdout) as StudioLinkJson;
    expect(printed.expiresAt).toBeGreaterThanOrEqual(before + 7200);
    expect(printed.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 7200);
    expect(verifyStudioSignIn(SECRET, tokenOf(printed.url), before)).toMatchObject({ ok: true, claims: { owner: operator, expiresAt: printed.expiresAt } });

    const badTtl = run(['--ttl', 'forever']);
    expect(badTtl.status).not.toBe(0);
    expect(badTtl.stderr).toMatch(/--ttl.*duration like 90s, 30m, 1h/);

    const noSecret = run([], { LINK_SECRET: '', DATA_DIR: path.join(dir, 'nothing-here') });
    expect(noSecret.status).toBe(2);
    expect(noSecret.stderr).toMatch(/No LINK_SECRET/);
    expect(noSecret.stdout).toBe('');
  }, 60_000);
});
