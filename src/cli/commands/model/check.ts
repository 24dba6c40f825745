import type { Command } from 'commander';

/** `lipsync model check [PATH]` (placeholder until the check lands). */
export function register(model: Command): void {
  void model;
}
