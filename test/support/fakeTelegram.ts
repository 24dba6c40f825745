import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A fake Telegram Bot API server on 127.0.0.1 for the bot tests: the real telegraf client talks to it through
 * `apiRoot`. It keeps chats, messages, edits, uploaded videos and button answers, lets tests play users
 * (texts, media, albums, button presses), and answers with Telegram's real error shapes:
 *   400 "message is not modified", 400 "message to edit not found", 400 "file is too big",
 *   429 with parameters.retry_after (on request), 413 for uploads over the limit, 401 for a wrong token.
 */

export interface FakeUser {
  id: number;
  first_name: string;
  is_bot?: boolean;
  /** The user's app language, as Telegram reports it ('zh-hans', 'en'…). */
  language_code?: string;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  is_forum?: boolean;
}

type Json = Record<string, unknown>;
type InlineKeyboard = { inline_keyboard: { text: string; callback_data?: string }[][] };

export interface BotMessage {
  message_id: number;
  chatId: number;
  threadId: number | undefined;
  replyTo: number | undefined;
  text: string;
  keyboard: InlineKeyboard | undefined;
  /** Text after each successful edit, in order. */
  edits: { at: number; text: string; keyboard: InlineKeyboard | undefined }[];
}

export interface BotVideo {
  message_id: number;
  chatId: number;
  threadId: number | undefined;
  caption: string | undefined;
  fileName: string;
  path: string;
  bytes: number;
  supportsStreaming: boolean;
  method: 'sendVideo' | 'sendDocument';
}

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
  /** Where the bytes are; null for files that only exist as metadata (e.g. a "30 MB" upload). */
  source: string | null;
}

export interface MediaSpec {
  /** Local file whose bytes the bot downloads, or metadata only via `declaredSize`. */
  file?: string;
  declaredSize?: number;
  fileName?: string;
  mimeType?: string;
  duration?: number;
  width?: number;
  height?: number;
}

export type MediaKind = 'audio' | 'voice' | 'video' | 'video_note' | 'animation' | 'photo' | 'document';

const CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

function ok(res: http.ServerResponse, result: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, result }));
}

function fail(res: http.ServerResponse, code: number, description: string, parameters?: Json): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) }));
}

/** Parses multipart/form-data into text fields and files (enough for telegraf's uploads). */
export function parseMultipart(body: Buffer, contentType: string): { fields: Record<string, string>; files: Record<string, { fileName: string; data: Buffer }> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new Error('multipart without boundary');
  const delimiter = Buffer.from(`--${b}`);
  const fields: Record<string, string> = {};
  const files: Record<string, { fileName: string; data: Buffer }> = {};
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // skip CRLF after the delimiter and before the next one
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString();
    const data = part.subarray(headerEnd + 4);
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name !== undefined) {
      if (fileName !== undefined) files[name] = { fileName, data: Buffer.from(data) };
      else fields[name] = data.toString();
    }
    pos = next;
  }
  return { fields, files };
}

function sameKeyboard(a: InlineKeyboard | undefined, b: InlineKeyboard | undefined): boolean {
  const norm = (k: InlineKeyboard | undefined) => JSON.stringify(k?.inline_keyboard ?? []);
  return norm(a) === norm(b);
}

export class FakeTelegram {
  readonly token = `${100000 + Math.floor(Math.random() * 899999)}:${randomBytes(24).toString('base64url').slice(0, 35)}`;
  readonly bot: FakeUser = { id: 777000111, first_name: 'Lipsync', is_bot: true };
  readonly botUsername = 'lipsync_test_bot';
  readonly calls: { method: string; at: number; params: Json }[] = [];
  readonly messages: BotMessage[] = [];
  readonly videos: BotVideo[] = [];
  readonly callbackAnswers: { id: string; text: string | undefined }[] = [];
  /** Every 429 given to an edit: when, and the retry_after it asked for. */
  readonly rateLimited: { at: number; retryAfter: number }[] = [];
  /** Requests that ignored an active retry_after window. */
  readonly rateLimitViolations: { method: string; at: number }[] = [];
  /** Larger uploads get 413 (Telegram: 50 MB). */
  maxUploadBytes = 50 * 1024 * 1024;
  /** Bot API download limit for getFile (cloud: 20 MB). */
  maxDownloadBytes = CLOUD_DOWNLOAD_LIMIT;
  /** Users who never started a private chat with the bot (or blocked it): messages to their private chat get 403. */
  readonly unreachableUsers = new Set<number>();

  private server!: http.Server;
  private dir = '';
  private updates: Json[] = [];
  private nextUpdateId = 1;
  private nextMessageId = new Map<number, number>();
  private files = new Map<string, StoredFile>();
  private pollers: { offset: number; res: http.ServerResponse; timer: NodeJS.Timeout }[] = [];
  private editLimit: { remaining: number; retryAfter: number } | null = null;
  private blockedUntil = 0;
  private callbackSeq = 1;
  private uploadFailures = 0;
  /** Uploads refused by failUploads, with their captions. */
  readonly failedUploads: { at: number; caption: string | undefined }[] = [];
  /** While an album is being sent, its updates are only queued (see sendAlbum). */
  private holdPolls = false;
  url = '';

  static async start(): Promise<FakeTelegram> {
    const f = new FakeTelegram();
    f.dir = await mkdtemp(path.join(os.tmpdir(), 'fake-telegram-'));
    f.server = http.createServer((req, res) => {
      void f.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) fail(res, 500, `Internal Server Error: ${String(err)}`);
      });
    });
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  async close(): Promise<void> {
    for (const p of this.pollers) {
      clearTimeout(p.timer);
      p.res.destroy();
    }
    this.pollers = [];
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  // ---- test controls ----

  /** The next `count` uploads (sendVideo/sendDocument) fail with a 500 after their bytes arrived, as a flaky Bot API does. */
  failUploads(count: number): void {
    this.uploadFailures = count;
  }

  /** The next `count` edits answer 429 with retry_after = `retryAfterSeconds`. */
  rateLimitEdits(count: number, retryAfterSeconds: number): void {
    this.editLimit = { remaining: count, retryAfter: retryAfterSeconds };
  }

  sendText(from: FakeUser, chat: FakeChat, text: string, opts: { threadId?: number } = {}): number {
    const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    return this.userMessage(from, chat, { text, ...(entities ? { entities } : {}) }, opts.threadId);
  }

  /** A user sends one media message (part of an album when `mediaGroupId` is given). */
  async sendMedia(from: FakeUser, chat: FakeChat, kind: MediaKind, spec: MediaSpec, opts: { caption?: string; mediaGroupId?: string; threadId?: number } = {}): Promise<number> {
    const file = await this.addFile(spec, kind);
    const base = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size };
    let media: Json;
    switch (kind) {
      case 'photo':
        media = { photo: [{ ...base, file_id: `${file.file_id}`, width: spec.width ?? 320, height: spec.height ?? 320 }] };
        break;
      case 'voice':
        media = { voice: { ...base, duration: spec.duration ?? 1, mime_type: spec.mimeType ?? 'audio/ogg' } };
        break;
      case 'video_note':
        media = { video_note: { ...base, duration: spec.duration ?? 1, length: spec.width ?? 240 } };
        break;
      case 'document':
        media = { document: { ...base, file_name: spec.fileName, mime_type: spec.mimeType } };
        break;
      default:
        media = { [kind]: { ...base, duration: spec.duration ?? 1, width: spec.width ?? 320, height: spec.height ?? 320, file_name: spec.fileName, mime_type: spec.mimeType } };
    }
    return this.userMessage(from, chat, { ...media, ...(opts.caption ? { caption: opts.caption } : {}), ...(opts.mediaGroupId ? { media_group_id: opts.mediaGroupId } : {}) }, opts.threadId);
  }

  /**
   * A user sends an album: every item reaches the bot in the same getUpdates answer, as Telegram hands over a freshly
   * sent album. Sending the items one by one instead lets the bot's album quiet time close the album between them
   * whenever the test process is slow.
   */
  async sendAlbum(from: FakeUser, chat: FakeChat, items: { kind: MediaKind; spec: MediaSpec }[], opts: { mediaGroupId: string; caption?: string; threadId?: number }): Promise<number[]> {
    this.holdPolls = true;
    const ids: number[] = [];
    try {
      for (const [i, item] of items.entries()) {
        ids.push(await this.sendMedia(from, chat, item.kind, item.spec, { ...opts, ...(i === 0 ? {} : { caption: undefined }) }));
      }
    } finally {
      this.holdPolls = false;
    }
    this.answerPollers();
    return ids;
  }

  /** A user presses an inline button of one of the bot's messages. */
  pressButton(from: FakeUser, message: BotMessage, data: string): string {
    const id = String(this.callbackSeq++);
    const chat = this.chatOf(message.chatId);
    this.pushUpdate({
      callback_query: {
        id,
        from,
        chat_instance: 'ci',
        data,
        message: {
          message_id: message.message_id,
          date: Math.floor(Date.now() / 1000),
          chat,
          from: this.bot,
          text: message.text,
          ...(message.threadId !== undefined ? { message_thread_id: message.threadId, is_topic_message: true } : {}),
        },
      },
    });
    return id;
  }

  /** The bot's messages in a chat (and topic), oldest first. */
  messagesIn(chatId: number, threadId?: number): BotMessage[] {
    return this.messages.filter((m) => m.chatId === chatId && (threadId === undefined || m.threadId === threadId));
  }

  videosIn(chatId: number): BotVideo[] {
    return this.videos.filter((v) => v.chatId === chatId);
  }

  /** A button of a message by its label (prefix match). */
  button(message: BotMessage, labelStart: string): string {
    const b = message.keyboard?.inline_keyboard.flat().find((x) => x.text.startsWith(labelStart));
    if (!b?.callback_data) throw new Error(`no button "${labelStart}" on message ${message.message_id}: ${JSON.stringify(message.keyboard)}`);
    return b.callback_data;
  }

  /** Everything the bot said anywhere, for token-leak checks. */
  allBotText(): string {
    return JSON.stringify([this.messages, this.videos.map((v) => v.caption), this.callbackAnswers]);
  }

  // ---- internals ----

  private chats = new Map<number, FakeChat>();

  private chatOf(id: number): FakeChat {
    return this.chats.get(id) ?? { id, type: id < 0 ? 'supergroup' : 'private' };
  }

  private messageId(chatId: number): number {
    const n = (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, n);
    return n;
  }

  private userMessage(from: FakeUser, chat: FakeChat, content: Json, threadId?: number): number {
    this.chats.set(chat.id, chat);
    const message_id = this.messageId(chat.id);
    this.pushUpdate({
      message: {
        message_id,
        date: Math.floor(Date.now() / 1000),
        chat,
        from,
        ...(threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {}),
        ...content,
      },
    });
    return message_id;
  }

  private async addFile(spec: MediaSpec, kind: MediaKind): Promise<StoredFile> {
    const id = `F${randomBytes(8).toString('hex')}`;
    let size = spec.declaredSize ?? 0;
    if (spec.file) size = spec.declaredSize ?? (await readFile(spec.file)).length;
    const ext = path.extname(spec.fileName ?? spec.file ?? '') || '.bin';
    const f: StoredFile = { file_id: id, file_unique_id: `U${id}`, file_size: size, file_path: `${kind}s/file_${this.files.size}${ext}`, source: spec.file ?? null };
    this.files.set(id, f);
    return f;
  }

  private pushUpdate(u: Json): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...u });
    if (!this.holdPolls) this.answerPollers();
  }

  private answerPollers(): void {
    const waiting = this.pollers;
    this.pollers = [];
    for (const p of waiting) {
      clearTimeout(p.timer);
      this.answerPoll(p.offset, p.res);
    }
  }

  private answerPoll(offset: number, res: http.ServerResponse): void {
    ok(res, this.updates.filter((u) => (u.update_id as number) >= offset));
  }

  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) return this.serveFile(fileMatch[1]!, decodeURIComponent(fileMatch[2]!), res);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'Not Found');
    const [, token, method] = m as unknown as [string, string, string];
    const body = await this.readBody(req);
    if (token !== this.token) return fail(res, 401, 'Unauthorized');
    const type = req.headers['content-type'] ?? '';
    let params: Json = Object.fromEntries(url.searchParams);
    let files: Record<string, { fileName: string; data: Buffer }> = {};
    if (type.startsWith('application/json') && body.length > 0) params = { ...params, ...(JSON.parse(body.toString()) as Json) };
    else if (type.startsWith('multipart/form-data')) {
      if (body.length > this.maxUploadBytes) return fail(res, 413, 'Request Entity Too Large');
      const parsed = parseMultipart(body, type);
      files = parsed.files;
      params = { ...params, ...parsed.fields };
      for (const k of ['reply_markup', 'reply_parameters']) if (typeof params[k] === 'string') params[k] = JSON.parse(params[k] as string);
    }
    this.calls.push({ method, at: Date.now(), params: method === 'getUpdates' ? {} : params });
    return this.dispatch(method, params, files, req, res);
  }

  private serveFile(token: string, filePath: string, res: http.ServerResponse): void {
    if (token !== this.token) return fail(res, 401, 'Unauthorized');
    const f = [...this.files.values()].find((x) => x.file_path === filePath);
    if (!f?.source) return fail(res, 404, 'Not Found');
    void readFile(f.source).then((data) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(data);
    });
  }

  private async dispatch(method: string, p: Json, files: Record<string, { fileName: string; data: Buffer }>, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    switch (method) {
      case 'getMe':
        return ok(res, { ...this.bot, username: this.botUsername, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
      case 'sendChatAction':
        return ok(res, true);
      case 'getUpdates': {
        const offset = Number(p.offset ?? 0);
        this.updates = this.updates.filter((u) => (u.update_id as number) >= offset);
        if ((this.updates.length > 0 && !this.holdPolls) || Number(p.timeout ?? 0) === 0) return this.answerPoll(offset, res);
        const timer = setTimeout(() => {
          this.pollers = this.pollers.filter((x) => x.res !== res);
          this.answerPoll(offset, res);
        }, Number(p.timeout) * 1000);
        this.pollers.push({ offset, res, timer });
        req.on('close', () => {
          clearTimeout(timer);
          this.pollers = this.pollers.filter((x) => x.res !== res);
        });
        return;
      }
      case 'sendMessage': {
        const chatId = Number(p.chat_id);
        const text = String(p.text ?? '');
        if (!Number.isFinite(chatId)) return fail(res, 400, 'Bad Request: chat not found');
        if (this.unreachableUsers.has(chatId)) return fail(res, 403, "Forbidden: bot can't initiate conversation with a user");
        if (text.trim() === '') return fail(res, 400, 'Bad Request: message text is empty');
        if (text.length > 4096) return fail(res, 400, 'Bad Request: message is too long');
        const threadId = p.message_thread_id === undefined ? undefined : Number(p.message_thread_id);
        const keyboard = p.reply_markup as InlineKeyboard | undefined;
        const replyTo = (p.reply_parameters as { message_id?: number } | undefined)?.message_id;
        const msg: BotMessage = { message_id: this.messageId(chatId), chatId, threadId, replyTo, text, keyboard, edits: [] };
        this.messages.push(msg);
        return ok(res, { message_id: msg.message_id, date: Math.floor(Date.now() / 1000), chat: this.chatOf(chatId), from: this.bot, text, ...(threadId !== undefined ? { message_thread_id: threadId, is_topic_message: true } : {}), ...(keyboard ? { reply_markup: keyboard } : {}) });
      }
      case 'editMessageText': {
        const now = Date.now();
        if (now < this.blockedUntil) {
          this.rateLimitViolations.push({ method, at: now });
          const left = Math.ceil((this.blockedUntil - now) / 1000);
          return fail(res, 429, `Too Many Requests: retry after ${left}`, { retry_after: left });
        }
        if (this.editLimit && this.editLimit.remaining > 0) {
          this.editLimit.remaining--;
          const s = this.editLimit.retryAfter;
          this.blockedUntil = now + s * 1000;
          this.rateLimited.push({ at: now, retryAfter: s });
          return fail(res, 429, `Too Many Requests: retry after ${s}`, { retry_after: s });
        }
        const msg = this.messages.find((x) => x.chatId === Number(p.chat_id) && x.message_id === Number(p.message_id));
        if (!msg) return fail(res, 400, 'Bad Request: message to edit not found');
        const text = String(p.text ?? '');
        const keyboard = p.reply_markup as InlineKeyboard | undefined;
        if (text === msg.text && sameKeyboard(keyboard, msg.keyboard)) {
          return fail(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        }
        msg.text = text;
        msg.keyboard = keyboard && keyboard.inline_keyboard.length > 0 ? keyboard : undefined;
        msg.edits.push({ at: now, text, keyboard: msg.keyboard });
        return ok(res, { message_id: msg.message_id, date: Math.floor(now / 1000), edit_date: Math.floor(now / 1000), chat: this.chatOf(msg.chatId), text });
      }
      case 'answerCallbackQuery':
        this.callbackAnswers.push({ id: String(p.callback_query_id), text: p.text === undefined ? undefined : String(p.text) });
        return ok(res, true);
      case 'getFile': {
        const f = this.files.get(String(p.file_id));
        if (!f) return fail(res, 400, 'Bad Request: invalid file_id');
        if (f.file_size > this.maxDownloadBytes) return fail(res, 400, 'Bad Request: file is too big');
        return ok(res, { file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, file_path: f.file_path });
      }
      case 'sendVideo':
      case 'sendDocument': {
        const field = method === 'sendVideo' ? 'video' : 'document';
        const upload = files[field];
        if (!upload) return fail(res, 400, `Bad Request: there is no ${field} in the request`);
        if (this.uploadFailures > 0) {
          this.uploadFailures--;
          this.failedUploads.push({ at: Date.now(), caption: p.caption === undefined ? undefined : String(p.caption) });
          return fail(res, 500, 'Internal Server Error: upload failed');
        }
        const chatId = Number(p.chat_id);
        const saved = path.join(this.dir, `${this.videos.length + 1}-${path.basename(upload.fileName)}`);
        await writeFile(saved, upload.data);
        const threadId = p.message_thread_id === undefined ? undefined : Number(p.message_thread_id);
        const v: BotVideo = {
          message_id: this.messageId(chatId),
          chatId,
          threadId,
          caption: p.caption === undefined ? undefined : String(p.caption),
          fileName: upload.fileName,
          path: saved,
          bytes: upload.data.length,
          supportsStreaming: String(p.supports_streaming) === 'true',
          method,
        };
        this.videos.push(v);
        return ok(res, { message_id: v.message_id, date: Math.floor(Date.now() / 1000), chat: this.chatOf(chatId), [field]: { file_id: `V${v.message_id}`, file_unique_id: `UV${v.message_id}`, file_size: v.bytes } });
      }
      default:
        return fail(res, 404, 'Not Found');
    }
  }
}

export { waitUntil } from './wait.js';
