import { describe, expect, it } from 'vitest';
import { EditScheduler } from '../../../src/bots/core/editScheduler.js';
import { RateLimitedError, type OutgoingMessage } from '../../../src/bots/core/platform.js';
import { FakeClock, flush } from '../../support/fakeClock.js';

function setup(opts: { fail?: (n: number) => Error | null } = {}) {
  const clock = new FakeClock();
  const sent: { at: number; text: string }[] = [];
  let calls = 0;
  const s = new EditScheduler(
    async (m: OutgoingMessage) => {
      calls++;
      const err = opts.fail?.(calls) ?? null;
      if (err) throw err;
      sent.push({ at: clock.now(), text: m.text });
    },
    { minIntervalMs: 3000, clock },
  );
  return { clock, sent, s, start: clock.now() };
}

describe('EditScheduler', () => {
  it('sends the first change at once, then at most one edit per interval, coalescing to the newest text', async () => {
    const { clock, sent, s, start } = setup();
    s.update({ text: 'a' });
    await flush();
    expect(sent.map((e) => e.text)).toEqual(['a']);
    s.update({ text: 'b' });
    s.update({ text: 'c' });
    s.update({ text: 'd' });
    await clock.advance(2999);
    expect(sent).toHaveLength(1);
    await clock.advance(1);
    expect(sent.map((e) => [e.text, e.at - start])).toEqual([['a', 0], ['d', 3000]]);
    await s.idle();
  });

  it('never sends content equal to what is shown, including after markShown', async () => {
    const { clock, sent, s } = setup();
    s.markShown({ text: 'x', keyboard: [] });
    s.update({ text: 'x' });
    await clock.advance(10_000);
    expect(sent).toHaveLength(0);
    s.update({ text: 'y' }); // sent at once
    s.update({ text: 'x' }); // waits for the interval…
    s.update({ text: 'y' }); // …and is superseded by what is already shown
    await clock.advance(10_000);
    expect(sent.map((e) => e.text)).toEqual(['y']);
    s.update({ text: 'y', keyboard: [[{ label: 'Cancel', action: 'k:1' }]] });
    await clock.advance(0);
    expect(sent.map((e) => e.text)).toEqual(['y', 'y']);
  });

  it('honours retry_after on 429 and still delivers the final state', async () => {
    const { clock, sent, s, start } = setup({ fail: (n) => (n === 2 ? new RateLimitedError(7000) : null) });
    s.update({ text: '10%' });
    await flush();
    s.update({ text: '50%' });
    await clock.advance(3000); // attempt 2 → 429 retry after 7 s
    expect(sent.map((e) => e.text)).toEqual(['10%']);
    s.update({ text: 'done' });
    await clock.advance(6999);
    expect(sent.map((e) => e.text)).toEqual(['10%']);
    let idle = false;
    void s.idle().then(() => (idle = true));
    await clock.advance(1);
    expect(sent.map((e) => [e.text, e.at - start])).toEqual([['10%', 0], ['done', 10_000]]);
    expect(idle).toBe(true);
  });

  it('retries other failures a few times, then drops that content', async () => {
    const { clock, sent, s } = setup({ fail: (n) => (n <= 5 ? new Error('boom') : null) });
    s.update({ text: 'a' });
    await clock.advance(20_000);
    expect(sent).toHaveLength(0);
    await s.idle();
    s.update({ text: 'b' });
    await clock.advance(20_000);
    expect(sent.map((e) => e.text)).toEqual(['b']);
  });

  it('close() drops pending content and releases waiters', async () => {
    const { clock, s, sent } = setup();
    s.update({ text: 'a' });
    await flush();
    s.update({ text: 'b' });
    const idle = s.idle();
    s.close();
    await idle;
    await clock.advance(10_000);
    expect(sent.map((e) => e.text)).toEqual(['a']);
  });
});
