import { escapeMarkdown } from 'discord.js';

const url = /https?:\/\/\S+/g;

/**
 * The core's text is plain (Telegram shows it as is), but Discord renders markdown: a file or user name like
 * `**@everyone**.mp4` or `[x](https://…)` would be formatted. Everything is escaped except links, which must stay
 * byte for byte (a backslash in a signed URL would break it).
 */
export function plainText(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(url)) {
    out += escapeSegment(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + escapeSegment(text.slice(last));
}

/** Brackets too: the URL of a masked link `[x](https://…)` is kept as is, so its label must not form one. */
function escapeSegment(text: string): string {
  return escapeMarkdown(text, { heading: true }).replace(/[[\]]/g, '\\$&');
}

/** No pings from anything the bot posts or edits, whatever the text contains (@everyone, <@id>, <@&role>). */
export const noMentions = { parse: [] as [] };
