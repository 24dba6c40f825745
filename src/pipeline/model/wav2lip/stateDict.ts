/**
 * Finds the Wav2Lip generator inside an unpickled checkpoint and checks it tensor by tensor against the layout.
 *
 * Accepted: the training script's `{state_dict, optimizer, global_step, global_epoch}` or a bare state dict, keys
 * with or without DataParallel's `module.` prefix. Everything that is not a generator tensor (the optimizer state
 * above all) is left unread.
 */
import { TorchTensorRef, type PickleKey, type PickleValue } from '../torch/checkpoint.js';
import { expectedTensors, wav2lipLayout, WAV2LIP_WIDTH, type Wav2LipLayout } from './layout.js';

/** The checkpoint holds something, but not a Wav2Lip generator this importer can convert. */
export class NotWav2LipError extends Error {
  override readonly name = 'NotWav2LipError';
}

export interface Wav2LipStateDict {
  layout: Wav2LipLayout;
  /** Generator tensors by their key without `module.`. */
  tensors: Map<string, TorchTensorRef>;
  /** 'float16' when any weight is stored in half precision. */
  dtype: 'float32' | 'float16' | 'bfloat16';
  /** What else the checkpoint held, for the report (e.g. optimizer, global_step). */
  otherEntries: string[];
}

const DATA_PARALLEL_PREFIX = 'module.';
const FIRST_CONV = 'face_encoder_blocks.0.0.conv_block.0.weight';

function isDict(value: PickleValue): value is Map<PickleKey, PickleValue> {
  return value instanceof Map;
}

/** The dict of tensors: `root.state_dict` when present, else the root itself. */
function locateStateDict(root: PickleValue): { dict: Map<PickleKey, PickleValue>; other: string[] } {
  if (!isDict(root)) throw new NotWav2LipError('The checkpoint does not hold a dictionary of tensors (a state dict).');
  const nested = root.get('state_dict');
  if (nested !== undefined) {
    if (!isDict(nested)) throw new NotWav2LipError('The checkpoint\'s "state_dict" entry is not a dictionary of tensors.');
    return { dict: nested, other: [...root.keys()].filter((k) => k !== 'state_dict').map(String) };
  }
  return { dict: root, other: [] };
}

function describeKeys(keys: readonly string[], limit = 4): string {
  const shown = keys.slice(0, limit).join(', ');
  return keys.length > limit ? `${shown} and ${keys.length - limit} more` : shown;
}

/** Names other networks from the Wav2Lip family by their keys, so the refusal says what the file is instead. */
function recogniseOtherNetwork(keys: readonly string[]): string | null {
  const has = (prefix: string) => keys.some((k) => k.startsWith(prefix));
  if (has('face_encoder.') && has('audio_encoder.') && !has('face_encoder_blocks.')) {
    return 'This looks like the SyncNet lip-sync expert (lipsync_expert.pth), which judges lip sync during training; it cannot generate faces.';
  }
  if (has('face_encoder_blocks.') && has('binary_pred.')) {
    return "This looks like Wav2Lip's visual quality discriminator (visual_quality_disc.pth), not the generator.";
  }
  return null;
}

export function findWav2LipStateDict(root: PickleValue): Wav2LipStateDict {
  const { dict, other } = locateStateDict(root);
  const tensors = new Map<string, TorchTensorRef>();
  const ignored: string[] = [];
  for (const [rawKey, value] of dict) {
    if (typeof rawKey !== 'string') continue;
    const key = rawKey.startsWith(DATA_PARALLEL_PREFIX) ? rawKey.slice(DATA_PARALLEL_PREFIX.length) : rawKey;
    if (value instanceof TorchTensorRef) tensors.set(key, value);
    else ignored.push(key);
  }
  const keys = [...tensors.keys()];
  const notGenerator = (detail: string) => {
    const known = recogniseOtherNetwork(keys);
    return new NotWav2LipError(`Not a Wav2Lip generator checkpoint. ${known ?? ''}${known ? ' ' : ''}${detail}`.trim());
  };
  if (tensors.size === 0) throw new NotWav2LipError('The checkpoint holds no tensors.');

  const first = tensors.get(FIRST_CONV);
  const width = first?.shape.length === 4 && first.shape[1] === 6 ? first.shape[0]! : undefined;
  if (width === undefined || WAV2LIP_WIDTH % width !== 0) {
    const expected = expectedTensors(wav2lipLayout()).filter((t) => t.role !== 'bn-count').map((t) => t.key);
    const missing = expected.filter((k) => !tensors.has(k));
    throw notGenerator(`Missing ${missing.length} of the generator's ${expected.length} weight tensors (e.g. ${describeKeys(missing, 2)}); found ${describeKeys(keys, 3)}.`);
  }
  const layout = wav2lipLayout(width);
  const expected = expectedTensors(layout);
  const expectedKeys = new Set(expected.map((t) => t.key));
  const missing: string[] = [];
  const wrongShape: string[] = [];
  for (const t of expected) {
    const found = tensors.get(t.key);
    if (!found) {
      // Checkpoints from before PyTorch 0.4.1 have no num_batches_tracked; eval mode never reads it.
      if (t.role !== 'bn-count') missing.push(t.key);
      continue;
    }
    const shapeOk = t.role === 'bn-count' ? found.numel === 1 : found.shape.length === t.shape.length && found.shape.every((d, i) => d === t.shape[i]);
    if (!shapeOk) wrongShape.push(`${t.key} is [${found.shape.join(',')}], expected [${t.shape.join(',')}]`);
  }
  const unexpected = keys.filter((k) => !expectedKeys.has(k));
  if (missing.length > 0 || wrongShape.length > 0 || unexpected.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.length} tensors (e.g. ${describeKeys(missing)})` : '',
      wrongShape.length > 0 ? `${wrongShape.length} with the wrong shape (${describeKeys(wrongShape, 2)})` : '',
      unexpected.length > 0 ? `${unexpected.length} unexpected (e.g. ${describeKeys(unexpected)})` : '',
    ].filter(Boolean);
    throw notGenerator(`Compared with the Wav2Lip generator it has ${parts.join(', ')}.`);
  }

  const weights = expected.filter((t) => t.role !== 'bn-count').map((t) => tensors.get(t.key)!);
  const bad = weights.find((t) => t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16');
  if (bad) throw new NotWav2LipError(`The generator's weights must be floating point; found ${bad.dtype}.`);
  const dtype = weights.some((t) => t.dtype === 'float16') ? 'float16' : weights.some((t) => t.dtype === 'bfloat16') ? 'bfloat16' : 'float32';
  const generatorOnly = new Map([...tensors].filter(([k]) => expectedKeys.has(k)));
  return { layout, tensors: generatorOnly, dtype, otherEntries: [...other, ...ignored] };
}
