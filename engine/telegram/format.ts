import type { CommandOutput } from '../api';

/** Texts a friend reads on their phone: human units, no ids, no raw JSON. Plain text (no parse mode). */

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function pct(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return `${n >= 0 ? '+' : ''}${n.toFixed(2)}%`;
}

export function shortAddress(a: string): string {
  return a.length > 12 ? `${a.slice(0, 4)}…${a.slice(-4)}` : a;
}

type Balances = CommandOutput<'wallet.balances'>['balances'][number];
type Paper = CommandOutput<'wallet.balances'>['paper'][number];

export function formatBalances(b: Balances): string {
  const lines = [`${b.account} (${b.network})`, `SOL: ${b.sol}`];
  for (const t of b.tokens) if (t.amount !== '0') lines.push(`${t.symbol}: ${t.uiAmount}`);
  lines.push(b.active ? 'Trading: active' : 'Trading: not active yet (the wallet needs more SOL)');
  return lines.join('\n');
}

/** Both accounts, the one traded now first; a paper book is never called the wallet's balance. */
export function formatAllBalances(out: CommandOutput<'wallet.balances'>): string {
  const parts: string[] = [];
  const paper = out.paper[0];
  if (paper?.current) parts.push(formatPaper(paper));
  for (const b of out.balances) parts.push(formatBalances(b));
  if (paper && !paper.current) parts.push(formatPaper(paper));
  return parts.length > 0 ? parts.join('\n\n') : 'No wallet yet: ask the operator to create one.';
}

export function formatPaper(p: Paper): string {
  const lines = [`${p.account}${p.current ? ' (trading now)' : ''}`];
  for (const t of p.tokens) lines.push(`${t.symbol}: ${t.uiAmount}`);
  if (p.equityUsd !== null) lines.push(`Equity: ${usd(p.equityUsd)}`);
  lines.push(`Open positions: ${p.openPositions}`);
  return lines.join('\n');
}

type Position = CommandOutput<'positions.list'>['positions'][number];

export function formatPosition(p: Position): string {
  const pnl = p.uiUnrealizedPnl === null ? '' : `, PnL ${p.uiUnrealizedPnl} ${p.quoteSymbol}`;
  const stuck = p.stuck ? ' — exit stuck, the operator is told' : '';
  const price = p.averageEntryPrice === null ? '' : ` @ ${p.averageEntryPrice.toPrecision(6)}`;
  return `${p.uiQuantity} ${p.symbol}${price} (${p.account})${pnl}${stuck}`;
}

export function formatPositions(out: CommandOutput<'positions.list'>): string {
  if (out.positions.length === 0) return 'No open positions.';
  return ['Open positions:', ...out.positions.map((p) => `• ${formatPosition(p)}`)].join('\n');
}

export function formatTrades(out: CommandOutput<'trades.list'>): string {
  if (out.trades.length === 0) return 'No trades yet.';
  return [
    'Recent trades:',
    ...out.trades.map(
      (t) =>
        `• ${t.executedAt.slice(0, 16).replace('T', ' ')} ${t.side === 'buy' ? 'Bought' : 'Sold'} ${t.uiBaseAmount} ${t.symbol} for ${t.uiQuoteAmount} ${t.quoteSymbol}`,
    ),
  ].join('\n');
}

export function formatPnl(s: CommandOutput<'stats.user'>): string {
  const winRate = s.winRate === null ? '—' : `${(s.winRate * 100).toFixed(0)}%`;
  return [
    `Performance (${s.account})`,
    `Equity: ${usd(s.equityUsd)}`,
    `Today: ${usd(s.dayPnlUsd)}`,
    `Total PnL: ${usd(s.pnlUsd)} (${pct(s.returnPct)})`,
    `Realized: ${s.uiRealizedPnl} ${s.quoteSymbol}`,
    `Trades: ${s.tradeCount}, win rate ${winRate}`,
    `Max drawdown: ${s.maxDrawdownPct.toFixed(2)}%`,
  ].join('\n');
}

/** The daily summary: equity, the day's PnL, trades, open positions. */
export function formatDailySummary(
  s: CommandOutput<'stats.user'>,
  tradesToday: number,
  open: CommandOutput<'positions.list'>,
): string {
  return [
    'Your daily summary',
    `Equity: ${usd(s.equityUsd)}`,
    `Today's PnL: ${usd(s.dayPnlUsd)}`,
    `Trades today: ${tradesToday}`,
    open.positions.length === 0
      ? 'No open positions.'
      : ['Open positions:', ...open.positions.map((p) => `• ${formatPosition(p)}`)].join('\n'),
  ].join('\n');
}

export function formatRisk(r: CommandOutput<'risk.limits'>): string {
  const e = r.effective;
  return [
    `Risk preset: ${r.preset}`,
    `Largest order: ${usd(e.maxOrderUsd)}`,
    `Largest position: ${usd(e.maxPositionUsd)} (${e.maxPositionPctEquity}% of equity)`,
    `Open positions at most: ${e.maxConcurrentPositions}`,
    `Open positions together at most: ${e.maxExposurePct}% of equity`,
    `Daily loss limit: ${e.maxDailyLossPct}% / ${usd(e.maxDailyLossUsd)}`,
    `Drawdown limit: ${e.maxDrawdownPct}%`,
    r.fromGlobal.length > 0 ? "Some limits are capped by the operator's global limits." : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export function formatStrategy(s: CommandOutput<'settings.get'>): string {
  const st = (s.settings['strategy'] ?? {}) as Record<string, unknown>;
  const tokens = Array.isArray(st['tokens']) ? (st['tokens'] as unknown[]).join(', ') : '—';
  return [
    `Strategy: ${String(st['id'] ?? st['name'] ?? 'none')}`,
    `Tokens: ${tokens}`,
    `Mode: ${String(s.settings['mode'] ?? 'paper')}`,
    `Running: ${st['enabled'] === false ? 'no' : 'yes'}`,
  ].join('\n');
}

export function formatLeaderboard(out: CommandOutput<'stats.leaderboard'>, selfUserId: number): string {
  if (out.rows.length === 0) return 'No one on the leaderboard yet.';
  // Other friends' names stay private: a friend sees their own row and ranks only.
  return [
    'Leaderboard (by return):',
    ...out.rows.map(
      (r) =>
        `${r.rank}. ${r.userId === selfUserId ? 'You' : 'A friend'}: ${pct(r.returnPct)}${r.userId === selfUserId ? `, PnL ${usd(r.pnlUsd)}` : ''}`,
    ),
  ].join('\n');
}

export function formatOutcome(o: CommandOutput<'orders.submit'>): string {
  switch (o.status) {
    case 'confirmed':
      return 'Done: the order filled.';
    case 'pending':
      return 'Sent: the order is on its way; you will get a message when it fills.';
    case 'rejected':
      return `Refused: ${o.message ?? 'the risk checks said no.'}`;
    default:
      return `The order did not go through (${o.status})${o.message ? `: ${o.message}` : '.'}`;
  }
}

export const HELP_LINES: Record<string, string> = {
  balance: 'your wallet balance',
  positions: 'your open positions',
  pnl: 'your profit and loss',
  trades: 'your recent trades',
  deposit: 'where to send funds (address and QR code)',
  risk: 'your risk limits (and preset, if allowed)',
  strategy: 'your strategy',
  pause: 'pause your trading',
  resume: 'resume your trading',
  buy: 'buy: /buy TOKEN AMOUNT (amount in USDC)',
  sell: 'sell: /sell TOKEN AMOUNT (amount in the token)',
  close: 'close a position',
  withdraw: 'withdraw: /withdraw AMOUNT [TOKEN] to a whitelisted address',
  leaderboard: 'how you rank among friends',
  orders: 'your open limit and stop orders',
  limit: 'limit order: /limit buy|sell TOKEN AMOUNT PRICE [EXPIRY like 12h or 7d]',
  stop: 'stop order: /stop TOKEN AMOUNT PRICE [EXPIRY] (sells if the price falls to PRICE)',
  cancel: 'cancel an open order: /cancel ID',
  exits: 'move exits: /exits TOKEN [stop PRICE|off] [target PRICE|off] [trail PERCENT|off]',
  summary: 'daily summary hour: /summary HOUR (UTC, 0–23) or /summary off',
  unlink: 'unlink this chat from your account',
  help: 'this list',
};
