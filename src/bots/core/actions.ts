import type { TemplateInput } from './session.js';
import type { Keyboard } from './platform.js';
import { words, type Words } from './wording.js';

/**
 * Button actions, encoded short (Telegram allows 64 bytes of callback data). Session buttons carry the owner's
 * user id, so a press by someone else in a group is recognised instead of acting on the wrong session.
 */
export type Action =
  | { type: 'render' | 'clear' | 'list' | 'back'; userId: string }
  | { type: 'remove'; userId: string; itemId: string }
  | { type: 'cancel'; batchId: string };

const codes = { render: 'r', clear: 'c', list: 'l', back: 'b', remove: 'x', cancel: 'k' } as const;
const byCode = new Map<string, Action['type']>(Object.entries(codes).map(([k, v]) => [v, k as Action['type']]));

export function encodeAction(a: Action): string {
  switch (a.type) {
    case 'cancel':
      return `${codes.cancel}:${a.batchId}`;
    case 'remove':
      return `${codes.remove}:${a.userId}:${a.itemId}`;
    default:
      return `${codes[a.type]}:${a.userId}`;
  }
}

/**
 * What ids in button data may look like. Button data comes from the chat client, which anyone can modify, so ids
 * are checked here before they name a Redis key: batch ids as the queue makes them ("b" + base 36), user ids as
 * Telegram and Discord make them (decimal, ≤ 20 digits), template ids as the session numbers them.
 */
const idFormats = {
  batchId: /^b[0-9a-z]{8,32}$/,
  userId: /^\d{1,20}$/,
  itemId: /^\d{1,6}$/,
} as const;

/** Telegram's limit for callback data; nothing we encode is longer. */
const MAX_ACTION_BYTES = 64;

/** The action a button carries, or null when it is unknown, malformed or carries an id of the wrong shape. */
export function decodeAction(data: string): Action | null {
  if (data.length > MAX_ACTION_BYTES) return null;
  const [code, a, b, ...rest] = data.split(':');
  const type = byCode.get(code ?? '');
  if (!type || !a || rest.length > 0) return null;
  if (type === 'cancel') return b === undefined && idFormats.batchId.test(a) ? { type, batchId: a } : null;
  if (!idFormats.userId.test(a)) return null;
  if (type === 'remove') return b && idFormats.itemId.test(b) ? { type, userId: a, itemId: b } : null;
  return b === undefined ? { type, userId: a } : null;
}

/** Render / Clear / Remove… under an acknowledgement. */
export function sessionKeyboard(userId: string, templates: number, w: Words = words): Keyboard {
  const row: Keyboard[number] = [
    { label: w.buttons.render, action: encodeAction({ type: 'render', userId }) },
    { label: w.buttons.clear, action: encodeAction({ type: 'clear', userId }) },
  ];
  if (templates > 0) row.push({ label: w.buttons.remove, action: encodeAction({ type: 'list', userId }) });
  return [row];
}

/** One button per template to remove it, and Back. */
export function removalKeyboard(userId: string, templates: readonly TemplateInput[], w: Words = words): Keyboard {
  return [
    ...templates.map((t, i) => [{ label: w.buttons.removeItem(i, t.label), action: encodeAction({ type: 'remove', userId, itemId: t.id }) }]),
    [{ label: w.buttons.back, action: encodeAction({ type: 'back', userId }) }],
  ];
}

export function cancelKeyboard(batchId: string, w: Words = words): Keyboard {
  return [[{ label: w.buttons.cancel, action: encodeAction({ type: 'cancel', batchId }) }]];
}
