import { describe, expect, it } from 'vitest';
import {
  PickleMalformedError,
  PickleOpcodeError,
  PickleRefusedGlobalError,
  PickleTruncatedError,
  unpickle,
  type PickleValue,
} from '../../../../src/pipeline/model/torch/pickle.js';

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

describe('unpickle', () => {
  it('reads scalars, strings, containers and the memo (protocol 2 and 4 framing)', () => {
    // Python: pickle.dumps({'a': [1, -2, 70000, 2**40, 1.5], 'b': (None, True, False), 'c': b'xy', 'a2': <memo a>}, 4)
    const pkl = bytes(
      [0x80, 4, 0x95, ...u32(60), 0, 0, 0, 0],
      [0x7d, 0x94, 0x28], // EMPTY_DICT MEMOIZE(0) MARK
      [0x8c, 1], 'a',
      [0x5d, 0x94 /* memo 1 */, 0x28, 0x4b, 1, 0x4a, ...u32(-2 >>> 0), 0x4a, ...u32(70000), 0x8a, 6, 0, 0, 0, 0, 0, 1],
      [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x65],
      [0x8c, 1], 'b', [0x4e, 0x88, 0x89, 0x87],
      [0x8c, 1], 'c', [0x43, 2], 'xy',
      [0x8c, 2], 'a2', [0x68, 1],
      [0x75, 0x2e],
    );
    const { value, end } = unpickle(pkl);
    expect(end).toBe(pkl.length);
    const map = value as Map<string, PickleValue>;
    expect([...map.keys()]).toEqual(['a', 'b', 'c', 'a2']);
    expect(map.get('a')).toEqual([1, -2, 70000, 2 ** 40, 1.5]);
    expect(map.get('b')).toEqual([null, true, false]);
    expect(map.get('c')).toEqual(new Uint8Array([0x78, 0x79]));
    expect(map.get('a2')).toBe(map.get('a'));
  });

  it('gives a bigint for an int that does not fit a safe integer, negative ones included', () => {
    const { value } = unpickle(bytes([0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
    expect(value).toBe(0x1950a86a20f9469cfc6cn);
    const neg = unpickle(bytes([0x80, 2, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x2e])).value;
    expect(neg).toBe(-(2n ** 64n));
    expect(unpickle(bytes([0x80, 2, 0x8a, 1, 0xff, 0x2e])).value).toBe(-1);
  });

  it.each([
    ['os', 'system'],
    ['builtins', 'eval'],
    ['posix', 'system'],
    ['subprocess', 'Popen'],
    ['torch', 'load'],
  ])('refuses GLOBAL %s.%s before calling anything', (module, name) => {
    const pkl = bytes([0x80, 2], `c${module}\n${name}\n`, [0x58, ...u32(4)], 'true', [0x85, 0x52, 0x2e]);
    let caught: unknown;
    try {
      unpickle(pkl);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PickleRefusedGlobalError);
    expect((caught as Error).message).toBe(
      `refusing to load: the file asks to run ${module}.${name}; a model checkpoint never needs that`,
    );
  });

  it('refuses STACK_GLOBAL os.system too', () => {
    const pkl = bytes([0x80, 4, 0x8c, 2], 'os', [0x8c, 6], 'system', [0x93, 0x8c, 2], 'id', [0x85, 0x52, 0x2e]);
    expect(() => unpickle(pkl)).toThrow(PickleRefusedGlobalError);
  });

  it('names an unknown opcode', () => {
    expect(() => unpickle(bytes([0x80, 2, 0x69]))).toThrow(PickleOpcodeError);
    expect(() => unpickle(bytes([0x80, 2, 0x69]))).toThrow('unsupported pickle opcode 0x69 at byte 2');
  });

  it('refuses a 4 GB string in a 1 KB pickle as truncated, without allocating it', () => {
    const pkl = new Uint8Array(1024);
    pkl.set([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff]);
    expect(() => unpickle(pkl)).toThrow(PickleTruncatedError);
    const huge = bytes([0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(() => unpickle(huge)).toThrow(PickleTruncatedError);
    expect(() => unpickle(bytes([0x80, 2, 0x4b]))).toThrow(PickleTruncatedError);
  });

  it('refuses stack underflow and a missing memo entry', () => {
    expect(() => unpickle(bytes([0x80, 2, 0x2e]))).toThrow(PickleMalformedError);
    expect(() => unpickle(bytes([0x80, 2, 0x68, 3, 0x2e]))).toThrow(PickleMalformedError);
    expect(() => unpickle(bytes([0x80, 2, 0x75]))).toThrow(PickleMalformedError);
  });

  it('refuses a persistent id when no persistent loader is given', () => {
    expect(() => unpickle(bytes([0x80, 2, 0x4e, 0x51, 0x2e]))).toThrow(PickleMalformedError);
  });
});
