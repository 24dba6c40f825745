import type { BaseInteraction, Message } from 'discord.js';
import { matchLocale } from '../../i18n/index.js';
import type { ChatContext } from '../core/incoming.js';
import type { ChatAddress } from '../core/platform.js';
import type { Asker } from './access.js';

interface Where {
  channelId: string;
  /** The thread's parent channel when the channel is a thread. */
  parentId: string | null;
  isThread: boolean;
  guildId: string | null;
}

/** A thread is addressed as (parent channel, thread), so sessions and batches are per thread. */
export function addressOf(w: Where): ChatAddress {
  return w.isThread && w.parentId ? { chatId: w.parentId, threadId: w.channelId } : { chatId: w.channelId };
}

function whereInteraction(i: BaseInteraction): Where {
  const ch = i.channel;
  const isThread = ch?.isThread() ?? false;
  return { channelId: i.channelId ?? '', parentId: isThread && ch && 'parentId' in ch ? (ch.parentId ?? null) : null, isThread, guildId: i.guildId };
}

function roleIdsOf(member: unknown): string[] {
  if (!member || typeof member !== 'object' || !('roles' in member)) return [];
  const roles = (member as { roles: unknown }).roles;
  if (Array.isArray(roles)) return roles.filter((r): r is string => typeof r === 'string');
  if (roles && typeof roles === 'object' && 'cache' in roles) {
    const cache = (roles as { cache: Map<string, unknown> }).cache;
    return [...cache.keys()];
  }
  return [];
}

export function contextOfInteraction(i: BaseInteraction, where: ChatAddress = addressOf(whereInteraction(i))): ChatContext {
  const member = i.member;
  const displayName = member && 'displayName' in member && typeof member.displayName === 'string' ? member.displayName : null;
  return {
    platform: 'discord',
    address: where,
    userId: i.user.id,
    userName: displayName ?? i.user.globalName ?? i.user.username,
    isGroup: i.guildId !== null,
    ...localeOfInteraction(i),
  };
}

/**
 * The user's Discord client language ('zh-CN', 'zh-TW', 'en-US'…) as one of our catalogs; Chinese of any script
 * reads zh-CN (see src/i18n/locale.ts). Absent when we have no catalog for it: the session's or the default applies.
 */
export function localeOfInteraction(i: Pick<BaseInteraction, 'locale'>): { locale?: string } {
  const locale = matchLocale(i.locale);
  return locale ? { locale } : {};
}

export function askerOfInteraction(i: BaseInteraction): Asker {
  return { guildId: i.guildId, roleIds: roleIdsOf(i.member) };
}

export function contextOfMessage(m: Message): ChatContext {
  const ch = m.channel;
  const isThread = ch.isThread();
  const address = addressOf({ channelId: m.channelId, parentId: isThread ? ch.parentId : null, isThread, guildId: m.guildId });
  return {
    platform: 'discord',
    address,
    userId: m.author.id,
    userName: m.member?.displayName ?? m.author.globalName ?? m.author.username,
    isGroup: m.guildId !== null,
    messageId: m.id,
  };
}

export function askerOfMessage(m: Message): Asker {
  return { guildId: m.guildId, roleIds: m.member ? [...m.member.roles.cache.keys()] : [] };
}
