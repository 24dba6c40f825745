import type { Message } from 'discord.js';
import type { Logger } from '../../log.js';
import type { ConversationCore } from '../core/conversation.js';
import { isAllowed, type AccessList } from './access.js';
import { askerOfMessage, contextOfMessage } from './context.js';
import { toIncomingFile } from './files.js';
import { attachmentOf } from './slash.js';

export interface MessageDeps {
  core: ConversationCore;
  access: AccessList;
  botUserId: () => string | undefined;
  conversations: Set<string>;
  log: Logger;
}

/** Conversational mode listens in threads the bot opened (or was asked to use) and in DMs. */
function isConversation(deps: MessageDeps, m: Message): boolean {
  if (!m.guildId) return true;
  if (deps.conversations.has(m.channelId)) return true;
  return m.channel.isThread() && m.channel.ownerId !== null && m.channel.ownerId === deps.botUserId();
}

/** Files posted in a conversation thread feed the sender's session; "audio" as the text uses a video's sound. */
export async function handleMessage(deps: MessageDeps, m: Message): Promise<void> {
  if (m.author.bot || m.system || !isConversation(deps, m)) return;
  try {
    if (!isAllowed(deps.access, askerOfMessage(m))) return;
    const ctx = contextOfMessage(m);
    if (m.attachments.size === 0) return await deps.core.onText(ctx);
    const files = [...m.attachments.values()].map((a) => toIncomingFile(attachmentOf(a)));
    await deps.core.onFiles(ctx, files, { asAudio: /^\s*audio\s*$/i.test(m.content) });
  } catch (err) {
    deps.log.error({ err }, 'message handling failed');
  }
}
