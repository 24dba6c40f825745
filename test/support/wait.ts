/** Generous by default: the machine running the tests may be slow and shared. Waits end as soon as the probe holds. */
export const WAIT_MS = 90_000;

/**
 * Resolves with the first truthy value of `probe` (which may be async), checked every few milliseconds; fails after
 * `timeoutMs` naming `what`, plus whatever `context` adds (recent events, process logs).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = WAIT_MS,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
