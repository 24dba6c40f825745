/**
 * `npm run demo`: renders the bundled sample (samples/template.mp4 + samples/speech.wav) with whatever engine is
 * available — the Wav2Lip-compatible model when it is installed, otherwise the weights-free preview engine — and
 * prints where the clip is. Needs nothing but `npm install`: no Redis, no model, no tokens.
 *
 *   npm run demo [-- <output.mp4>]      (default: out/demo.mp4)
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../src/errors.js';
import { renderClip } from '../src/pipeline/render/renderClip.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const samples = path.join(root, 'samples');

async function main(): Promise<void> {
  const outputPath = path.resolve(process.argv[2] ?? path.join(root, 'out', 'demo.mp4'));
  await mkdir(path.dirname(outputPath), { recursive: true });
  let lastPercent = -1;
  const result = await renderClip(
    { audioPath: path.join(samples, 'speech.wav'), templatePath: path.join(samples, 'template.mp4'), outputPath },
    {},
    (p) => {
      const percent = p.framesTotal > 0 ? Math.floor((100 * p.framesDone) / p.framesTotal) : 0;
      if (p.stage === 'render' && percent >= lastPercent + 10) {
        lastPercent = percent;
        process.stderr.write(`  rendering… ${percent}%\n`);
      }
    },
  );
  const engine = result.preview ? `${result.engine} (preview engine — install a Wav2Lip-compatible model for full quality)` : result.engine;
  process.stdout.write(
    [
      `Lip-synced clip: ${result.outputPath}`,
      `  engine: ${engine}`,
      `  ${result.frames} frames (${result.framesWithFace} with a face), ${result.width}x${result.height} @ ${result.fps} fps, ` +
        `${result.durationSeconds.toFixed(1)} s, rendered in ${result.seconds.toFixed(1)} s`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${errorMessage(err)}\n`);
  process.exitCode = 1;
});
