import { requireCommandName, describeIssues, type CommandName, type CommandOutput } from '../api';
import { commands } from '../api/contract';
import type { Clock } from '../kernel/clock';
import * as fmt from './format';
import type { TelegramRepo } from './links-repo';
import { PendingActions, type Action } from './pending';
import type { TelegramPermission } from './permissions';
import { verifyTotp } from './totp';
import * as trig from './trigger-commands';

export interface Button {
  text: string;
  data: string;
}

/** One message to send: text, optional inline keyboard, optional PNG photo. */
export interface Reply {
  text: string;
  keyboard?: Button[][];
  photo?: { png: Buffer };
}

/** The same gateway the UI host uses: contract validation, second confirmation, typed errors. */
export interface CommandCaller {
  call(
    command: unknown,
    input: unknown,
    confirmation?: unknown,
  ): Promise<
    { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; confirmationId?: string } }
  >;
}

/** Who is talking: a linked friend, as the link table says now (never what the chat claims). */
export interface FriendSession {
  userId: number;
  telegramUserId: number;
  chatId: number;
  permissions: readonly TelegramPermission[];
  totp: boolean;
}

export type Outcome = 'ok' | 'forbidden' | 'refused' | 'asked' | 'cancelled' | 'failed';

export interface CommandDeps {
  caller: CommandCaller;
  repo: TelegramRepo;
  clock: Clock;
  /** The friend's TOTP secret from the keychain, or null. */
  totpSecret(userId: number): string | null;
  /** Every chat command and button, audited with the Telegram user id. */
  audit(session: FriendSession, command: string, outcome: Outcome, details?: Record<string, unknown>): void;
  /** A PNG QR code of a text (the deposit URI). */
  qrPng(text: string): Promise<Buffer>;
}

/** What each chat command needs beyond `view`. Commands not listed here do not exist for Telegram. */
export const COMMAND_PERMISSION: Record<string, TelegramPermission> = {
  help: 'view',
  balance: 'view',
  positions: 'view',
  pnl: 'view',
  trades: 'view',
  deposit: 'view',
  risk: 'view',
  strategy: 'view',
  leaderboard: 'view',
  summary: 'view',
  buy: 'trade',
  sell: 'trade',
  close: 'trade',
  pause: 'pause',
  resume: 'pause',
  withdraw: 'withdraw',
  orders: 'view',
  limit: 'trade',
  stop: 'trade',
  cancel: 'trade',
  exits: 'trade',
};

/**
 * API commands a Telegram chat may ever reach. Anything else (key export
 * above all, whitelist changes, other users, global controls) is refused
 * before it is called, whatever the friend's permissions say.
 */
export const TELEGRAM_API_ALLOWLIST: ReadonlySet<CommandName> = new Set<CommandName>([
  'wallet.balances',
  'paper.account',
  'settings.get',
  'positions.list',
  'positions.close',
  'trades.list',
  'stats.user',
  'stats.leaderboard',
  'wallet.deposit',
  'risk.limits',
  'risk.preset',
  'controls.pause',
  'controls.resume',
  'controls.status',
  'orders.submit',
  'whitelist.list',
  'funds.withdraw',
  'orders.open',
  'orders.place',
  'orders.cancel',
  'positions.setExits',
]);

const PERMISSION_SENTENCE: Record<TelegramPermission, string> = {
  view: 'view your account',
  trade: 'trade from Telegram',
  pause: 'pause or resume your trading from Telegram',
  withdraw: 'withdraw from Telegram',
  risk: 'change your risk preset from Telegram',
};

class Refusal extends Error {}

/** Chat words parsed, a wrong form refused with the right one. */
function chatUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof trig.ChatUsage) throw new Refusal(e.message);
    throw e;
  }
}

/** The reason a pause made from Telegram carries: the only pause a friend may lift from there. */
export const TELEGRAM_PAUSE_REASON = 'paused by the friend from Telegram';

/**
 * The chat commands of a linked friend, independent of grammY: each maps
 * onto API commands for that friend only (the user is always the linked
 * friend, never read from the message), through the same gateway as the UI.
 */
export class FriendCommands {
  readonly pending: PendingActions;

  constructor(private readonly deps: CommandDeps) {
    this.pending = new PendingActions(deps.clock);
  }

  async command(s: FriendSession, name: string, args: string[]): Promise<Reply[]> {
    const needed = COMMAND_PERMISSION[name];
    if (needed === undefined) {
      this.deps.audit(s, `/${name}`, 'refused', { reason: 'unknown command' });
      return [{ text: `There is no /${name}. Send /help for what you can do.` }];
    }
    if (!s.permissions.includes(needed)) {
      this.deps.audit(s, `/${name}`, 'forbidden', { needs: needed });
      return [{ text: `The operator has not allowed you to ${PERMISSION_SENTENCE[needed]}.` }];
    }
    try {
      const replies = await this.run(s, name, args);
      return replies;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.audit(s, `/${name}`, e instanceof Refusal ? 'refused' : 'failed', { message });
      // A refusal is the engine's own sentence for a person; anything else stays in the audit, not the chat.
      return [{ text: e instanceof Refusal ? message : 'That did not work this time. The operator can see why.' }];
    }
  }

  /** A button press. */
  async callback(s: FriendSession, data: string): Promise<Reply[]> {
    const [kind, id, index] = data.split(':');
    const entry = id ? this.pending.take(id, s.telegramUserId, s.userId) : null;
    if (!entry) {
      this.deps.audit(s, 'button', 'refused', { reason: 'expired or used' });
      return [{ text: 'That button has expired or was already used. Send the command again.' }];
    }
    if (kind === 'x') {
      const origin = entry.kind === 'choose' ? 'choice' : entry.action.origin;
      this.deps.audit(s, origin, 'cancelled');
      return [{ text: 'Cancelled. Nothing was done.' }];
    }
    if (kind === 's' && entry.kind === 'choose') {
      const choice = entry.choices[Number(index)];
      if (!choice) return [{ text: 'That choice is not on the list.' }];
      return [this.confirmPrompt(s, choice.action)];
    }
    if (kind === 'c' && entry.kind === 'confirm') {
      const a = entry.action;
      if (a.needsTotp) {
        const pid = this.pending.add({ kind: 'totp', action: a }, s.telegramUserId, s.userId);
        void pid;
        this.deps.audit(s, a.origin, 'asked', { step: 'totp' });
        return [{ text: 'Send the 6-digit code from your authenticator app to finish.' }];
      }
      return this.execute(s, a);
    }
    return [{ text: 'That button does not do anything now.' }];
  }

  /** A plain text message: the TOTP code of a withdrawal waiting for one. */
  async text(s: FriendSession, text: string): Promise<Reply[] | null> {
    if (!/^\s*\d{6}\s*$/u.test(text)) return null;
    const action = this.pending.takeTotp(s.telegramUserId, s.userId);
    if (!action) return null;
    const secret = this.deps.totpSecret(s.userId);
    if (!secret || !verifyTotp(secret, text, this.deps.clock.now())) {
      this.deps.audit(s, action.origin, 'refused', { reason: 'wrong TOTP code' });
      return [{ text: 'That code is not right. Nothing was done; send the command again.' }];
    }
    return this.execute(s, action);
  }

  // ---- the commands -------------------------------------------------------------

  private async run(s: FriendSession, name: string, args: string[]): Promise<Reply[]> {
    const user = s.userId;
    const ok = (detail?: Record<string, unknown>): void => this.deps.audit(s, `/${name}`, 'ok', detail);
    switch (name) {
      case 'help': {
        ok();
        const lines = Object.entries(fmt.HELP_LINES)
          .filter(([c]) => c === 'unlink' || s.permissions.includes(COMMAND_PERMISSION[c] ?? 'view'))
          .map(([c, l]) => `/${c} — ${l}`);
        return [{ text: ['What you can do here:', ...lines].join('\n') }];
      }
      case 'balance': {
        const text = fmt.formatAllBalances(await this.call('wallet.balances', { user }));
        ok();
        return [{ text }];
      }
      case 'positions': {
        const out = await this.call('positions.list', { user, status: 'open' });
        ok();
        return [{ text: fmt.formatPositions(out) }];
      }
      case 'pnl': {
        const out = await this.call('stats.user', { user });
        ok();
        return [{ text: fmt.formatPnl(out) }];
      }
      case 'trades': {
        const out = await this.call('trades.list', { user, limit: 10 });
        ok();
        return [{ text: fmt.formatTrades(out) }];
      }
      case 'deposit': {
        const out = await this.call('wallet.deposit', { user });
        ok();
        return [
          { text: `Send SOL or tokens to your wallet:\n${out.address}` },
          { text: 'Scan to send to your wallet', photo: { png: await this.deps.qrPng(out.uri) } },
        ];
      }
      case 'risk': {
        const out = await this.call('risk.limits', { user });
        ok();
        if (!s.permissions.includes('risk')) return [{ text: fmt.formatRisk(out) }];
        const presets = (['conservative', 'moderate', 'aggressive'] as const).filter((p) => p !== out.preset);
        const choices = presets.map((preset) => ({
          text: preset,
          action: this.action(
            'risk.preset',
            { user, preset },
            `Switch your risk preset to ${preset}?`,
            'risk',
            '/risk',
          ),
        }));
        return [this.chooser(s, `${fmt.formatRisk(out)}\n\nChange your preset:`, choices)];
      }
      case 'strategy': {
        const out = await this.call('settings.get', { user });
        ok();
        return [{ text: fmt.formatStrategy(out) }];
      }
      case 'leaderboard': {
        const out = await this.call('stats.leaderboard', { by: 'return', anonymous: false });
        ok();
        return [{ text: fmt.formatLeaderboard(out, user) }];
      }
      case 'summary': {
        const arg = (args[0] ?? '').toLowerCase();
        if (arg === 'off') {
          this.deps.repo.setSummaryHour(user, null);
          ok({ summaryHour: null });
          return [{ text: 'Daily summary off.' }];
        }
        const hour = Number(arg);
        if (arg === '' || !Number.isInteger(hour) || hour < 0 || hour > 23)
          throw new Refusal('Give an hour from 0 to 23 (UTC), e.g. /summary 8, or /summary off.');
        this.deps.repo.setSummaryHour(user, hour);
        ok({ summaryHour: hour });
        return [{ text: `Your daily summary comes at ${String(hour).padStart(2, '0')}:00 UTC.` }];
      }
      case 'pause':
        return [
          this.confirmPrompt(
            s,
            this.action(
              'controls.pause',
              { user, reason: TELEGRAM_PAUSE_REASON },
              'Pause your trading? Open positions keep their exits.',
              'pause',
              '/pause',
            ),
          ),
        ];
      case 'resume': {
        // A friend resumes only a pause they made here: the operator's pause, a breaker or a
        // loss limit stay the operator's to lift (controls.resume would also reset a breaker).
        const control = (await this.call('controls.status', {})).users.find((u) => u.userId === user);
        if (!control?.paused) throw new Refusal('Your trading is not paused.');
        if (control.reason !== TELEGRAM_PAUSE_REASON)
          throw new Refusal(
            `Your trading was paused by Harvest or the operator${control.reason ? ` (${control.reason})` : ''}; ask the operator to resume it.`,
          );
        return [
          this.confirmPrompt(s, this.action('controls.resume', { user }, 'Resume your trading?', 'pause', '/resume')),
        ];
      }
      case 'buy':
      case 'sell': {
        const [token, amount] = args;
        if (!token || !amount)
          throw new Refusal(
            name === 'buy'
              ? 'Say what and how much: /buy SOL 25 (USDC to spend).'
              : 'Say what and how much: /sell SOL 0.5',
          );
        const input = { user, side: name, token: token.toUpperCase(), amount };
        const prompt =
          name === 'buy' ? `Buy ${input.token} for ${amount} USDC?` : `Sell ${amount} ${input.token} at the market?`;
        return [this.confirmPrompt(s, this.action('orders.submit', input, prompt, 'trade', `/${name}`))];
      }
      case 'close': {
        const out = await this.call('positions.list', { user, status: 'open' });
        if (out.positions.length === 0) {
          ok();
          return [{ text: 'No open positions to close.' }];
        }
        const choices = out.positions.slice(0, 10).map((p) => ({
          text: `${p.uiQuantity} ${p.symbol}`,
          action: this.action(
            'positions.close',
            { user, positionId: p.id },
            `Close ${fmt.formatPosition(p)} at the market?`,
            'trade',
            '/close',
          ),
        }));
        return [this.chooser(s, 'Which position?', choices)];
      }
      case 'withdraw': {
        const [amount, token = 'SOL'] = args;
        if (!amount) throw new Refusal('Say how much: /withdraw 0.5 SOL');
        const list = await this.call('whitelist.list', { user });
        const usable = list.entries.filter((e) => e.usable);
        if (usable.length === 0)
          throw new Refusal(
            list.entries.length > 0
              ? 'Your whitelisted addresses are not usable yet (new addresses wait out a delay).'
              : 'You have no whitelisted address yet. Ask the operator to add one.',
          );
        const choices = usable.slice(0, 8).map((e) => {
          const where = `${e.label ? `${e.label} ` : ''}(${fmt.shortAddress(e.address)})`;
          return {
            text: where,
            action: this.action(
              'funds.withdraw',
              { user, to: e.address, amount, token: token.toUpperCase(), confirm: true },
              `Withdraw ${amount} ${token.toUpperCase()} to ${where}? This sends funds out of Harvest.`,
              'withdraw',
              '/withdraw',
              s.totp,
            ),
          };
        });
        return [this.chooser(s, 'To which of your whitelisted addresses?', choices)];
      }
      case 'orders': {
        const out = await this.call('orders.open', { user });
        ok();
        return [{ text: trig.formatOpenOrders(out) }];
      }
      case 'limit':
      case 'stop': {
        const input = chatUsage(() => (name === 'limit' ? trig.parseLimit(args) : trig.parseStop(args)));
        return [
          this.confirmPrompt(
            s,
            this.action('orders.place', { user, ...input }, trig.placePrompt(input), 'trade', `/${name}`),
          ),
        ];
      }
      case 'cancel': {
        if (!/^#?\d+$/u.test(args[0] ?? '')) throw new Refusal('Say which: /cancel ID (see /orders).');
        const orderId = Number(args[0]!.replace('#', ''));
        const open = (await this.call('orders.open', { user })).orders.find((o) => o.id === orderId);
        if (!open) throw new Refusal(`You have no open order #${orderId} (see /orders).`);
        return [
          this.confirmPrompt(
            s,
            this.action('orders.cancel', { user, orderId }, `Cancel ${open.description}?`, 'trade', '/cancel'),
          ),
        ];
      }
      case 'exits': {
        const input = chatUsage(() => trig.parseExits(args));
        return [
          this.confirmPrompt(
            s,
            this.action('positions.setExits', { user, ...input }, trig.exitsPrompt(input), 'trade', '/exits'),
          ),
        ];
      }
      default:
        throw new Refusal(`There is no /${name}.`);
    }
  }

  // ---- the plumbing -------------------------------------------------------------

  private action(
    command: CommandName,
    input: Record<string, unknown>,
    prompt: string,
    permission: TelegramPermission,
    origin: string,
    needsTotp = false,
  ): Action {
    return { command, input, prompt, permission, origin, needsTotp };
  }

  /** Validation before confirmation: a Confirm button is never shown for what could not run. */
  private confirmPrompt(s: FriendSession, a: Action): Reply {
    const name = requireCommandName(a.command);
    const r = commands[name].input.safeParse(a.input);
    if (!r.success) throw new Refusal(`That does not work: ${describeIssues(r.error)}`);
    const id = this.pending.add({ kind: 'confirm', action: a }, s.telegramUserId, s.userId);
    this.deps.audit(s, a.origin, 'asked', { command: a.command });
    return {
      text: a.prompt,
      keyboard: [
        [
          { text: 'Confirm', data: `c:${id}` },
          { text: 'Cancel', data: `x:${id}` },
        ],
      ],
    };
  }

  private chooser(s: FriendSession, text: string, choices: { text: string; action: Action }[]): Reply {
    for (const c of choices) {
      const r = commands[requireCommandName(c.action.command)].input.safeParse(c.action.input);
      if (!r.success) throw new Refusal(`That does not work: ${describeIssues(r.error)}`);
    }
    const id = this.pending.add({ kind: 'choose', choices }, s.telegramUserId, s.userId);
    this.deps.audit(s, choices[0]?.action.origin ?? 'choice', 'asked');
    return {
      text,
      keyboard: [
        ...choices.map((c, i) => [{ text: c.text, data: `s:${id}:${i}` }]),
        [{ text: 'Cancel', data: `x:${id}` }],
      ],
    };
  }

  /** Runs a confirmed action: permission checked again (the operator may have changed it meanwhile). */
  private async execute(s: FriendSession, a: Action): Promise<Reply[]> {
    const live = this.deps.repo.friend(s.userId);
    if (live.telegramUserId !== s.telegramUserId || !live.permissions.includes(a.permission as TelegramPermission)) {
      this.deps.audit(s, a.origin, 'forbidden', { command: a.command, at: 'confirm' });
      return [{ text: 'The operator has changed what you may do; nothing was done.' }];
    }
    try {
      const result = await this.call(requireCommandName(a.command), a.input, true);
      this.deps.audit(s, a.origin, 'ok', { command: a.command });
      return [{ text: describeResult(a, result) }];
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.audit(s, a.origin, 'refused', { command: a.command, message });
      return [{ text: `Not done: ${message}` }];
    }
  }

  /** One API call for this friend; `confirmed` redeems the gateway's second confirmation the friend gave in chat. */
  private async call<K extends CommandName>(name: K, input: unknown, confirmed = false): Promise<CommandOutput<K>> {
    if (!TELEGRAM_API_ALLOWLIST.has(name)) throw new Refusal('That is not possible over Telegram.');
    let r = await this.deps.caller.call(name, input);
    if (!r.ok && r.error.code === 'CONFIRMATION_REQUIRED' && confirmed && r.error.confirmationId)
      r = await this.deps.caller.call(name, input, r.error.confirmationId);
    if (!r.ok) throw new Refusal(r.error.message);
    return r.result as CommandOutput<K>;
  }
}

function describeResult(a: Action, result: unknown): string {
  switch (a.command) {
    case 'orders.submit':
    case 'positions.close':
      return fmt.formatOutcome(result as CommandOutput<'orders.submit'>);
    case 'controls.pause':
      return 'Your trading is paused. Open positions keep their exits.';
    case 'controls.resume':
      return 'Your trading is resumed.';
    case 'risk.preset':
      return `Done.\n${fmt.formatRisk(result as CommandOutput<'risk.preset'>)}`;
    case 'funds.withdraw': {
      const w = result as CommandOutput<'funds.withdraw'>;
      const what = `${w.withdrawal.uiAmount} ${w.withdrawal.symbol} to ${fmt.shortAddress(w.withdrawal.destination)}`;
      return w.outcome === 'confirmed' ? `Withdrawal of ${what} confirmed.` : `Withdrawal of ${what}: ${w.outcome}.`;
    }
    case 'orders.place': {
      const o = result as CommandOutput<'orders.place'>;
      return `Order #${o.id} placed: ${o.description}. It waits for the price; /orders lists it, /cancel ${o.id} cancels it.`;
    }
    case 'orders.cancel':
      return `Cancelled: ${(result as CommandOutput<'orders.cancel'>).description}.`;
    case 'positions.setExits':
      return (result as CommandOutput<'positions.setExits'>).message;
    default:
      return 'Done.';
  }
}
