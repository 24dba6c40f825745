import type { Command } from 'commander';
import * as check from './model/check.js';
import * as importCheckpoint from './model/import.js';

/** `lipsync model …`: turn a checkpoint into the engine's ONNX model, and check what the engine will do with one. */
export function register(program: Command): void {
  const model = program.command('model').description('Import a Wav2Lip checkpoint (.pth) as ONNX, or check a lip-sync model.');
  importCheckpoint.register(model);
  check.register(model);
}
