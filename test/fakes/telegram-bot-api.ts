/**
 * A local fake of the Telegram Bot API, written for Harvest's tests: the
 * methods the bridge uses (getMe, deleteWebhook, getUpdates with long
 * polling, sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup,
 * answerCallbackQuery, setMyCommands) at /bot<token>/<method>, JSON and
 * multipart bodies, in the real response shapes (typed with grammY's Bot API
 * types, and checked at run time against test/fixtures/telegram). Tests play
 * the friends: `say` and `press` queue updates; `sent` is what the bot sent.
 * `mode` simulates an outage: 'hang' holds every request open, 'error500'
 * answers 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Chat, InlineKeyboardMarkup, Message, Update, User, UserFromGetMe } from 'grammy/types';

export interface FakeUser {
  id: number;
  first_name: string;
}

/** One message the bot sent (or edited), as a friend's phone would show it. */
export interface SentMessage {
  method: 'sendMessage' | 'sendPhoto' | 'editMessageText';
  chatId: number;
  messageId: number;
  text: string;
  buttons: { text: string; data: string }[];
  photoBytes: number;
}

export interface ServedResponse {
  method: string;
  status: number;
  body: unknown;
}

type Mode = 'ok' | 'hang' | 'error500';

const nowSec = (): number => Math.floor(Date.now() / 1000);

export class FakeTelegramApi {
  mode: Mode = 'ok';
  readonly sent: SentMessage[] = [];
  readonly served: ServedResponse[] = [];
  readonly callbackAnswers: { id: string; text: string | null }[] = [];
  commands: { command: string; description: string }[] = [];
  private readonly updates: Update[] = [];
  private nextUpdateId = 500_000_001;
  private nextMessageId = 1;
  private waiters: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly messages = new Map<number, Message>();
  readonly bot: UserFromGetMe;

  private constructor(
    private readonly server: Server,
    readonly token: string,
    readonly apiRoot: string,
    botUsername: string,
  ) {
    this.bot = {
      id: 7_000_000_001,
      is_bot: true,
      first_name: 'Harvest',
      username: botUsername,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    } as UserFromGetMe;
  }

  static async start(token: string, botUsername = 'harvest_friends_bot'): Promise<FakeTelegramApi> {
    let fake: FakeTelegramApi | null = null;
    const server = createServer((req, res) => void fake!.handle(req, res));
    server.on('connection', (s) => {
      fake?.sockets.add(s);
      s.on('close', () => fake?.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    fake = new FakeTelegramApi(server, token, `http://127.0.0.1:${port}`, botUsername);
    return fake;
  }

  /** A friend sends a text message in their private chat with the bot. */
  say(from: FakeUser, text: string, chatType: Chat['type'] = 'private'): void {
    const chat =
      chatType === 'private'
        ? ({ id: from.id, type: 'private', first_name: from.first_name } as Chat.PrivateChat)
        : ({ id: -from.id, type: 'group', title: 'Friends' } as Chat.GroupChat);
    const message = {
      message_id: this.nextMessageId++,
      from: this.user(from),
      chat,
      date: nowSec(),
      text,
      ...(text.startsWith('/')
        ? { entities: [{ offset: 0, length: text.split(/\s/u)[0]!.length, type: 'bot_command' as const }] }
        : {}),
    } as Update['message'] & object;
    this.push({ update_id: this.nextUpdateId++, message });
  }

  /** A friend presses an inline button (callback_data) under one of the bot's messages. */
  press(from: FakeUser, messageId: number, data: string): string {
    const message = this.messages.get(messageId);
    const id = String(this.nextUpdateId);
    this.push({
      update_id: this.nextUpdateId++,
      callback_query: {
        id,
        from: this.user(from),
        ...(message ? { message } : {}),
        chat_instance: `-${from.id}000`,
        data,
      },
    } as Update);
    return id;
  }

  /** What the bot sent to one chat, in order. */
  to(chatId: number): SentMessage[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }

  /** Waits (real time) until `pred` holds; fails with what was sent so far. */
  async waitFor<T>(what: string, pred: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}; sent: ${JSON.stringify(this.sent.map((m) => [m.chatId, m.text]))}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.mode = 'ok';
    for (const w of this.waiters.splice(0)) w();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- HTTP -------------------------------------------------------------------

  private user(u: FakeUser): User {
    return { id: u.id, is_bot: false, first_name: u.first_name, language_code: 'en' };
  }

  private push(u: Update): void {
    this.updates.push(u);
    for (const w of this.waiters.splice(0)) w();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/u.exec(req.url?.split('?')[0] ?? '');
    if (this.mode === 'hang') return; // held open until the client gives up or the fake closes
    if (!m) return this.reply(res, 'unknown', 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m as unknown as [string, string, string];
    if (this.mode === 'error500')
      return this.reply(res, method, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
    if (token !== this.token)
      return this.reply(res, method, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const body = await readBody(req);
    const result = await this.method(method, body);
    if (result === undefined)
      return this.reply(res, method, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    if (res.destroyed) return;
    this.reply(res, method, 200, {
      ok: true,
      result,
      ...(method === 'deleteWebhook' ? { description: 'Webhook is already deleted' } : {}),
    });
  }

  private reply(res: ServerResponse, method: string, status: number, body: unknown): void {
    this.served.push({ method, status, body });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async method(method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return this.bot;
      case 'deleteWebhook':
      case 'setMyCommands':
        if (method === 'setMyCommands') this.commands = p['commands'] as typeof this.commands;
        return true;
      case 'getUpdates':
        return this.getUpdates(Number(p['offset'] ?? 0), Number(p['timeout'] ?? 0));
      case 'answerCallbackQuery':
        this.callbackAnswers.push({
          id: String(p['callback_query_id']),
          text: (p['text'] as string | undefined) ?? null,
        });
        return true;
      case 'sendMessage':
      case 'sendPhoto':
        return this.send(method, p);
      case 'editMessageText':
      case 'editMessageReplyMarkup':
        return this.edit(method, p);
      default:
        return undefined;
    }
  }

  private async getUpdates(offset: number, timeoutSec: number): Promise<Update[]> {
    // Updates below the offset are confirmed and forgotten, as Telegram does.
    while (this.updates.length > 0 && this.updates[0]!.update_id < offset) this.updates.shift();
    if (this.updates.length === 0 && timeoutSec > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutSec * 1000);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.updates.filter((u) => u.update_id >= offset).slice(0, 100);
  }

  private chatOf(chatId: number): Chat {
    return chatId < 0
      ? ({ id: chatId, type: 'group', title: 'Friends' } as Chat.GroupChat)
      : ({ id: chatId, type: 'private', first_name: 'Friend' } as Chat.PrivateChat);
  }

  private send(method: 'sendMessage' | 'sendPhoto', p: Record<string, unknown>): Message {
    const chatId = Number(p['chat_id']);
    const markup = parseMarkup(p['reply_markup']);
    const base = {
      message_id: this.nextMessageId++,
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat: this.chatOf(chatId),
      date: nowSec(),
    };
    let message: Message;
    let photoBytes = 0;
    if (method === 'sendPhoto') {
      photoBytes = p['__photoBytes'] as number;
      message = {
        ...base,
        photo: [
          {
            file_id: `photo-${base.message_id}-s`,
            file_unique_id: `u${base.message_id}s`,
            width: 90,
            height: 90,
            file_size: Math.ceil(photoBytes / 8),
          },
          {
            file_id: `photo-${base.message_id}`,
            file_unique_id: `u${base.message_id}`,
            width: 360,
            height: 360,
            file_size: photoBytes,
          },
        ],
        ...(p['caption'] !== undefined ? { caption: String(p['caption']) } : {}),
      } as Message.PhotoMessage;
    } else {
      message = {
        ...base,
        text: String(p['text']),
        ...(markup ? { reply_markup: markup } : {}),
      } as Message.TextMessage;
    }
    this.messages.set(message.message_id, message);
    this.sent.push({
      method,
      chatId,
      messageId: message.message_id,
      text: String(p['text'] ?? p['caption'] ?? ''),
      buttons: (markup?.inline_keyboard ?? [])
        .flat()
        .map((b) => ({ text: b.text, data: String((b as { callback_data?: string }).callback_data) })),
      photoBytes,
    });
    return message;
  }

  private edit(method: string, p: Record<string, unknown>): Message {
    const chatId = Number(p['chat_id']);
    const id = Number(p['message_id']);
    const old = this.messages.get(id) as Message.TextMessage | undefined;
    const markup = parseMarkup(p['reply_markup']);
    const { reply_markup: _drop, ...rest } = (old ?? {
      message_id: id,
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat: this.chatOf(chatId),
      date: nowSec(),
      text: '',
    }) as Message.TextMessage;
    const edited = {
      ...rest,
      edit_date: nowSec(),
      ...(method === 'editMessageText' ? { text: String(p['text']) } : {}),
      ...(markup ? { reply_markup: markup } : {}),
    } as Message.TextMessage;
    this.messages.set(id, edited);
    if (method === 'editMessageText')
      this.sent.push({
        method: 'editMessageText',
        chatId,
        messageId: id,
        text: edited.text,
        buttons: [],
        photoBytes: 0,
      });
    return edited;
  }
}

function parseMarkup(v: unknown): InlineKeyboardMarkup | null {
  if (v === undefined || v === null) return null;
  const o = (typeof v === 'string' ? JSON.parse(v) : v) as Partial<InlineKeyboardMarkup>;
  return Array.isArray(o.inline_keyboard) ? (o as InlineKeyboardMarkup) : null;
}

/** JSON or multipart/form-data (sendPhoto with a file), as grammY sends them. */
async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return {};
  if (type.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, type);
  return {};
}

/** A small multipart/form-data reader: string fields by name, and the total size of the file parts. */
function parseMultipart(raw: Buffer, contentType: string): Record<string, unknown> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/u.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) return {};
  const out: Record<string, unknown> = {};
  let photoBytes = 0;
  const delimiter = Buffer.from(`--${b}`);
  let pos = raw.indexOf(delimiter);
  while (pos >= 0) {
    const next = raw.indexOf(delimiter, pos + delimiter.length);
    if (next < 0) break;
    const part = raw.subarray(pos + delimiter.length, next);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd >= 0) {
      const head = part.subarray(0, headEnd).toString('utf8');
      let body = part.subarray(headEnd + 4);
      if (body.subarray(-2).toString() === '\r\n') body = body.subarray(0, -2);
      const name = /name="([^"]*)"/u.exec(head)?.[1];
      if (/filename=/u.test(head)) photoBytes += body.length;
      else if (name) out[name] = body.toString('utf8');
    }
    pos = next;
  }
  out['__photoBytes'] = photoBytes;
  return out;
}
