/**
 * Renders one clip in a fresh process and prints its peak resident memory (VmHWM), so clip lengths can be compared.
 * Usage: tsx bench/rssProbe.ts AUDIO TEMPLATE MODEL OUT
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { disposeEngines } from '../src/pipeline/engine/select.js';
import { renderClip } from '../src/pipeline/render/renderClip.js';

const [audioPath, templatePath, model, outputPath] = process.argv.slice(2);
if (!audioPath || !templatePath || !model || !outputPath) throw new Error('usage: rssProbe AUDIO TEMPLATE MODEL OUT');
const config = loadConfig({ ...process.env, LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LOG_LEVEL: 'error' }).pipeline;
const result = await renderClip({ audioPath, templatePath, outputPath }, {}, undefined, undefined, { config });
await disposeEngines();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(JSON.stringify({ frames: result.frames, peakRssKb: hwm ? Number(hwm[1]) : null, seconds: result.seconds }) + '\n');
