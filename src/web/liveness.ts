/**
 * Process-wide liveness of the long-running parts that run beside the web server in `lipsync start` (the chat
 * bots: Telegram polling, Discord's gateway). Each reports its own state; /healthz reads them, like the shared
 * metrics registry, so a bot does not need to know whether a web server runs in its process.
 */
export interface LivenessState {
  ok: boolean;
  /** Short words for operators: "polling", "connected", "reconnecting", "polling stopped: 409 Conflict…". */
  state: string;
  /** Unix milliseconds of the last change. */
  since: number;
}

const states = new Map<string, LivenessState>();

export function reportLiveness(name: string, ok: boolean, state: string, now = Date.now()): void {
  const prev = states.get(name);
  if (prev && prev.ok === ok && prev.state === state) return;
  states.set(name, { ok, state, since: now });
}

/** A part that stopped on purpose is no longer reported. */
export function forgetLiveness(name: string): void {
  states.delete(name);
}

export function livenessReport(): Record<string, LivenessState> {
  return Object.fromEntries([...states].map(([k, v]) => [k, { ...v }]));
}
