import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { CheckpointFormatError } from '../../../pipeline/model/torch/checkpoint.js';
import { DEFAULT_IMPORT_OUTPUT, importWav2LipCheckpoint, ModelImportError, type ImportProgress } from '../../../pipeline/model/wav2lip/importCheckpoint.js';
import { probeWav2LipModel } from '../../../pipeline/model/wav2lip/probeInference.js';
import { NotWav2LipError } from '../../../pipeline/model/wav2lip/stateDict.js';

interface ImportFlags {
  out: string;
  force?: boolean;
  json?: boolean;
}

const MB = 1024 * 1024;

/** A byte progress bar on a terminal; nothing when piped or with --json. */
function progressBar(enabled: boolean): { update(p: ImportProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { format: ' importing |{bar}| {percentage}% · {done}/{total} MB', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update({ bytesDone, bytesTotal }) {
      const payload = { done: (bytesDone / MB).toFixed(0), total: (bytesTotal / MB).toFixed(0) };
      if (!started) {
        bar.start(bytesTotal, 0, payload);
        started = true;
      }
      bar.update(bytesDone, payload);
    },
    stop: () => started && bar.stop(),
  };
}

/** Errors that are the operator's file or command, printed as one line; anything else is a bug and keeps its stack. */
function isOperatorError(err: unknown): err is Error {
  return err instanceof CheckpointFormatError || err instanceof NotWav2LipError || err instanceof ModelImportError || (err instanceof Error && 'code' in err && err.code === 'ENOENT');
}

async function runImport(checkpoint: string, flags: ImportFlags): Promise<number> {
  const bar = progressBar(process.stderr.isTTY === true && !flags.json);
  let result;
  try {
    result = await importWav2LipCheckpoint(checkpoint, { output: flags.out, force: flags.force, onProgress: (p) => bar.update(p) });
  } catch (err) {
    bar.stop();
    if (!isOperatorError(err)) throw err;
    process.stderr.write(`lipsync model import: ${err.message}\n`);
    return 1;
  }
  bar.stop();
  const probe = await probeWav2LipModel(result.output);
  const report = {
    output: result.output,
    format: result.format,
    dtype: result.dtype,
    parameters: result.parameters,
    faceSize: result.faceSize,
    seconds: Number(result.seconds.toFixed(2)),
    bytes: result.bytes,
    skipped: result.skipped,
    probe: { ok: probe.ok, outputShape: probe.outputShape, min: probe.min, max: probe.max, mean: probe.mean, milliseconds: Math.round(probe.milliseconds) },
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const params = `${(result.parameters / 1e6).toFixed(2)} M parameters`;
    process.stdout.write(
      `✓ ${checkpoint} (${result.format} format, ${result.dtype}, ${params}) → ${result.output} ` +
        `(${(result.bytes / MB).toFixed(1)} MB, face size ${result.faceSize}, ${result.seconds.toFixed(1)} s)\n`,
    );
    if (result.skipped.length > 0) process.stdout.write(`  skipped: ${result.skipped.join(', ')}\n`);
    process.stdout.write(
      probe.ok
        ? `  probe inference: ${probe.outputShape.join('×')} output in [${probe.min.toFixed(3)}, ${probe.max.toFixed(3)}], ${Math.round(probe.milliseconds)} ms\n`
        : `  probe inference FAILED: output outside [0, 1] or not finite (min ${probe.min}, max ${probe.max})\n`,
    );
  }
  return probe.ok ? 0 : 1;
}

export function register(model: Command): void {
  model
    .command('import')
    .description('Convert a PyTorch Wav2Lip checkpoint (wav2lip_gan.pth / wav2lip.pth) to the ONNX model the engine runs. No Python needed.')
    .argument('<checkpoint>', 'the .pth file (legacy or zip format, float32 or float16)')
    .option('--out <path>', 'where to write the ONNX model', DEFAULT_IMPORT_OUTPUT)
    .option('--force', 'replace the output file if it exists')
    .option('--json', 'print one JSON object: output, format, dtype, parameters, faceSize, seconds, probe')
    .action(async (checkpoint: string, flags: ImportFlags) => {
      process.exitCode = await runImport(checkpoint, flags);
    });
}
