import { describe, expect, it } from 'vitest';
import { formatSoakReport, runSoak } from '../../scripts/soak.js';

/**
 * The CI size of `npm run soak`: 5 users × 2 clips through the real Telegram and Discord bots (fake platform
 * servers), a real worker with the test model, a private redis-server; the worker is SIGKILLed once and Redis
 * restarted once while clips are in flight. Every clip must arrive exactly once.
 */
describe('soak (short)', () => {
  it('delivers every clip exactly once through a worker SIGKILL and a Redis restart', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const report = await runSoak({ users: 5, clipsPerUser: 2, minutes: 0, stallMs: 180_000, log: (l) => lines.push(l) });
    const summary = `${formatSoakReport(report)}\n${lines.join('\n')}`;
    expect(report.chaos, summary).toHaveLength(2);
    expect(report.submitted, summary).toBe(10);
    expect(report.lost, summary).toBe(0);
    expect(report.duplicated, summary).toBe(0);
    expect(report.firstReplyMs.samples, summary).toBe(5);
  });
});
