import type { CommandOutput } from '../api';
import { friendName, wordsOf, type NameOf } from '../api/human-text';
import { formatUnits } from '../market/amounts';

const usd = (n: number | null): string => (n === null ? '-' : `${n < 0 ? '-' : ''}$${Math.abs(n).toFixed(2)}`);
/** A gain or loss: signed, and zero (as shown, to the cent) without a sign: neither a gain nor a loss. */
const signedUsd = (n: number | null): string => {
  if (n === null) return '-';
  const cents = Math.round(n * 100);
  if (cents === 0) return '$0.00';
  return `${cents < 0 ? '-' : '+'}$${(Math.abs(cents) / 100).toFixed(2)}`;
};
const signedPct = (n: number | null): string => {
  if (n === null) return '-';
  const r = Math.round(n * 100);
  if (r === 0) return '0.00%';
  return `${r < 0 ? '-' : '+'}${(Math.abs(r) / 100).toFixed(2)}%`;
};
const pct = (n: number | null, digits = 2): string => (n === null ? '-' : `${n.toFixed(digits)}%`);

type Limits = CommandOutput<'risk.limits'>;

function formatLimits(o: Limits, h?: { nameOf: NameOf }): string {
  const e = o.effective;
  const mark = (k: string): string => (o.fromGlobal.includes(k) ? ' (global limit)' : '');
  return [
    `Risk limits of ${friendName(o.userId, h?.nameOf ?? (() => null))}: ${o.preset} (settings version ${o.version})`,
    `  position         ≤ ${e.maxPositionPctEquity}% of equity${mark('maxPositionPctEquity')} and ≤ $${e.maxPositionUsd}${mark('maxPositionUsd')}`,
    `  open positions   ≤ ${e.maxConcurrentPositions}${mark('maxConcurrentPositions')}`,
    `  max exposure     ≤ ${e.maxExposurePct}% of equity in open positions together${mark('maxExposurePct')}`,
    `  daily loss       < ${e.maxDailyLossPct}%${mark('maxDailyLossPct')} and < $${e.maxDailyLossUsd}${mark('maxDailyLossUsd')} (else no entries until the next UTC day)`,
    `  drawdown         < ${e.maxDrawdownPct}%${mark('maxDrawdownPct')} from the high-water mark (else paused until the operator resumes)`,
    `  entries per day  ≤ ${e.maxTradesPerDay}${mark('maxTradesPerDay')}`,
    `  loss streak      ${e.lossStreak.losses} losing trades in ${e.lossStreak.windowMinutes} min → no entries for ${e.lossStreak.pauseMinutes} min`,
    `  cooldown         ${e.cooldownMinutes} min after a close, per token`,
    `  order size       $${e.minOrderUsd}${mark('minOrderUsd')} to $${e.maxOrderUsd}${mark('maxOrderUsd')}`,
    `  stop-loss        ${e.stopLossRequired ? 'required on every entry' : 'optional'}${mark('stopLossRequired')}`,
  ].join('\n');
}

function formatGlobal(o: CommandOutput<'risk.global'>): string {
  const entries = Object.entries(o.limits).filter(([k]) => k !== 'requireStopLoss');
  return [
    `Global limits (override every user): stop-loss ${o.limits.requireStopLoss ? 'required' : 'up to each user'}`,
    ...(entries.length ? entries.map(([k, v]) => `  ${wordsOf(k)}: ${String(v)}`) : ['  no caps set']),
  ].join('\n');
}

/** Formatters of the risk and performance commands (spread into the formatter table). */
export const riskFormatters = {
  'risk.preset': (o: Limits, h?: { nameOf: NameOf }) => formatLimits(o, h),
  'risk.limits': (o: Limits, h?: { nameOf: NameOf }) => formatLimits(o, h),
  'risk.global': formatGlobal,
  'risk.setGlobal': formatGlobal,
  'stats.user': (s: CommandOutput<'stats.user'>) =>
    [
      `${s.name}: ${s.account} on ${s.network}, since ${s.since ?? 'no snapshot yet'}`,
      `  equity        ${usd(s.equityUsd)}  (started ${usd(s.startEquityUsd)}, net flows since ${signedUsd(s.netFlowsUsd)}; deposits ${usd(s.depositsUsd)}, withdrawals ${usd(s.withdrawalsUsd)})`,
      `  total PnL     ${signedUsd(s.pnlUsd)}   return ${signedPct(s.returnPct)}   today ${signedUsd(s.dayPnlUsd)}   (net of deposits and withdrawals)`,
      `  high-water    ${usd(s.highWaterUsd)}   drawdown ${pct(s.drawdownPct)}   max drawdown ${pct(s.maxDrawdownPct)}`,
      `  trade PnL     ${s.uiRealizedPnl} ${s.quoteSymbol} realized, ${s.uiUnrealizedPnl ?? '-'} ${s.quoteSymbol} unrealized  (${signedUsd(s.tradePnlUsd)})`,
      `  trades        ${s.tradeCount} (${s.roundTrips} round trips: ${s.wins} won, ${s.losses} lost; win rate ${s.winRate === null ? '-' : pct(s.winRate * 100, 1)})`,
      `  volume        ${usd(s.volumeUsd)}   fees ${usd(s.feesUsd)} (${formatUnits(BigInt(s.feesLamports), 9)} SOL in network fees)   open positions ${s.openPositions}`,
    ].join('\n'),
  'stats.equityCurve': (o: CommandOutput<'stats.equityCurve'>) => {
    if (o.points.length === 0)
      return `${o.account}: no equity snapshots yet (the running engine writes one per cycle).`;
    // Points and flows in time order; a flow is its own line, never a jump in PnL.
    const lines = [
      ...o.points.map((p) => ({
        ts: p.ts,
        text: `${p.ts}  ${usd(p.equityUsd).padStart(14)}  PnL ${signedUsd(p.pnlUsd).padStart(12)}  mark ${usd(p.highWaterUsd).padStart(14)}  drawdown ${pct(p.drawdownPct)}`,
      })),
      ...o.flows.map((f) => ({
        ts: f.ts,
        text: `${f.ts}  ${f.kind === 'deposit' ? '+ deposit   ' : '- withdrawal'} ${usd(f.amountUsd)} (a flow, not profit)`,
      })),
    ].sort((a, b) => a.ts.localeCompare(b.ts));
    return [`${o.account}:`, ...lines.map((l) => l.text)].join('\n');
  },
  'stats.leaderboard': (o: CommandOutput<'stats.leaderboard'>) =>
    [
      `Ranked by ${o.by === 'return' ? 'return %' : 'PnL'}${o.anonymous ? ' (anonymous)' : ''}`,
      ...o.rows.map(
        (r) =>
          `${String(r.rank).padStart(3)}. ${r.name.padEnd(20)} return ${signedPct(r.returnPct).padStart(9)}  PnL ${signedUsd(r.pnlUsd).padStart(12)}  equity ${usd(r.equityUsd).padStart(12)}  trades ${r.tradeCount}  win ${r.winRate === null ? '-' : pct(r.winRate * 100, 0)}${r.mode === 'paper' ? '  (paper)' : ''}`,
      ),
      `(${o.method})`,
    ].join('\n'),
};
