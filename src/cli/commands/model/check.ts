import type { Command } from 'commander';
import { loadConfig } from '../../../config/index.js';
import { ConfigError, errorMessage, ModelFormatError, ModelMissingError } from '../../../errors.js';
import { checkModel, describeModelReport, modelCheckOptions } from '../../../pipeline/engine/modelReport.js';
import { exitOnConfigError } from '../../configErrorExit.js';

interface CheckFlags {
  json?: boolean;
}

/** Exit 0: usable model; 1: missing, not ONNX, not a usable lip-sync model, or inference failed; 2: bad settings. */
async function runCheck(modelPath: string | undefined, flags: CheckFlags): Promise<number> {
  const config = loadConfig().pipeline;
  try {
    const report = await checkModel(modelCheckOptions(config, modelPath));
    process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : `${describeModelReport(report).join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) exitOnConfigError(err);
    const message = err instanceof ModelMissingError || err instanceof ModelFormatError ? err.message : `Model check failed: ${errorMessage(err)}`;
    process.stderr.write(`${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

/** `lipsync model check [PATH] [--json]`: what the engine will do with a model, and how fast it runs here. */
export function register(model: Command): void {
  model
    .command('check')
    .argument('[path]', 'the ONNX model (default: LIPSYNC_MODEL)')
    .option('--json', 'print one JSON object')
    .description(
      'Check a lip-sync model: inputs and outputs, face size, batch, precision, colour order, device, and frames per second here.',
    )
    .action(async (modelPath: string | undefined, flags: CheckFlags) => {
      try {
        process.exitCode = await runCheck(modelPath, flags);
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
