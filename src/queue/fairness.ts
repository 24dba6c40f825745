/**
 * Fair interleaving of users on one worker, on top of BullMQ priorities (lower runs first, FIFO within a priority).
 *
 * Each clip gets priority = max(vt, user's last priority) + 1, + 2, … for the clips of one batch, where `vt`
 * (virtual time) is the priority of the clip that started most recently. So a user with 1 clip who arrives
 * while another user has 20 waiting is placed right after the clip now rendering, and two users with big
 * backlogs alternate clip by clip. A user's own clips keep their order. The Lua side lives in scripts.ts
 * (reserveLua, startClipLua); vt resets to 0 whenever nothing is pending, so priorities stay small.
 */

/** BullMQ's largest priority. */
export const MAX_PRIORITY = 2_097_151;

export function clampPriority(p: number): number {
  return Math.min(Math.max(1, Math.round(p)), MAX_PRIORITY);
}

/** Priorities for `n` clips starting at `first` (as returned by the reservation script). */
export function priorityRange(first: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => clampPriority(first + i));
}
