import type { CommandOutput } from '../api';

type Status = CommandOutput<'strategy.status'>;
type UserStatus = Status['users'][number];
type Decision = CommandOutput<'strategy.decisions'>['decisions'][number];

const num = (x: number | null): string =>
  x === null ? '-' : Math.abs(x) >= 100 ? x.toFixed(2) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(4);
/** "2026-01-02 14:05" (UTC): minutes are what a person compares candles by. */
const when = (iso: string | null): string => (iso === null ? '-' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`);

function values(v: Record<string, number | null> | null): string {
  if (!v) return '-';
  return Object.entries(v)
    .map(([k, x]) => `${k} ${num(x)}`)
    .join(', ');
}

function decisionLine(d: Decision): string {
  const what = d.outcome === 'skipped' ? `skipped: ${d.label}` : d.outcome === 'error' ? `error: ${d.label}` : d.label;
  const side = d.side ? `${d.side} ` : '';
  return `${when(d.at)}  ${d.token.padEnd(5)} ${side.padEnd(5)}${what.padEnd(32)} ${d.message}`;
}

function userBlock(u: UserStatus, detailed: boolean): string[] {
  const lines = [`${u.name}  ${u.strategy} (${u.mode})  ${u.headline}`];
  if (u.tokens.length === 0) lines.push('  no candle evaluated yet');
  for (const t of u.tokens) {
    const warm = t.warmup.have < t.warmup.needed ? `warming up ${t.warmup.have}/${t.warmup.needed}` : 'warmed up';
    const d = t.lastDecision;
    const decided = d.outcome === 'skipped' ? `skipped: ${d.label}` : d.label;
    lines.push(`  ${t.token.padEnd(5)} ${t.timeframe.padEnd(3)} ${warm}; last candle ${when(t.lastCandleAt)}`);
    lines.push(`        values: ${values(t.indicators)}`);
    lines.push(
      `        last signal: ${t.lastSignal ? `${t.lastSignal.side} at ${when(t.lastSignal.candleAt)}: ${t.lastSignal.reason}` : 'none yet'}`,
    );
    lines.push(`        last decision: ${decided} (${when(d.at)}): ${d.message}`);
    if (t.lastTradeAt) lines.push(`        last trade: ${when(t.lastTradeAt)}`);
  }
  if (detailed && u.recent.length > 0) {
    lines.push('  recent decisions:');
    for (const r of u.recent) lines.push(`    ${decisionLine(r)}`);
  }
  return lines;
}

/** `harvest strategy status [USER]`: one block per friend, each traded token with its state. */
export function formatStrategyStatus(o: Status): string {
  if (o.users.length === 0) return 'No friends yet.';
  const detailed = o.users.length === 1;
  return o.users.map((u) => userBlock(u, detailed).join('\n')).join('\n\n');
}

/** `harvest strategy log USER`: the decision log, newest first. */
export function formatDecisions(o: CommandOutput<'strategy.decisions'>): string {
  if (o.decisions.length === 0) return `No strategy decisions recorded for ${o.name} in this period.`;
  return [`Strategy decisions of ${o.name} (newest first, times UTC):`, ...o.decisions.map(decisionLine)].join('\n');
}

/** Formatters of strategy.status and strategy.decisions (spread into the formatter table). */
export const strategyStatusFormatters = {
  'strategy.status': formatStrategyStatus,
  'strategy.decisions': formatDecisions,
};
