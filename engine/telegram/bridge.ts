import { Bot, GrammyError, InputFile, type Context } from 'grammy';
import type { EngineEvent } from '../api/events';
import { CommandGateway } from '../host/gateway';
import { isoTime, type Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { Keychain } from '../keystore';
import type { CommandOutput } from '../api';
import type { Store } from '../store';
import { routeEvent } from './alerts';
import { apiRootOf, operatorLink, readToken, setOperatorLink, totpAccount } from './config';
import { FriendCommands, type FriendSession, type Outcome, type Reply } from './commands';
import { formatDailySummary, HELP_LINES } from './format';
import { redeemLinkCode } from './link-codes';
import { TelegramRepo } from './links-repo';
import { Outbox } from './outbox';
import { ChatRateLimiter } from './rate-limit';

/** What the bridge needs of an engine (the real Engine satisfies it). */
export interface BridgeEngine {
  readonly store: Store;
  readonly bus: { subscribe(fn: (e: EngineEvent) => void): () => void };
  readonly clock: Clock;
  readonly log: Logger;
  readonly layout: { root: string };
  readonly keyCtx: { keychain: Keychain };
  executeUntyped(name: string, input: unknown): Promise<unknown>;
}

export type BridgeState = 'off' | 'starting' | 'connected' | 'unreachable' | 'token-refused';

export interface BridgeStatus {
  state: BridgeState;
  botUsername: string | null;
  lastError: string | null;
  lastOkAt: string | null;
  queuedAlerts: number;
  droppedAlerts: number;
}

export interface BridgeOptions {
  /** Long-polling wait of one getUpdates call (Telegram holds it open this long when idle). */
  pollTimeoutSeconds?: number;
  /** Any one Bot API request is abandoned after this long (must exceed the poll timeout). */
  requestTimeoutSeconds?: number;
  /** How often the daily summaries are checked. */
  summaryCheckMs?: number;
  /** Pause before an alert is sent again, and before polling restarts after a refused token. */
  retryMs?: number;
  /** Per chat: messages per minute, and the burst allowed before that rate applies. */
  ratePerMinute?: number;
  rateBurst?: number;
}

export const NOT_LINKED =
  'Hello! This chat is not linked to a Harvest account. Ask the operator of your Harvest for a link code.';

/** The chat commands Telegram's menu shows (setMyCommands). */
const MENU = Object.entries(HELP_LINES).map(([command, description]) => ({ command, description }));

/**
 * The Telegram bridge: a transport like the UI host. It long-polls the Bot
 * API from this machine (no inbound port), maps chat commands of linked
 * friends onto the API contract through the same gateway as the UI, and
 * sends each friend their own alerts and daily summary. It holds no trading
 * logic, and nothing in the trading loop ever waits on it: polling runs on
 * its own, and alerts only enter a queue (outbox.ts).
 */
export class TelegramBridge {
  readonly repo: TelegramRepo;
  private readonly gateway: CommandGateway;
  private readonly limiter: ChatRateLimiter;
  readonly friends: FriendCommands;
  private bot: Bot | null = null;
  private outbox: Outbox | null = null;
  private stopController: AbortController | null = null;
  private unsubscribe: (() => void) | null = null;
  private state: BridgeState = 'off';
  private botUsername: string | null = null;
  private lastError: string | null = null;
  private lastOkAt: string | null = null;
  private readonly opts: Required<BridgeOptions>;

  constructor(
    private readonly engine: BridgeEngine,
    opts: BridgeOptions = {},
  ) {
    this.opts = {
      pollTimeoutSeconds: opts.pollTimeoutSeconds ?? 25,
      requestTimeoutSeconds: opts.requestTimeoutSeconds ?? 40,
      summaryCheckMs: opts.summaryCheckMs ?? 60_000,
      retryMs: opts.retryMs ?? 5_000,
      ratePerMinute: opts.ratePerMinute ?? 20,
      rateBurst: opts.rateBurst ?? 8,
    };
    this.repo = new TelegramRepo(engine.store.db);
    this.gateway = new CommandGateway(engine, engine.log);
    this.limiter = new ChatRateLimiter(engine.clock, this.opts.ratePerMinute, this.opts.rateBurst);
    this.friends = new FriendCommands({
      caller: this.gateway,
      repo: this.repo,
      clock: engine.clock,
      totpSecret: (userId) => {
        try {
          return engine.keyCtx.keychain.get(totpAccount(engine.layout.root, userId));
        } catch {
          return null;
        }
      },
      audit: (s, command, outcome, details) => this.audit(s, command, outcome, details),
      qrPng: async (text) => {
        const { default: QRCode } = await import('qrcode');
        return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 360 });
      },
    });
  }

  status(): BridgeStatus {
    return {
      state: this.state,
      botUsername: this.botUsername,
      lastError: this.lastError,
      lastOkAt: this.lastOkAt,
      queuedAlerts: this.outbox?.size ?? 0,
      droppedAlerts: this.outbox?.droppedCount ?? 0,
    };
  }

  get running(): boolean {
    return this.bot !== null;
  }

  /** Starts polling if a token is stored; returns at once (nothing waits on Telegram). */
  start(): void {
    if (this.bot) return;
    const token = readToken(this.engine.keyCtx.keychain, this.engine.layout.root);
    if (!token) {
      this.state = 'off';
      return;
    }
    const stop = new AbortController();
    this.stopController = stop;
    const bot = new Bot(token, {
      client: { apiRoot: apiRootOf(this.engine.store.meta), timeoutSeconds: this.opts.requestTimeoutSeconds },
    });
    this.bot = bot;
    this.state = 'starting';
    // Connection state from every Bot API call, without logging the URL (it holds the token).
    bot.api.config.use(async (prev, method, payload, signal) => {
      try {
        const r = await prev(method, payload, signal);
        if (r.ok) this.markOk();
        else this.markFailure(r.error_code === 401 ? 'token-refused' : 'unreachable', r.description);
        return r;
      } catch (e) {
        if (!stop.signal.aborted) this.markFailure('unreachable', describeError(e));
        throw e;
      }
    });
    this.install(bot);
    this.outbox = new Outbox(
      async (m) => {
        await bot.api.sendMessage(m.chatId, m.text);
      },
      this.engine.clock,
      this.engine.log,
      stop.signal,
      this.opts.retryMs,
    );
    const outbox = this.outbox;
    this.unsubscribe = this.engine.bus.subscribe((e) => {
      for (const r of routeEvent(this.engine.store, this.repo, e)) outbox.push(r);
    });
    void this.poll(bot, stop.signal);
    void this.summaryLoop(stop.signal);
  }

  stop(): Promise<void> {
    const bot = this.bot;
    this.stopController?.abort();
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.bot = null;
    this.outbox = null;
    this.state = 'off';
    // stop() confirms the last offset with one more getUpdates; not awaited, so an unreachable
    // Bot API never holds up stopping Harvest (the request is abandoned at its timeout).
    if (bot?.isRunning()) void bot.stop().catch(() => undefined);
    return Promise.resolve();
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  /** Sends a test message to the operator's linked chat; says what happened. */
  async sendTest(): Promise<{ sent: boolean; message: string }> {
    if (!this.bot) return { sent: false, message: 'The bridge is not running: store a bot token first.' };
    const op = operatorLink(this.engine.store.meta);
    if (!op)
      return {
        sent: false,
        message: 'Link your own chat first: run `harvest telegram link --operator` and send the code to the bot.',
      };
    try {
      await this.bot.api.sendMessage(op.chatId, 'Test message from Harvest: the Telegram bridge works.');
      return { sent: true, message: 'Test message sent to your Telegram chat.' };
    } catch (e) {
      return { sent: false, message: `Telegram did not take the message: ${describeError(e)}` };
    }
  }

  /** Sends the daily summary to every linked friend whose hour it is (once a day). */
  async runSummaries(): Promise<number> {
    const now = this.engine.clock.now();
    const hour = new Date(now).getUTCHours();
    const day = new Date(now).toISOString().slice(0, 10);
    let sent = 0;
    for (const f of this.repo.linked()) {
      if (f.summaryHour !== hour || f.lastSummaryDay === day || f.chatId === null) continue;
      this.repo.markSummarySent(f.userId, day);
      try {
        const text = await this.summaryText(f.userId, day);
        this.outbox?.push({ chatId: f.chatId, text });
        sent++;
      } catch (e) {
        this.engine.log.warn({ userId: f.userId, err: describeError(e) }, 'telegram daily summary not built');
      }
    }
    return sent;
  }

  private async summaryText(userId: number, day: string): Promise<string> {
    const call = async <T>(name: string, input: unknown): Promise<T> => {
      const r = await this.gateway.call(name, input);
      if (!r.ok) throw new Error(r.error.message);
      return r.result as T;
    };
    const stats = await call<CommandOutput<'stats.user'>>('stats.user', { user: userId });
    const open = await call<CommandOutput<'positions.list'>>('positions.list', { user: userId, status: 'open' });
    const trades = await call<CommandOutput<'trades.list'>>('trades.list', { user: userId, limit: 1000 });
    return formatDailySummary(stats, trades.trades.filter((t) => t.executedAt.startsWith(day)).length, open);
  }

  private async summaryLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.engine.clock.sleep(this.opts.summaryCheckMs, signal);
      if (signal.aborted) return;
      await this.runSummaries().catch((e: unknown) =>
        this.engine.log.warn({ err: describeError(e) }, 'telegram summaries failed'),
      );
    }
  }

  /** Long polling; a refused token stops it until the token changes, anything else is retried by grammY. */
  private async poll(bot: Bot, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await bot.start({
          timeout: this.opts.pollTimeoutSeconds,
          allowed_updates: ['message', 'callback_query'],
          onStart: (me) => {
            this.botUsername = me.username;
            void bot.api.setMyCommands(MENU).catch(() => undefined);
          },
        });
        return;
      } catch (e) {
        if (signal.aborted) return;
        // 401: the token was refused; 409: another program polls with this token. Both wait longer.
        const refused = e instanceof GrammyError && e.error_code === 401;
        const conflict = e instanceof GrammyError && e.error_code === 409;
        this.markFailure(refused ? 'token-refused' : 'unreachable', describeError(e));
        this.engine.log.warn({ err: describeError(e) }, 'telegram polling stopped; retrying');
        await this.engine.clock.sleep(refused || conflict ? 60_000 : this.opts.retryMs, signal);
      }
    }
  }

  private markOk(): void {
    if (this.state !== 'connected') this.engine.log.info('telegram bridge connected');
    this.state = 'connected';
    this.lastOkAt = isoTime(this.engine.clock);
  }

  private markFailure(state: BridgeState, message: string): void {
    if (this.state !== state) this.engine.log.warn({ err: message }, `telegram bridge ${state}`);
    this.state = state;
    this.lastError = message;
  }

  private audit(s: FriendSession, command: string, outcome: Outcome, details: Record<string, unknown> = {}): void {
    this.engine.store.audit.append(
      {
        actor: `telegram:${s.telegramUserId}`,
        action: 'telegram.command',
        userId: s.userId,
        details: { telegramUserId: s.telegramUserId, command, outcome, ...details },
      },
      isoTime(this.engine.clock),
    );
  }

  /** The friend a Telegram user is linked to now, or null. */
  private session(from: { id: number }, chatId: number): FriendSession | null {
    const f = this.repo.byTelegramUser(from.id);
    if (!f) return null;
    return { userId: f.userId, telegramUserId: from.id, chatId, permissions: f.permissions, totp: f.totp };
  }

  private install(bot: Bot): void {
    bot.catch((err) => this.engine.log.warn({ err: describeError(err.error) }, 'telegram update failed'));

    // Every update: rate limit per chat, private chats only.
    bot.use(async (ctx, next) => {
      const chat = ctx.chat;
      // A button press may come without its message (too old): the presser's id is the chat then.
      const chatId = chat?.id ?? ctx.from?.id;
      if (chatId === undefined || !ctx.from) return;
      const verdict = this.limiter.take(chatId);
      if (verdict === 'drop') return;
      if (verdict === 'warn') {
        await ctx.reply('Too many messages at once; wait a minute and try again.');
        return;
      }
      if (chat && chat.type !== 'private') {
        await ctx.reply('Harvest only talks in a private chat with you.');
        return;
      }
      await next();
    });

    bot.on('message:text', async (ctx) => {
      const from = ctx.from;
      const chatId = ctx.chat.id;
      const text = ctx.message.text.trim();
      const [head = '', ...args] = text.split(/\s+/u);
      const command = head.startsWith('/') ? head.slice(1).split('@')[0]!.toLowerCase() : null;

      if (command === 'start' && args[0]) return this.link(ctx, args[0]);
      const s = this.session(from, chatId);
      if (!s) {
        const op = operatorLink(this.engine.store.meta);
        if (op && op.telegramUserId === from.id) return this.operatorChat(ctx, command);
        await ctx.reply(NOT_LINKED);
        return;
      }
      if (command === 'unlink') {
        this.repo.unlink(s.userId);
        this.audit(s, '/unlink', 'ok');
        this.engine.store.audit.append(
          {
            actor: `telegram:${from.id}`,
            action: 'telegram.unlinked',
            userId: s.userId,
            details: { telegramUserId: from.id, by: 'friend' },
          },
          isoTime(this.engine.clock),
        );
        await ctx.reply(
          'This chat is unlinked from your Harvest account. Ask the operator for a new code to link again.',
        );
        return;
      }
      if (command === 'start') {
        await this.send(chatId, [{ text: 'You are linked. Send /help to see what you can do.' }]);
        return;
      }
      const replies =
        command !== null
          ? await this.friends.command(s, command, args)
          : ((await this.friends.text(s, text)) ?? [{ text: 'Send /help to see what you can do.' }]);
      await this.send(chatId, replies);
    });

    bot.on('callback_query:data', async (ctx) => {
      const chatId = ctx.chat?.id ?? ctx.from.id;
      const s = this.session(ctx.from, chatId);
      if (!s) {
        await ctx.answerCallbackQuery({ text: 'This chat is not linked to a Harvest account.' });
        return;
      }
      await ctx.answerCallbackQuery();
      const [first, ...rest] = await this.friends.callback(s, ctx.callbackQuery.data);
      // The answer replaces the question (and its buttons), so a Confirm cannot be pressed again.
      if (first) {
        if (first.keyboard || first.photo || !ctx.callbackQuery.message) rest.unshift(first);
        else await ctx.editMessageText(first.text).catch(() => this.send(chatId, [first]));
      }
      if (first?.keyboard) await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => undefined);
      await this.send(chatId, rest);
    });

    bot.on('message', async (ctx) => {
      if (!this.session(ctx.from, ctx.chat.id)) await ctx.reply(NOT_LINKED);
    });
  }

  private async link(ctx: Context, code: string): Promise<void> {
    const from = ctx.from!;
    const chatId = ctx.chat!.id;
    const r = redeemLinkCode(this.engine.store, this.repo, this.engine.clock, code, { userId: from.id, chatId });
    if (!r.ok) {
      await ctx.reply(`${NOT_LINKED} (That link code did not work: it is unknown, used or expired.)`);
      return;
    }
    if (r.userId === null) {
      await ctx.reply("Linked: this chat now gets the operator's alerts.");
      return;
    }
    const name = this.engine.store.users.byId(r.userId)?.name ?? 'your account';
    await ctx.reply(`Linked to ${name}'s Harvest account. Send /help to see what you can do.`);
  }

  private async operatorChat(ctx: Context, command: string | null): Promise<void> {
    if (command === 'unlink') {
      setOperatorLink(this.engine.store.meta, null);
      this.engine.store.audit.append(
        {
          actor: `telegram:${ctx.from!.id}`,
          action: 'telegram.unlinked',
          userId: null,
          details: { telegramUserId: ctx.from!.id, by: 'operator' },
        },
        isoTime(this.engine.clock),
      );
      await ctx.reply('This chat no longer gets the operator alerts.');
      return;
    }
    await ctx.reply("This chat gets the operator's alerts. Steer Harvest from its window; /unlink to stop.");
  }

  private async send(chatId: number, replies: Reply[]): Promise<void> {
    const api = this.bot?.api;
    if (!api) return;
    for (const r of replies) {
      const markup = r.keyboard
        ? {
            reply_markup: {
              inline_keyboard: r.keyboard.map((row) => row.map((b) => ({ text: b.text, callback_data: b.data }))),
            },
          }
        : {};
      if (r.photo) await api.sendPhoto(chatId, new InputFile(r.photo.png, 'deposit.png'), { caption: r.text });
      else await api.sendMessage(chatId, r.text, markup);
    }
  }
}

function describeError(e: unknown): string {
  if (e instanceof GrammyError) return `${e.error_code}: ${e.description}`;
  const m = e instanceof Error ? e.message : String(e);
  // grammY's HTTP errors can quote the request URL, which holds the token.
  return m.replace(/bot\d+:[A-Za-z0-9_-]+/gu, 'bot<token>');
}

/** The bridge serving an engine in this process, for the settings commands (none in a one-shot CLI). */
