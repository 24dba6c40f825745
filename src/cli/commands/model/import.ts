import type { Command } from 'commander';

/** `lipsync model import CHECKPOINT` (placeholder until the importer lands). */
export function register(model: Command): void {
  void model;
}
