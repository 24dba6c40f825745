import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { engineNames, loadConfig, loopModes, type EngineName, type LoopMode } from '../../config/index.js';
import { errorMessage, InputError, ModelFormatError, ModelMissingError } from '../../errors.js';
import { refusalText } from '../../i18n/index.js';
import { logger } from '../../log.js';
import { disposeEngines } from '../../pipeline/engine/select.js';
import { parseFixedBox, type FixedBox } from '../../pipeline/face/fixedBox.js';
import { renderClip } from '../../pipeline/render/renderClip.js';
import { outputNamesFor } from '../outputNames.js';
import { createProgressView } from '../progressBars.js';
import { exitOnConfigError } from '../configErrorExit.js';

interface RenderFlags {
  audio: string;
  video: string[];
  out: string;
  engine?: EngineName;
  model?: string;
  loop?: LoopMode;
  box?: FixedBox;
  json?: boolean;
}

export interface ClipReport {
  input: string;
  output: string | null;
  frames: number;
  framesWithFace: number;
  seconds: number;
  engine: string | null;
  error: string | null;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function boxFlag(value: string): FixedBox {
  try {
    return parseFixedBox(value);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

async function runRender(flags: RenderFlags): Promise<number> {
  const app = loadConfig({ ...process.env, ...(flags.model ? { LIPSYNC_MODEL: flags.model } : {}) });
  const config = app.pipeline;
  await mkdir(flags.out, { recursive: true });
  const names = outputNamesFor(flags.video);
  const view = createProgressView(process.stderr.isTTY === true && !flags.json);
  const reports: ClipReport[] = [];

  for (const [i, template] of flags.video.entries()) {
    const output = path.join(flags.out, names[i]!);
    const label = path.basename(template);
    const onProgress = view.start(label);
    const started = Date.now();
    try {
      const result = await renderClip(
        { audioPath: flags.audio, templatePath: template, outputPath: output },
        { engine: flags.engine, loopMode: flags.loop, box: flags.box },
        onProgress,
        undefined,
        { config },
      );
      view.finish(label, 'done');
      reports.push({
        input: template,
        output,
        frames: result.frames,
        framesWithFace: result.framesWithFace,
        seconds: result.seconds,
        engine: result.preview ? `${result.engine} (preview engine)` : result.engine,
        error: null,
      });
    } catch (err) {
      view.finish(label, 'failed');
      // Input errors are the user's to fix; anything else is logged in full for the operator.
      const operatorFixable = err instanceof InputError || err instanceof ModelMissingError || err instanceof ModelFormatError;
      if (!operatorFixable) logger().error({ err, template }, 'render failed');
      reports.push({ input: template, output: null, frames: 0, framesWithFace: 0, seconds: (Date.now() - started) / 1000, engine: null, error: err instanceof InputError ? refusalText(app.defaultLocale, err) : errorMessage(err) });
    }
  }
  view.stop();
  await disposeEngines();

  if (flags.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const r of reports) {
      if (r.error) process.stdout.write(`✗ ${r.input}: ${r.error}\n`);
      else process.stdout.write(`✓ ${r.input} → ${r.output} (${r.frames} frames, ${r.framesWithFace} with a face, ${r.seconds.toFixed(1)} s, ${r.engine})\n`);
    }
  }
  return reports.some((r) => r.error) ? 1 : 0;
}

export function register(program: Command): void {
  program
    .command('render')
    .description('Lip-sync one audio onto one or more templates, locally (no Redis, no bots).')
    .requiredOption('--audio <file>', 'audio file (or a video whose sound to use)')
    .requiredOption('--video <file>', 'template video or photo; repeat for several', collect)
    .requiredOption('--out <dir>', 'directory for <template name>.mp4 outputs')
    .addOption(new Option('--engine <name>', 'lip-sync engine (default: LIPSYNC_ENGINE, auto)').choices([...engineNames]))
    .option('--model <path>', 'Wav2Lip-compatible ONNX model (default: LIPSYNC_MODEL)')
    .addOption(new Option('--loop <mode>', 'how templates shorter than the audio are extended (default: LOOP_MODE)').choices([...loopModes]))
    .option(
      '--box <Y1,Y2,X1,X2>',
      "fixed face crop in the template's pixels (Wav2Lip's --box top bottom left right): no face detection, pads or smoothing",
      boxFlag,
    )
    .option('--json', 'print one JSON array of results on stdout')
    .action(async (flags: RenderFlags) => {
      try {
        process.exitCode = await runRender(flags);
      } catch (err) {
        exitOnConfigError(err);
      }
    });
}
