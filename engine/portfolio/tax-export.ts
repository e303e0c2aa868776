/**
 * Export for taxes (issue #9, item 7): one CSV row per trade or per flow.
 *
 * Cost basis is FIFO (first in, first out), per token and quote asset: a sell
 * consumes the oldest open lots first; its cost basis is what those lots cost,
 * their buy fees included pro rata, and its realised PnL is the proceeds less
 * that cost basis. Amounts stay exact bigint base units until they are
 * formatted; the USD columns use the quote asset's USD price at the trade's
 * time (1 for stablecoins; otherwise the engine's price history, blank when
 * it has none: a guessed number would be worse than a blank one).
 */
import { formatUnits, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import type { CashFlowRow, TradeRow } from '../store';

export type UsdAt = (mint: string, ms: number) => number | null;

export const FIFO_NOTE = 'Cost basis and realised PnL: FIFO (first in, first out) per token, in the quote asset';

export interface Lot {
  qty: bigint;
  /** What the lot cost in the quote asset, base units (its buy fee in the quote asset included when the quote is SOL). */
  cost: bigint;
}

export interface FifoResult {
  /** Per trade id: the cost basis of what a sell sold (base units of its quote), 0 for buys. */
  costBasis: Map<number, bigint>;
  /** Per trade id: proceeds − cost basis for sells (quote base units), 0 for buys. */
  realized: Map<number, bigint>;
  /** Open lots left per `${baseMint}/${quoteMint}`. */
  open: Map<string, Lot[]>;
}

const feeInQuote = (t: TradeRow): bigint => (t.quoteMint === WRAPPED_SOL_MINT ? t.feeLamports : 0n);

/**
 * FIFO over trades in time order. Buy fees paid in SOL are part of a lot's cost
 * when SOL is the quote; sell fees paid in SOL reduce the proceeds then. A sell
 * larger than the open lots (tokens that came from outside) has no cost basis
 * for the excess (zero, the conservative choice a tax form asks to state).
 */
export function fifo(trades: readonly TradeRow[]): FifoResult {
  const open = new Map<string, Lot[]>();
  const costBasis = new Map<number, bigint>();
  const realized = new Map<number, bigint>();
  const sorted = [...trades].sort((a, b) => a.executedAt.localeCompare(b.executedAt) || a.id - b.id);
  for (const t of sorted) {
    const key = `${t.baseMint}/${t.quoteMint}`;
    const lots = open.get(key) ?? [];
    open.set(key, lots);
    if (t.side === 'buy') {
      if (t.baseAmount > 0n) lots.push({ qty: t.baseAmount, cost: t.quoteAmount + feeInQuote(t) });
      costBasis.set(t.id, 0n);
      realized.set(t.id, 0n);
      continue;
    }
    let left = t.baseAmount;
    let basis = 0n;
    while (left > 0n && lots.length > 0) {
      const lot = lots[0]!;
      const take = left < lot.qty ? left : lot.qty;
      // The lot's cost in proportion to what is taken; the remainder stays with the lot (no unit is lost).
      const part = take === lot.qty ? lot.cost : (lot.cost * take) / lot.qty;
      basis += part;
      lot.qty -= take;
      lot.cost -= part;
      left -= take;
      if (lot.qty === 0n) lots.shift();
    }
    costBasis.set(t.id, basis);
    realized.set(t.id, t.quoteAmount - feeInQuote(t) - basis);
  }
  return { costBasis, realized, open };
}

const csvCell = (v: string | number | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/u.test(s) ? `"${s.replace(/"/gu, '""')}"` : s;
};
const csvLine = (cells: readonly (string | number | null)[]): string => cells.map(csvCell).join(',');
const symbolOf = (mint: string): string => (mint === 'SOL' ? 'SOL' : (tokenByMint(mint)?.symbol ?? mint));
const decimalsOf = (mint: string): number => (mint === 'SOL' ? 9 : (tokenByMint(mint)?.decimals ?? 0));
const usd = (v: number | null): string | null => (v === null ? null : v.toFixed(2));

/** The quote's USD price at a time: stablecoins are 1, else the history given. */
function quoteUsd(mint: string, ms: number, usdAt: UsdAt): number | null {
  if (tokenByMint(mint)?.stable) return 1;
  return usdAt(mint, ms);
}

export const TRADE_HEADER = [
  'time',
  'side',
  'token',
  'amount',
  'quote',
  'quote_amount',
  'price',
  'fee_sol',
  'fee_usd',
  'cost_basis',
  'cost_basis_usd',
  'realized_pnl',
  'realized_pnl_usd',
  'venue',
  'signature',
];

/** CSV of trades between `fromIso` (inclusive) and `toIso` (exclusive); FIFO runs over all trades so lots opened before the window count. */
export function tradesCsv(
  all: readonly TradeRow[],
  opts: { fromIso?: string; toIso?: string; usdAt: UsdAt },
): { csv: string; rows: number } {
  const real = all.filter((t) => t.venue !== 'paper');
  const { costBasis, realized } = fifo(real);
  const lines = [`# ${FIFO_NOTE}`, csvLine(TRADE_HEADER)];
  let rows = 0;
  for (const t of [...real].sort((a, b) => a.executedAt.localeCompare(b.executedAt) || a.id - b.id)) {
    if (opts.fromIso && t.executedAt < opts.fromIso) continue;
    if (opts.toIso && t.executedAt >= opts.toIso) continue;
    const ms = Date.parse(t.executedAt);
    const qd = decimalsOf(t.quoteMint);
    const q = quoteUsd(t.quoteMint, ms, opts.usdAt);
    const solUsd = quoteUsd(WRAPPED_SOL_MINT, ms, opts.usdAt);
    const basis = costBasis.get(t.id) ?? 0n;
    const pnl = realized.get(t.id) ?? 0n;
    const human = (v: bigint): number => Number(v) / 10 ** qd;
    lines.push(
      csvLine([
        t.executedAt,
        t.side,
        symbolOf(t.baseMint),
        formatUnits(t.baseAmount, decimalsOf(t.baseMint)),
        symbolOf(t.quoteMint),
        formatUnits(t.quoteAmount, qd),
        t.price,
        formatUnits(t.feeLamports, 9),
        usd(solUsd === null ? null : (Number(t.feeLamports) / 1e9) * solUsd),
        t.side === 'sell' ? formatUnits(basis, qd) : null,
        t.side === 'sell' ? usd(q === null ? null : human(basis) * q) : null,
        t.side === 'sell' ? formatSigned(pnl, qd) : null,
        t.side === 'sell' ? usd(q === null ? null : human(pnl) * q) : null,
        t.venue,
        t.signature,
      ]),
    );
    rows++;
  }
  return { csv: `${lines.join('\n')}\n`, rows };
}

export const FLOW_HEADER = ['time', 'kind', 'token', 'amount', 'usd_value', 'signature', 'ref'];

/** CSV of cash flows (deposits and withdrawals, outside and Harvest's own) in the window. */
export function flowsCsv(
  flows: readonly CashFlowRow[],
  opts: { fromIso?: string; toIso?: string },
): { csv: string; rows: number } {
  const lines = [csvLine(FLOW_HEADER)];
  let rows = 0;
  for (const f of flows) {
    if (opts.fromIso && f.ts < opts.fromIso) continue;
    if (opts.toIso && f.ts >= opts.toIso) continue;
    const mint = f.mint ?? null;
    lines.push(
      csvLine([
        f.ts,
        f.kind,
        mint ? symbolOf(mint) : null,
        mint && f.amount !== null && f.amount !== undefined ? formatUnits(f.amount, decimalsOf(mint)) : null,
        (Number(f.amountUsd) / 1e6).toFixed(2),
        f.signature ?? null,
        f.ref,
      ]),
    );
    rows++;
  }
  return { csv: `${lines.join('\n')}\n`, rows };
}

function formatSigned(v: bigint, decimals: number): string {
  return v < 0n ? `-${formatUnits(-v, decimals)}` : formatUnits(v, decimals);
}
