import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction, removalKeyboard, sessionKeyboard } from '../../../src/bots/core/actions.js';
import { addTemplates, beginSubmit, clearSession, emptySession, endSubmit, removeTemplate, setAudio } from '../../../src/bots/core/session.js';
import { sessionKey } from '../../../src/bots/core/sessions.js';

const audio = (p = '/t/a.ogg') => ({ path: p, label: 'voice message', seconds: 12.3 });
const tpl = (n: number) => ({ path: `/t/v${n}.mp4`, label: `video ${n}` });

describe('session state machine', () => {
  it('needs an audio and a template before Render, and refuses a second Render while submitting', () => {
    const s = emptySession();
    expect(beginSubmit(s)).toEqual({ ok: false, reason: 'missing' });
    setAudio(s, audio());
    expect(beginSubmit(s)).toEqual({ ok: false, reason: 'missing' });
    addTemplates(s, [tpl(1)], 10);
    const check = beginSubmit(s);
    expect(check.ok).toBe(true);
    expect(beginSubmit(s)).toEqual({ ok: false, reason: 'busy' });
    const t = endSubmit(s, check.ok ? check.templates : null);
    expect(t.orphaned).toEqual(['/t/v1.mp4']);
    expect(s.templates).toEqual([]);
    expect(s.audio?.path).toBe('/t/a.ogg');
    expect(s.submitting).toBe(false);
  });

  it('a failed submit keeps every input', () => {
    const s = emptySession();
    setAudio(s, audio());
    addTemplates(s, [tpl(1), tpl(2)], 10);
    beginSubmit(s);
    expect(endSubmit(s, null).orphaned).toEqual([]);
    expect(s.templates).toHaveLength(2);
  });

  it('replacing the audio orphans the old file; templates past the limit are skipped', () => {
    const s = emptySession();
    setAudio(s, audio('/t/1.ogg'));
    const r = setAudio(s, audio('/t/2.ogg'));
    expect(r).toEqual({ result: { replaced: true }, orphaned: ['/t/1.ogg'] });
    const a = addTemplates(s, [tpl(1), tpl(2), tpl(3)], 2);
    expect(a.result).toEqual({ added: 2, skipped: 1 });
    expect(a.orphaned).toEqual(['/t/v3.mp4']);
    expect(s.templates.map((t) => t.id)).toEqual(['1', '2']);
  });

  it('removes one template by id and clears everything', () => {
    const s = emptySession();
    setAudio(s, audio());
    addTemplates(s, [tpl(1), tpl(2)], 10);
    expect(removeTemplate(s, '1').result?.label).toBe('video 1');
    expect(removeTemplate(s, '1').result).toBeNull();
    addTemplates(s, [tpl(3)], 10);
    expect(s.templates.map((t) => t.id)).toEqual(['2', '3']);
    const c = clearSession(s);
    expect(c.result.hadAnything).toBe(true);
    expect(c.orphaned.sort()).toEqual(['/t/a.ogg', '/t/v2.mp4', '/t/v3.mp4']);
    expect(clearSession(s).result.hadAnything).toBe(false);
  });

  it('sessions are per user per chat per topic', () => {
    const keys = new Set([
      sessionKey('telegram', '-100', undefined, '1'),
      sessionKey('telegram', '-100', undefined, '2'),
      sessionKey('telegram', '-100', '7', '1'),
      sessionKey('telegram', '5', undefined, '1'),
    ]);
    expect(keys.size).toBe(4);
  });
});

describe('button actions', () => {
  it('round-trips and stays within Telegram’s 64 bytes', () => {
    const actions = [
      { type: 'render', userId: '123456789012' },
      { type: 'remove', userId: '123456789012345678', itemId: '17' },
      { type: 'cancel', batchId: 'bm1abcdefabcdefabcdef' },
    ] as const;
    for (const a of actions) {
      const data = encodeAction(a);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeAction(data)).toEqual(a);
    }
    expect(decodeAction('zz:1')).toBeNull();
    expect(decodeAction('x:1')).toBeNull();
  });

  it('keyboards carry the owner’s id', () => {
    expect(sessionKeyboard('42', 0)[0]?.map((b) => b.action)).toEqual(['r:42', 'c:42']);
    expect(sessionKeyboard('42', 2)[0]).toHaveLength(3);
    const k = removalKeyboard('42', [{ id: '3', path: '/x', label: 'face.mp4' }]);
    expect(k.flat().map((b) => b.action)).toEqual(['x:42:3', 'b:42']);
  });
});
