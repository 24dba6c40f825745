import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { floatToHalf, halfToFloat } from '../../../../src/pipeline/model/half.js';
import {
  CheckpointFormatError,
  TorchTensorRef,
  openTorchCheckpoint,
  type PickleValue,
} from '../../../../src/pipeline/model/torch/checkpoint.js';
import {
  parameter,
  tensor,
  view,
  writeTorchCheckpoint,
  type PyKey,
  type PyValue,
  type StorageSpec,
} from '../../../support/torchCheckpointWriter.js';

const FIXTURES = join(import.meta.dirname, '../../../fixtures/torch-reader');
const MARKER = '/tmp/lipsync-torch-reader-pwned';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'torch-reader-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ramp(n: number, scale = 8): Float32Array {
  return Float32Array.from({ length: n }, (_, k) => (k - Math.floor(n / 2)) / scale);
}

function get(v: PickleValue, ...path: (string | number)[]): PickleValue {
  let cur = v;
  for (const key of path) {
    if (cur instanceof Map) cur = cur.get(key) as PickleValue;
    else if (Array.isArray(cur)) cur = (cur as readonly PickleValue[])[key as number]!;
    else throw new Error(`cannot index ${String(key)}`);
  }
  return cur;
}

function asTensor(v: PickleValue): TorchTensorRef {
  expect(v).toBeInstanceOf(TorchTensorRef);
  return v as TorchTensorRef;
}

/** A training checkpoint like Wav2Lip's: state dict, Adam state, step counters. */
function trainingCheckpoint(dtype: 'float32' | 'float16'): { root: PyValue; weights: Float32Array; bias: Float32Array } {
  const weights = ramp(4 * 2 * 3 * 3);
  const bias = Float32Array.from([0.5, -0.25, 3, 1e-3]);
  let produced = 0;
  const stateDict = new Map<PyKey, PyValue>([
    ['module.conv.weight', tensor({ dtype, shape: [4, 2, 3, 3], data: () => (produced++, weights) })],
    ['module.conv.bias', tensor({ dtype, shape: [4], data: bias })],
    ['module.bn.num_batches_tracked', tensor({ dtype: 'int64', shape: [], data: BigInt64Array.of(123456789012n) })],
  ]);
  const metadata = new Map<PyKey, PyValue>([['', new Map<PyKey, PyValue>([['version', 1]])]]);
  const adamState = (n: number): PyValue =>
    new Map<PyKey, PyValue>([
      ['step', tensor({ dtype: 'float32', shape: [], data: Float32Array.of(10) })],
      ['exp_avg', tensor({ dtype: 'float32', shape: [n], data: ramp(n, 64) })],
      ['exp_avg_sq', tensor({ dtype: 'float32', shape: [n], data: ramp(n, 256) })],
    ]);
  const root = new Map<PyKey, PyValue>([
    ['state_dict', { ordered: stateDict, metadata }],
    [
      'optimizer',
      new Map<PyKey, PyValue>([
        ['state', new Map<PyKey, PyValue>([[0, adamState(72)], [1, adamState(4)]])],
        [
          'param_groups',
          [
            new Map<PyKey, PyValue>([
              ['lr', { float: 1 }],
              ['betas', { tuple: [0.9, 0.999] }],
              ['eps', 1e-8],
              ['weight_decay', 0],
              ['amsgrad', false],
              ['params', [0, 1]],
            ]),
          ],
        ],
      ]),
    ],
    ['global_step', 2 ** 40],
    ['global_epoch', 17],
  ]);
  void produced;
  return { root, weights, bias };
}

describe.each(['zip', 'legacy'] as const)('round trip through the %s format', (format) => {
  it('keeps a training checkpoint: keys, numbers, float32 and int64 tensors, optimizer state', async () => {
    const path = join(dir, `train-${format}.pth`);
    const { root, weights, bias } = trainingCheckpoint('float32');
    await writeTorchCheckpoint(path, root, { format, archiveName: 'wav2lip' });
    const ckpt = await openTorchCheckpoint(path);
    try {
      expect(ckpt.format).toBe(format);
      const sd = get(ckpt.root, 'state_dict') as Map<string, PickleValue>;
      expect([...sd.keys()]).toEqual(['module.conv.weight', 'module.conv.bias', 'module.bn.num_batches_tracked']);
      const w = asTensor(sd.get('module.conv.weight')!);
      expect(w.dtype).toBe('float32');
      expect(w.shape).toEqual([4, 2, 3, 3]);
      expect(w.stride).toEqual([18, 9, 3, 1]);
      expect(w.numel).toBe(72);
      expect(await ckpt.readFloat32(w)).toEqual(weights);
      expect(await ckpt.readFloat32(asTensor(sd.get('module.conv.bias')!))).toEqual(bias);
      const nbt = asTensor(sd.get('module.bn.num_batches_tracked')!);
      expect(nbt.dtype).toBe('int64');
      expect(nbt.shape).toEqual([]);
      await expect(ckpt.readFloat32(nbt)).rejects.toThrow(CheckpointFormatError);
      expect(get(ckpt.root, 'global_step')).toBe(2 ** 40);
      expect(get(ckpt.root, 'global_epoch')).toBe(17);
      const group = get(ckpt.root, 'optimizer', 'param_groups', 0) as Map<string, PickleValue>;
      expect(group.get('betas')).toEqual([0.9, 0.999]);
      expect(group.get('lr')).toBe(1);
      expect(group.get('params')).toEqual([0, 1]);
      const state = get(ckpt.root, 'optimizer', 'state') as Map<PickleValue, PickleValue>;
      expect([...state.keys()]).toEqual([0, 1]);
      const expAvg = asTensor(get(ckpt.root, 'optimizer', 'state', 1, 'exp_avg'));
      expect(await ckpt.readFloat32(expAvg)).toEqual(ramp(4, 64));
      expect(await ckpt.readFloat32(asTensor(get(ckpt.root, 'optimizer', 'state', 0, 'step')))).toEqual(
        Float32Array.of(10),
      );
    } finally {
      await ckpt.close();
    }
  });

  it('widens float16 exactly', async () => {
    const path = join(dir, `half-${format}.pth`);
    const values = Float32Array.from([0, -0, 1, -2.5, 65504, 6e-8, 1 / 3, Infinity, 1e-3, 12345.678]);
    const expected = values.map((v) => halfToFloat(floatToHalf(v)));
    await writeTorchCheckpoint(
      path,
      { ordered: new Map<PyKey, PyValue>([['w', parameter({ dtype: 'float16', shape: [2, 5], data: values })]]) },
      { format },
    );
    const ckpt = await openTorchCheckpoint(path);
    const w = asTensor(get(ckpt.root, 'w'));
    expect(w.dtype).toBe('float16');
    expect(w.requiresGrad).toBe(true);
    expect(await ckpt.readFloat32(w)).toEqual(expected);
    await ckpt.close();
  });

  it('honours storage offsets and non-contiguous strides of views into one shared storage', async () => {
    const path = join(dir, `views-${format}.pth`);
    // base = arange(12).reshape(3, 4)
    const base: StorageSpec = { dtype: 'float32', numel: 12, data: () => Float32Array.from({ length: 12 }, (_, k) => k) };
    const many = Array.from({ length: 12 }, (_, k) => tensor({ dtype: 'float32', shape: [1], data: Float32Array.of(k + 100) }));
    await writeTorchCheckpoint(
      path,
      {
        ordered: new Map<PyKey, PyValue>([
          ['base', view(base, { shape: [3, 4] })],
          ['transposed', view(base, { shape: [4, 3], stride: [1, 4] })],
          ['sliced', view(base, { offset: 5, shape: [2, 2], stride: [4, 1] })],
          ['column', view(base, { offset: 2, shape: [3], stride: [4] })],
          ['many', many],
        ]),
      },
      { format },
    );
    const ckpt = await openTorchCheckpoint(path);
    const t = (k: string): TorchTensorRef => asTensor(get(ckpt.root, k));
    expect(t('transposed').storage).toBe(t('base').storage);
    expect(await ckpt.readFloat32(t('base'))).toEqual(Float32Array.from({ length: 12 }, (_, k) => k));
    expect(Array.from(await ckpt.readFloat32(t('transposed')))).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(t('sliced').storageOffset).toBe(5);
    expect(Array.from(await ckpt.readFloat32(t('sliced')))).toEqual([5, 6, 9, 10]);
    expect(Array.from(await ckpt.readFloat32(t('column')))).toEqual([2, 6, 10]);
    // More than ten storages: the legacy key list is in string order ('10970' < '1997'), not in pickle order.
    for (let k = 0; k < 12; k++) {
      expect(Array.from(await ckpt.readFloat32(asTensor(get(ckpt.root, 'many', k))))).toEqual([k + 100]);
    }
    await ckpt.close();
  });
});

describe('real PyTorch 1.13 checkpoints (made by test/fixtures/torch-reader/make_real_torch.py)', () => {
  it.each(['real-zip-f32.pth', 'real-legacy-f32.pth', 'real-zip-f16.pth', 'real-legacy-f16.pth'])('%s', async (name) => {
    const ckpt = await openTorchCheckpoint(join(FIXTURES, name));
    try {
      expect(ckpt.format).toBe(name.includes('zip') ? 'zip' : 'legacy');
      const sd = get(ckpt.root, 'state_dict') as Map<string, PickleValue>;
      expect([...sd.keys()]).toEqual([
        'module.conv.weight',
        'module.conv.bias',
        'module.bn.weight',
        'module.bn.bias',
        'module.bn.running_mean',
        'module.bn.running_var',
        'module.bn.num_batches_tracked',
      ]);
      const half = name.includes('f16');
      for (const key of ['module.conv.weight', 'module.conv.bias', 'module.bn.weight', 'module.bn.bias']) {
        const w = asTensor(sd.get(key)!);
        expect(w.dtype).toBe(half ? 'float16' : 'float32');
        expect(await ckpt.readFloat32(w)).toEqual(ramp(w.numel));
      }
      expect(asTensor(sd.get('module.conv.weight')!).shape).toEqual([4, 2, 3, 3]);
      expect(Array.from(await ckpt.readFloat32(asTensor(sd.get('module.bn.running_mean')!)))).toEqual([0.5, -0.25, 1, 2]);
      expect(asTensor(sd.get('module.bn.num_batches_tracked')!).dtype).toBe('int64');
      expect(get(ckpt.root, 'global_step')).toBe(1234);
      const group = get(ckpt.root, 'optimizer', 'param_groups', 0) as Map<string, PickleValue>;
      expect(group.get('betas')).toEqual([0.5, 0.999]);
      expect(group.get('params')).toEqual([0, 1, 2, 3]);
      expect(await ckpt.readFloat32(asTensor(get(ckpt.root, 'optimizer', 'state', 0, 'step')))).toEqual(Float32Array.of(1));
      expect(asTensor(get(ckpt.root, 'optimizer', 'state', 0, 'exp_avg')).shape).toEqual([4, 2, 3, 3]);
      expect(Array.from(await ckpt.readFloat32(asTensor(get(ckpt.root, 'extras', 'transposed'))))).toEqual([
        0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11,
      ]);
      expect(Array.from(await ckpt.readFloat32(asTensor(get(ckpt.root, 'extras', 'sliced'))))).toEqual([5, 6, 9, 10]);
      const param = asTensor(get(ckpt.root, 'extras', 'param'));
      expect(param.requiresGrad).toBe(true);
      expect(Array.from(await ckpt.readFloat32(param))).toEqual([1.5, -2]);
    } finally {
      await ckpt.close();
    }
  });
});

describe('hostile and broken files', () => {
  beforeEach(async () => {
    await rm(MARKER, { force: true });
  });

  async function refusal(path: string): Promise<CheckpointFormatError> {
    const error = await openTorchCheckpoint(path).then(
      async (c) => {
        await c.close();
        throw new Error('opened');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointFormatError);
    return error as CheckpointFormatError;
  }

  it.each([
    ['hostile-system-legacy.pth', 'posix.system'],
    ['hostile-system-zip.pth', 'posix.system'],
    ['hostile-eval-zip.pth', 'builtins.eval'],
  ])('refuses %s made by Python pickle, executing nothing', async (name, global) => {
    const error = await refusal(join(FIXTURES, name));
    expect(error.message).toContain(`refusing to load: the file asks to run ${global}`);
    expect(existsSync(MARKER)).toBe(false);
  });

  it.each([
    ['os', 'system'],
    ['builtins', 'eval'],
    ['posix', 'system'],
    ['subprocess', 'Popen'],
  ] as const)('refuses a checkpoint whose state dict calls %s.%s', async (module, name) => {
    for (const format of ['zip', 'legacy'] as const) {
      const path = join(dir, `hostile-${module}-${format}.pth`);
      const payload: PyValue = { global: [module, name], args: [`touch ${MARKER}`] };
      const sd = new Map<PyKey, PyValue>([
        ['w', tensor({ dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) })],
        ['evil', payload],
      ]);
      await writeTorchCheckpoint(path, { ordered: sd }, { format });
      const error = await refusal(path);
      expect(error.message).toContain(`refusing to load: the file asks to run ${module}.${name}`);
      expect(existsSync(MARKER)).toBe(false);
    }
  });

  it('refuses files that are not checkpoints', async () => {
    const empty = join(dir, 'empty.pth');
    await writeFile(empty, '');
    expect((await refusal(empty)).message).toContain('this is not a PyTorch checkpoint (.pth) file');
    const random = join(dir, 'random.pth');
    await writeFile(random, randomBytes(4096));
    expect((await refusal(random)).message).toContain('this is not a PyTorch checkpoint (.pth) file');
    const pickleish = join(dir, 'pickleish.pth');
    await writeFile(pickleish, Buffer.concat([Buffer.from([0x80, 2, 0x4b, 7, 0x2e]), randomBytes(100)]));
    expect((await refusal(pickleish)).message).toContain('wrong magic number');
    const png = join(dir, 'face.pth');
    await copyFile(join(import.meta.dirname, '../../../fixtures/face-astronaut-320.png'), png);
    expect((await refusal(png)).message).toContain('this is not a PyTorch checkpoint (.pth) file');
  });

  it('refuses a zip without data.pkl', async () => {
    const path = join(dir, 'nopkl.pth');
    await writeTorchCheckpoint(path, { ordered: new Map() }, { format: 'zip' });
    const bytes = await readFile(path);
    // Rename the entry in both the local header and the central directory.
    const patched = Buffer.from(bytes.toString('latin1').replaceAll('archive/data.pkl', 'archive/other.pk'), 'latin1');
    await writeFile(path, patched);
    expect((await refusal(path)).message).toContain('no data.pkl');
  });

  it.each(['zip', 'legacy'] as const)('refuses a %s checkpoint truncated in the header, the pickle or the storages', async (format) => {
    const path = join(dir, `whole-${format}.pth`);
    const big = ramp(1000);
    await writeTorchCheckpoint(
      path,
      {
        ordered: new Map<PyKey, PyValue>([
          ['a', tensor({ dtype: 'float32', shape: [1000], data: big })],
          ['b', tensor({ dtype: 'float32', shape: [1000], data: big })],
        ]),
      },
      { format },
    );
    const whole = await readFile(path);
    const cuts = [3, 20, 60, 150, 300, whole.length - 2000, whole.length - 100, whole.length - 1];
    for (const cut of cuts) {
      const cutPath = join(dir, `cut-${format}-${cut}.pth`);
      await writeFile(cutPath, whole.subarray(0, cut));
      const error = await refusal(cutPath);
      expect(error.message).toMatch(/not a PyTorch checkpoint|truncated|beyond the end/);
    }
    // Cut inside the storages of a legacy file: the message names the storage and the end of the file.
    if (format === 'legacy') {
      const cutPath = join(dir, 'cut-legacy-storage.pth');
      await copyFile(path, cutPath);
      await truncate(cutPath, whole.length - 10);
      expect((await refusal(cutPath)).message).toMatch(/truncated at byte \d+: storage \d+ lies beyond the end of the file/);
    }
  });

  it.each(['zip', 'legacy'] as const)('refuses a %s storage whose declared size lies beyond the end', async (format) => {
    const path = join(dir, `oversize-${format}.pth`);
    // The pickle declares 4 elements; patch the declared numel to 10^9.
    const storage: StorageSpec = { dtype: 'float32', numel: 4, data: Float32Array.of(1, 2, 3, 4) };
    await writeTorchCheckpoint(path, { ordered: new Map<PyKey, PyValue>([['w', view(storage, { shape: [4] })]]) }, { format });
    const bytes = await readFile(path);
    // 'X\x03\x00\x00\x00cpuK\x04' (location 'cpu', numel 4) becomes an empty location and BININT 10^9: same length.
    const needle = Buffer.from('X\x03\x00\x00\x00cpuK\x04', 'latin1');
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    const patch = Buffer.alloc(needle.length);
    patch.set([0x58, 0, 0, 0, 0, 0x4a]);
    patch.writeInt32LE(1_000_000_000, 6);
    patch.copy(bytes, at);
    await writeFile(path, bytes);
    const error = await refusal(path);
    expect(error.message).toMatch(format === 'zip' ? /storage 0 is shorter in the file/ : /storage \d+ holds 4 values/);
  });
});
