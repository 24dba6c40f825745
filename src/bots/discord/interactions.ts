import { MessageFlags, PermissionFlagsBits, type ButtonInteraction, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type { Logger } from '../../log.js';
import { decodeAction } from '../core/actions.js';
import type { QueuePort } from '../core/batches.js';
import type { ConversationCore } from '../core/conversation.js';
import type { ButtonPress, ChatContext, CommandName } from '../core/incoming.js';
import type { ChatAddress, MessageRef, OutgoingMessage } from '../core/platform.js';
import { wordsFor } from '../core/wording.js';
import { isAllowed, type AccessList } from './access.js';
import { CANCEL, HISTORY, LIPSYNC, STATUS, STUDIO } from './commands.js';
import { toComponents } from './components.js';
import { noMentions, plainText } from './markdown.js';
import { addressOf, askerOfInteraction, contextOfInteraction, localeOfInteraction } from './context.js';
import type { EphemeralScope, EphemeralSink } from './ephemeral.js';
import { handleLipsync, type SlashDeps } from './slash.js';

export interface InteractionDeps extends SlashDeps {
  access: AccessList;
  ephemeral: EphemeralScope;
  queue: QueuePort;
}

const moderator = PermissionFlagsBits.Administrator | PermissionFlagsBits.ManageMessages | PermissionFlagsBits.ManageThreads;

/** Answers of one deferred ephemeral interaction: the first edits the deferred reply, later ones follow up. */
function ephemeralSink(i: ChatInputCommandInteraction | ButtonInteraction, ctx: ChatContext): EphemeralSink {
  let first = true;
  return {
    async send(message: OutgoingMessage): Promise<MessageRef> {
      const body = { content: plainText(message.text), components: toComponents(message.keyboard), allowedMentions: noMentions };
      const sent = first ? await i.editReply(body) : await i.followUp({ ...body, flags: MessageFlags.Ephemeral });
      first = false;
      return { ...ctx.address, messageId: sent.id };
    },
  };
}

/** Answered privately; /lipsync-studio's sign-in link is personal, so it never goes anywhere else. */
const ephemeralCommands: Record<string, CommandName> = { [HISTORY]: 'history', [STATUS]: 'status', [CANCEL]: 'cancel', [STUDIO]: 'studio' };

/** True when a batch's status message (its queue `replyTo`) lives in the channel or thread `where`. */
export function postedIn(replyTo: Record<string, unknown> | null, where: ChatAddress): boolean {
  if (!replyTo || replyTo.platform !== 'discord') return false;
  const thread = replyTo.threadId === undefined || replyTo.threadId === null ? undefined : String(replyTo.threadId);
  return String(replyTo.chatId) === where.chatId && thread === where.threadId;
}

/** Routes slash commands and button presses to the core (or the /lipsync handler). Never throws. */
export async function handleInteraction(deps: InteractionDeps, i: Interaction): Promise<void> {
  try {
    if (i.isChatInputCommand()) return await command(deps, i);
    if (i.isButton()) return await button(deps, i);
  } catch (err) {
    deps.log.error({ err }, 'interaction failed');
    if (i.isRepliable()) {
      const answer = { content: wordsFor(localeOfInteraction(i).locale ?? deps.core.defaultLocale).internalError, flags: MessageFlags.Ephemeral } as const;
      await (i.deferred || i.replied ? i.followUp(answer) : i.reply(answer)).catch(() => undefined);
    }
  }
}

async function command(deps: InteractionDeps, i: ChatInputCommandInteraction): Promise<void> {
  const words = wordsFor(localeOfInteraction(i).locale ?? deps.core.defaultLocale);
  if (!isAllowed(deps.access, askerOfInteraction(i))) return void (await i.reply({ content: words.notAllowed, flags: MessageFlags.Ephemeral }));
  if (i.commandName === LIPSYNC) return handleLipsync(deps, i);
  const name = ephemeralCommands[i.commandName];
  if (!name) return void (await i.reply({ content: words.expiredButton, flags: MessageFlags.Ephemeral }));
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const ctx = { ...contextOfInteraction(i), isGroup: false };
  await deps.ephemeral.run(ephemeralSink(i, ctx), () => deps.core.onCommand(ctx, name));
}

/**
 * A button: acknowledged at once with a private "thinking" reply (Discord's 3 s limit), answered privately.
 * Cancel is allowed to the batch's owner and to server moderators; the queue refuses everyone else politely.
 */
async function button(deps: InteractionDeps, i: ButtonInteraction): Promise<void> {
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  let answered = false;
  const where: MessageRef = { ...addressOf({ channelId: i.channelId, parentId: i.channel?.isThread() ? i.channel.parentId : null, isThread: i.channel?.isThread() ?? false, guildId: i.guildId }), messageId: i.message.id };
  const press: ButtonPress = {
    action: i.customId,
    message: where,
    async answer(text?: string) {
      if (answered) return void (text ? await i.followUp({ content: plainText(text), flags: MessageFlags.Ephemeral, allowedMentions: noMentions }) : undefined);
      answered = true;
      if (text) await i.editReply({ content: plainText(text), allowedMentions: noMentions });
      else await i.deleteReply().catch(() => undefined);
    },
  };
  if (!isAllowed(deps.access, askerOfInteraction(i))) return press.answer(wordsFor(localeOfInteraction(i).locale ?? deps.core.defaultLocale).notAllowed);
  let ctx = contextOfInteraction(i, where);
  const action = decodeAction(i.customId);
  if (action?.type === 'cancel' && i.memberPermissions?.any(moderator)) {
    // Moderators cancel on the owner's behalf (the queue only knows owners and configured admins), but only a
    // batch of this very channel or thread: a moderator of one channel (or a crafted button) cannot reach others.
    const batch = await deps.queue.getBatch(action.batchId);
    if (batch && postedIn(batch.replyTo, where)) ctx = { ...ctx, userId: batch.owner.userId };
  }
  await deps.core.onButton(ctx, press);
  if (!answered) await press.answer();
}
