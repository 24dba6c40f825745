import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A small stand-in for Discord on 127.0.0.1: the REST API under /api/v10 (the routes the bot uses, with
 * Discord's error shapes: 429 with retry_after and rate-limit headers, 413 with code 40005), a JSON gateway
 * WebSocket (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, dispatches) and a CDN serving attachments.
 * The real discord.js Client talks to it through `rest: { api: fake.apiRoot }` and GET /gateway/bot.
 */

const EPOCH = 1420070400000n;
let seq = 0n;
export function snowflake(at = Date.now()): string {
  seq = (seq + 1n) & 0xfffn;
  return String(((BigInt(at) - EPOCH) << 22n) | (1n << 17n) | seq);
}

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
  /** The Discord client's language, sent on the user's interactions ('zh-CN', 'zh-TW'…); en-US when unset. */
  locale?: string;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  components: { type: number; components: { type: number; label?: string; custom_id?: string; style?: number }[] }[];
  attachments: FakeAttachment[];
  flags: number;
  author: FakeUser;
  /** Every content it showed, in order (first = as posted). */
  history: string[];
  /** Set for interaction responses / follow-ups. */
  interaction?: { id: string; ephemeral: boolean };
  deleted?: boolean;
}

export interface FakeThread {
  id: string;
  parent_id: string;
  owner_id: string;
  name: string;
  starterMessageId: string | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  userId: string;
  callbacks: { type: number; flags: number; content?: string }[];
  /** The @original response message, once there is one. */
  original: FakeMessage | null;
  followUps: FakeMessage[];
}

export interface RestCall {
  method: string;
  path: string;
  status: number;
  at: number;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export class FakeDiscord {
  readonly applicationId = snowflake();
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly bot: FakeUser = { id: snowflake(), username: 'lipsync-bot', bot: true };
  readonly token: string;
  /** Application flags returned by GET /applications/@me (default: Message Content intent enabled). */
  appFlags = 1 << 19;
  /** The gateway closes with 4014 on the Message Content intent whatever appFlags say (e.g. access not yet approved). */
  refuseMessageContent = false;
  readonly messages = new Map<string, FakeMessage>();
  readonly threads = new Map<string, FakeThread>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands: { route: string; body: unknown }[] = [];
  readonly calls: RestCall[] = [];
  readonly identifies: { intents: number; token: string }[] = [];
  /** Largest multipart upload accepted per channel (default 25 MiB); larger ones get 413 / 40005. */
  uploadLimit = 25 * 1024 * 1024;
  /** JSON payload of every message the bot posted or edited (and of interaction callbacks), for checks like allowed_mentions. */
  readonly payloads: { method: string; path: string; body: Record<string, unknown> }[] = [];
  /** Authorization headers seen, to check the bot token vs none (interaction webhooks). */
  readonly authHeaders: { path: string; auth: string | undefined }[] = [];
  private pendingEditLimits: { count: number; retryAfter: number } = { count: 0, retryAfter: 0 };
  private readonly files = new Map<string, { data: Buffer; contentType: string }>();
  private readonly sockets = new Set<WebSocket>();
  private s = 0;
  private server!: Server;
  private wss!: WebSocketServer;
  port = 0;

  constructor() {
    // Looks like a real bot token (so log redaction patterns apply) but is random per run.
    this.token = `${Buffer.from(this.bot.id).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('base64url').slice(0, 6)}.${randomBytes(27).toString('base64url').slice(0, 38)}`;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => json(res, 500, { message: String(err), code: 0 }));
    });
    this.wss = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onSocket(ws));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `count` message edits answer 429 with `retry_after` seconds (and bucket headers). */
  rateLimitEdits(count: number, retryAfterSeconds: number): void {
    this.pendingEditLimits = { count, retryAfter: retryAfterSeconds };
  }

  /** Serves a file on the fake CDN and describes it as Discord would. */
  async attachment(file: string | { name: string; data: Buffer }, contentType?: string): Promise<FakeAttachment> {
    const name = typeof file === 'string' ? path.basename(file) : file.name;
    const data = typeof file === 'string' ? await readFile(file) : file.data;
    const id = snowflake();
    const type = contentType ?? guessType(name);
    this.files.set(`${id}/${name}`, { data, contentType: type });
    const url = `http://127.0.0.1:${this.port}/cdn/attachments/${id}/${encodeURIComponent(name)}`;
    return { id, filename: name, size: data.length, url, proxy_url: url, content_type: type };
  }

  // ---- gateway dispatches ----

  /** A slash command; returns the interaction's record (its callbacks and responses fill in as the bot answers). */
  slash(o: { user: FakeUser; name: string; channelId?: string; attachments?: Record<string, FakeAttachment>; strings?: Record<string, string>; attachmentSizeLimit?: number; permissions?: bigint }): InteractionRecord {
    const options = [
      ...Object.entries(o.attachments ?? {}).map(([name, a]) => ({ name, type: 11, value: a.id })),
      ...Object.entries(o.strings ?? {}).map(([name, value]) => ({ name, type: 3, value })),
    ];
    const resolved = Object.fromEntries(Object.values(o.attachments ?? {}).map((a) => [a.id, a]));
    return this.interaction(o.user, 2, o.channelId ?? this.channelId, { id: snowflake(), name: o.name, type: 1, options, ...(options.length ? { resolved: { attachments: resolved } } : {}) }, {
      attachmentSizeLimit: o.attachmentSizeLimit,
      permissions: o.permissions,
    });
  }

  /** A button press on a message. */
  press(o: { user: FakeUser; message: FakeMessage; customId: string; permissions?: bigint }): InteractionRecord {
    return this.interaction(o.user, 3, o.message.channel_id, { custom_id: o.customId, component_type: 2 }, { message: o.message, permissions: o.permissions });
  }

  /** A user's message (with attachments) in a channel or thread. */
  postMessage(o: { user: FakeUser; channelId: string; content?: string; attachments?: FakeAttachment[] }): string {
    const id = snowflake();
    this.dispatch('MESSAGE_CREATE', {
      ...this.messagePayload({ id, channel_id: o.channelId, content: o.content ?? '', components: [], attachments: o.attachments ?? [], flags: 0, author: o.user, history: [] }),
      guild_id: this.guildId,
      member: this.member(o.user, 0n),
    });
    return id;
  }

  /** Messages in a channel or thread, in posting order. */
  channelMessages(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId && !m.deleted && !m.interaction);
  }

  threadsOf(channelId: string): FakeThread[] {
    return [...this.threads.values()].filter((t) => t.parent_id === channelId);
  }

  private interaction(user: FakeUser, type: number, channelId: string, data: object, o: { attachmentSizeLimit?: number | undefined; permissions?: bigint | undefined; message?: FakeMessage }): InteractionRecord {
    const id = snowflake();
    const token = `itok-${randomBytes(24).toString('base64url')}`;
    const rec: InteractionRecord = { id, token, userId: user.id, callbacks: [], original: null, followUps: [] };
    this.interactions.set(token, rec);
    this.lastInteractionChannel.set(id, channelId);
    const thread = this.threads.get(channelId);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      type,
      token,
      version: 1,
      guild_id: this.guildId,
      channel_id: channelId,
      channel: thread ? this.threadPayload(thread) : this.channelPayload(channelId),
      member: this.member(user, o.permissions ?? 0n),
      app_permissions: String((1n << 41n) - 1n),
      locale: user.locale ?? 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { 0: this.guildId },
      context: 0,
      attachment_size_limit: o.attachmentSizeLimit ?? 10 * 1024 * 1024,
      data,
      ...(o.message ? { message: this.messagePayload(o.message) } : {}),
    });
    return rec;
  }

  private member(user: FakeUser, permissions: bigint) {
    return { user: this.userPayload(user), roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, permissions: String(permissions), nick: null };
  }

  private userPayload(u: FakeUser) {
    return { id: u.id, username: u.username, discriminator: '0', global_name: u.username, avatar: null, bot: u.bot ?? false };
  }

  private channelPayload(id: string) {
    return { id, type: 0, guild_id: this.guildId, name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null };
  }

  private threadPayload(t: FakeThread) {
    return {
      id: t.id,
      type: 11,
      guild_id: this.guildId,
      parent_id: t.parent_id,
      owner_id: t.owner_id,
      name: t.name,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
      member_count: 1,
      message_count: 0,
    };
  }

  private messagePayload(m: FakeMessage) {
    return {
      id: m.id,
      channel_id: m.channel_id,
      author: this.userPayload(m.author),
      content: m.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments,
      embeds: [],
      pinned: false,
      type: 0,
      flags: m.flags,
      components: m.components,
      ...(m.interaction ? { application_id: this.applicationId, webhook_id: this.applicationId } : {}),
    };
  }

  private dispatch(t: string, d: unknown): void {
    const payload = JSON.stringify({ op: 0, t, s: ++this.s, d });
    for (const ws of this.sockets) ws.send(payload);
  }

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (msg.op === 2) {
        const d = msg.d as { token: string; intents: number };
        this.identifies.push({ intents: d.intents, token: d.token });
        if (d.token !== this.token && d.token !== `Bot ${this.token}`) return ws.close(4004, 'Authentication failed.');
        const privileged = (1 << 15) /* MessageContent */;
        const allowed = !this.refuseMessageContent && (this.appFlags & ((1 << 19) | (1 << 18))) !== 0;
        if ((d.intents & privileged) !== 0 && !allowed) return ws.close(4014, 'Disallowed intent(s).');
        const send = (t: string, data: unknown) => ws.send(JSON.stringify({ op: 0, t, s: ++this.s, d: data }));
        send('READY', {
          v: 10,
          user: this.userPayload(this.bot),
          guilds: [{ id: this.guildId, unavailable: true }],
          session_id: randomBytes(8).toString('hex'),
          resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
          shard: [0, 1],
          application: { id: this.applicationId, flags: this.appFlags },
        });
        send('GUILD_CREATE', {
          id: this.guildId,
          name: 'Test guild',
          icon: null,
          owner_id: snowflake(),
          roles: [{ id: this.guildId, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false }],
          emojis: [],
          stickers: [],
          features: [],
          member_count: 3,
          members: [],
          channels: [this.channelPayload(this.channelId)],
          threads: [...this.threads.values()].map((t) => this.threadPayload(t)),
          presences: [],
          voice_states: [],
          stage_instances: [],
          guild_scheduled_events: [],
          joined_at: new Date(0).toISOString(),
          large: false,
          unavailable: false,
          premium_tier: 0,
        });
      }
    });
  }

  // ---- REST ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const p = url.pathname;
    const record = (status: number) => this.calls.push({ method, path: p, status, at: Date.now() });
    if (p.startsWith('/cdn/attachments/')) {
      const key = decodeURIComponent(p.slice('/cdn/attachments/'.length));
      const f = this.files.get(key);
      if (!f) return json(res, 404, { message: 'Not found' });
      res.writeHead(200, { 'content-type': f.contentType, 'content-length': String(f.data.length) });
      return void res.end(f.data);
    }
    if (!p.startsWith('/api/v10/')) return json(res, 404, { message: '404: Not Found', code: 0 });
    const route = decodeURIComponent(p.slice('/api/v10'.length));
    this.authHeaders.push({ path: route, auth: req.headers.authorization });
    const body = await readBody(req);
    const ok = (status: number, payload?: unknown, headers?: Record<string, string>) => {
      record(status);
      json(res, status, payload, headers);
    };
    const isBot = req.headers.authorization === `Bot ${this.token}`;
    let m: RegExpExecArray | null;

    if (method === 'GET' && route === '/gateway/bot') {
      if (!isBot) return ok(401, { message: '401: Unauthorized', code: 0 });
      return ok(200, { url: `ws://127.0.0.1:${this.port}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
    }
    if (method === 'GET' && route === '/applications/@me') return ok(200, { id: this.applicationId, name: 'lipsync', flags: this.appFlags, bot_public: false });
    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route)) && (method === 'PUT' || method === 'POST')) {
      const parsed = JSON.parse(body.toString()) as unknown;
      this.commands.push({ route, body: parsed });
      const list = Array.isArray(parsed) ? parsed : [parsed];
      const out = list.map((c: object) => ({ ...c, id: snowflake(), application_id: this.applicationId, version: snowflake() }));
      return ok(200, Array.isArray(parsed) ? out : out[0]);
    }
    if ((m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route)) && method === 'POST') {
      const rec = this.interactions.get(m[2]!);
      if (!rec || rec.id !== m[1]) return ok(404, { message: 'Unknown interaction', code: 10062 });
      const cb = JSON.parse(body.toString()) as { type: number; data?: { flags?: number; content?: string } };
      if (cb.data) this.payloads.push({ method, path: route, body: cb.data as Record<string, unknown> });
      rec.callbacks.push({ type: cb.type, flags: cb.data?.flags ?? 0, ...(cb.data?.content !== undefined ? { content: cb.data.content } : {}) });
      if (cb.type === 4 || cb.type === 5) {
        rec.original = this.store({ channel_id: this.channelOfInteraction(rec), content: cb.data?.content ?? '', flags: cb.data?.flags ?? 0, interaction: { id: rec.id, ephemeral: ((cb.data?.flags ?? 0) & 64) !== 0 } });
      }
      if (url.searchParams.get('with_response') === 'true') {
        return ok(200, { interaction: { id: rec.id, type: 2 }, resource: rec.original ? { type: cb.type, message: this.messagePayload(rec.original) } : { type: cb.type } });
      }
      return ok(204);
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/.exec(route))) {
      const rec = this.interactions.get(m[2]!);
      if (!rec) return ok(404, { message: 'Unknown Webhook', code: 10015 });
      const target = m[3] === '@original' ? rec.original : (rec.followUps.find((f) => f.id === m![3]) ?? null);
      if (!target) return ok(404, { message: 'Unknown Message', code: 10008 });
      if (method === 'DELETE') {
        target.deleted = true;
        return ok(204);
      }
      if (method === 'PATCH') {
        const patch = this.parseMessageBody(req, body);
        this.apply(target, await patch);
      }
      return ok(200, this.messagePayload(target));
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(route)) && method === 'POST') {
      const rec = this.interactions.get(m[2]!);
      if (!rec) return ok(404, { message: 'Unknown Webhook', code: 10015 });
      const b = await this.parseMessageBody(req, body);
      const msg = this.store({ channel_id: this.channelOfInteraction(rec), content: b.content ?? '', flags: b.flags ?? 0, interaction: { id: rec.id, ephemeral: ((b.flags ?? 0) & 64) !== 0 }, components: b.components ?? [] });
      rec.followUps.push(msg);
      return ok(200, this.messagePayload(msg));
    }
    if ((m = /^\/channels\/(\d+)\/typing$/.exec(route)) && method === 'POST') return ok(204);
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(route)) && method === 'POST') {
      if (!isBot) return ok(401, { message: '401: Unauthorized', code: 0 });
      const channelId = m[1]!;
      const b = await this.parseMessageBody(req, body);
      const total = b.files.reduce((n, f) => n + f.size, 0);
      if (total > this.uploadLimit) return ok(413, { message: 'Request entity too large', code: 40005 });
      const attachments = b.files.map((f) => ({ id: snowflake(), filename: f.name, size: f.size, url: '', proxy_url: '', content_type: f.type }));
      const msg = this.store({ channel_id: channelId, content: b.content ?? '', flags: b.flags ?? 0, components: b.components ?? [], attachments });
      return ok(200, this.messagePayload(msg));
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(route)) && method === 'PATCH') {
      if (!isBot) return ok(401, { message: '401: Unauthorized', code: 0 });
      if (this.pendingEditLimits.count > 0) {
        this.pendingEditLimits.count--;
        const ra = this.pendingEditLimits.retryAfter;
        return ok(429, { message: 'You are being rate limited.', retry_after: ra, global: false, code: 0 }, {
          'retry-after': String(ra),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(ra),
          'x-ratelimit-bucket': 'fake-edit-bucket',
          'x-ratelimit-scope': 'user',
        });
      }
      const msg = this.messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1] || msg.deleted) return ok(404, { message: 'Unknown Message', code: 10008 });
      this.apply(msg, await this.parseMessageBody(req, body));
      return ok(200, this.messagePayload(msg));
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(route)) && method === 'POST') return this.createThread(ok, m[1]!, m[2]!, body);
    if ((m = /^\/channels\/(\d+)\/threads$/.exec(route)) && method === 'POST') return this.createThread(ok, m[1]!, null, body);
    return ok(404, { message: `404: Not Found (${method} ${route})`, code: 0 });
  }

  private createThread(ok: (s: number, b?: unknown) => void, channelId: string, starter: string | null, body: Buffer): void {
    if (this.threads.has(channelId)) return ok(400, { message: 'Cannot create a thread inside a thread', code: 50024 });
    const b = JSON.parse(body.toString()) as { name: string };
    const t: FakeThread = { id: starter ?? snowflake(), parent_id: channelId, owner_id: this.bot.id, name: b.name, starterMessageId: starter };
    this.threads.set(t.id, t);
    this.dispatch('THREAD_CREATE', { ...this.threadPayload(t), newly_created: true });
    ok(201, this.threadPayload(t));
  }

  private channelOfInteraction(rec: InteractionRecord): string {
    return (this.lastInteractionChannel.get(rec.id) ?? this.channelId);
  }

  private readonly lastInteractionChannel = new Map<string, string>();

  private store(o: Partial<FakeMessage> & { channel_id: string; content: string }): FakeMessage {
    const msg: FakeMessage = { id: snowflake(), components: [], attachments: [], flags: 0, author: this.bot, history: [o.content], ...o };
    this.messages.set(msg.id, msg);
    return msg;
  }

  private apply(msg: FakeMessage, b: ParsedBody): void {
    if (b.content !== undefined) msg.content = b.content;
    if (b.components !== undefined) msg.components = b.components;
    msg.history.push(msg.content);
  }

  private async parseMessageBody(req: IncomingMessage, body: Buffer): Promise<ParsedBody> {
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
      const payload = form.get('payload_json');
      const parsed = typeof payload === 'string' ? (JSON.parse(payload) as ParsedBody) : ({} as ParsedBody);
      this.payloads.push({ method: req.method ?? '', path: req.url ?? '', body: { ...parsed } });
      const files: ParsedFile[] = [];
      for (const [key, value] of form.entries()) {
        if (key.startsWith('files[') && typeof value !== 'string') files.push({ name: value.name, size: value.size, type: value.type });
      }
      return { ...parsed, files };
    }
    if (body.length === 0) return { files: [] };
    const parsed = JSON.parse(body.toString()) as ParsedBody;
    this.payloads.push({ method: req.method ?? '', path: req.url ?? '', body: { ...parsed } });
    return { ...parsed, files: [] };
  }
}

interface ParsedFile {
  name: string;
  size: number;
  type: string;
}

interface ParsedBody {
  content?: string;
  flags?: number;
  components?: FakeMessage['components'];
  files: ParsedFile[];
}

function guessType(name: string): string {
  const ext = path.extname(name).toLowerCase();
  return (
    { '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.mp4': 'video/mp4', '.png': 'image/png', '.jpg': 'image/jpeg', '.txt': 'text/plain; charset=utf-8', '.pdf': 'application/pdf' }[ext] ??
    'application/octet-stream'
  );
}
