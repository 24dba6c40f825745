import { describe, expect, it } from 'vitest';
import { decodeAction } from '../../../src/bots/core/actions.js';

describe('button data from the chat client is checked before it names anything', () => {
  it('accepts what the core makes', () => {
    expect(decodeAction('k:bm1abcdefabcdefabcdef')).toEqual({ type: 'cancel', batchId: 'bm1abcdefabcdefabcdef' });
    expect(decodeAction('x:123456789012345678:17')).toEqual({ type: 'remove', userId: '123456789012345678', itemId: '17' });
    expect(decodeAction('r:42')).toEqual({ type: 'render', userId: '42' });
  });

  it('refuses ids of the wrong shape or length', () => {
    for (const forged of [
      'k:*',
      'k:b*',
      'k:bm1abc{x}',
      'k:BM1ABCDEFABCDEF',
      `k:b${'a'.repeat(40)}`,
      'k:bm1abcdefabcdef\n',
      'k:../../batch',
      'r:alice',
      'r:-1',
      `r:${'1'.repeat(21)}`,
      'x:42:*',
      'x:42:1234567',
      'c:42 ',
      `r:42${' '.repeat(70)}`,
    ]) {
      expect(decodeAction(forged), forged).toBeNull();
    }
  });
});
