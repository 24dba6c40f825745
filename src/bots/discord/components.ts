import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { headUtf16 } from '../../format.js';
import { decodeAction } from '../core/actions.js';
import type { Keyboard } from '../core/platform.js';

const MAX_ROWS = 5;
const MAX_PER_ROW = 5;
const MAX_LABEL = 80;

/**
 * The core's keyboard as Discord button rows: Discord allows 5 rows of 5 buttons, so long single-button rows
 * (the template removal list) are packed side by side. The button's custom_id is the core's action string.
 */
export function toComponents(keyboard: Keyboard | undefined): APIActionRowComponent<APIButtonComponent>[] {
  const buttons = (keyboard ?? []).flat();
  const singles = (keyboard ?? []).every((row) => row.length <= 1);
  const rows: Keyboard = singles ? chunk(buttons, MAX_PER_ROW) : (keyboard ?? []).flatMap((row) => chunk(row, MAX_PER_ROW));
  return rows.slice(0, MAX_ROWS).map((row) => ({
    type: ComponentType.ActionRow,
    components: row.map((b) => ({
      type: ComponentType.Button,
      style: decodeAction(b.action)?.type === 'cancel' ? ButtonStyle.Danger : decodeAction(b.action)?.type === 'render' ? ButtonStyle.Primary : ButtonStyle.Secondary,
      label: headUtf16(b.label, MAX_LABEL),
      custom_id: b.action,
    })),
  }));
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
