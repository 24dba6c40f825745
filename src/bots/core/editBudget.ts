import type { Clock } from './clock.js';
import type { EditRates } from './platform.js';

export interface EditBudgetOptions extends EditRates {
  clock: Clock;
}

/**
 * One budget of message edits shared by every progress message of a bot, so many concurrent batches never set off
 * 429 storms: a sliding one-second window for the whole bot and a sliding one-minute window per chat. Each
 * message's EditScheduler asks before it edits and is told how long to wait when there is no room.
 */
export class EditBudget {
  private global: number[] = [];
  private readonly chats = new Map<string, number[]>();

  constructor(private readonly options: EditBudgetOptions) {}

  /** Takes one edit for `chatId` and returns 0, or returns how many ms to wait before asking again (nothing taken). */
  take(chatId: string): number {
    const now = this.options.clock.now();
    this.global = this.global.filter((t) => t > now - 1000);
    const chat = (this.chats.get(chatId) ?? []).filter((t) => t > now - 60_000);
    const perChat = this.options.perChatPerMinute(chatId);
    let wait = 0;
    if (this.global.length >= this.options.globalPerSecond) wait = Math.max(wait, this.global[this.global.length - this.options.globalPerSecond]! + 1000 - now);
    if (chat.length >= perChat) wait = Math.max(wait, chat[chat.length - perChat]! + 60_000 - now);
    if (wait > 0) {
      if (chat.length > 0) this.chats.set(chatId, chat);
      else this.chats.delete(chatId);
      return wait;
    }
    this.global.push(now);
    chat.push(now);
    this.chats.set(chatId, chat);
    return 0;
  }
}

