import type { CommandOutput } from '../api';
import { entriesStoppedText } from '../api/human-text';

type Report = CommandOutput<'backtest.run'>['report'];
type Metrics = Report['metrics'];

const pct = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(2)} %`);
const num = (x: number | null): string => (x === null ? '—' : x.toFixed(2));
const usd = (x: number): string =>
  `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function metricLines(m: Metrics): [string, string][] {
  return [
    ['Total return', pct(m.totalReturnPct)],
    ['Buy and hold', pct(m.buyHoldReturnPct)],
    ['CAGR', pct(m.cagrPct)],
    ['Max drawdown', m.maxDrawdownPct === 0 ? '0 %' : `-${m.maxDrawdownPct.toFixed(2)} %`],
    ['Sharpe', num(m.sharpe)],
    ['Sortino', num(m.sortino)],
    ['Win rate', m.winRatePct === null ? '—' : `${m.winRatePct.toFixed(1)} %`],
    ['Profit factor', num(m.profitFactor)],
    ['Exposure', `${m.exposurePct.toFixed(1)} %`],
    ['Trades', String(m.tradeCount)],
    ['Equity', `${usd(m.startEquityUsd)} → ${usd(m.endEquityUsd)}`],
  ];
}

export function formatReport(r: Report, id: number | null): string {
  const out = [
    `Backtest${id !== null ? ` #${id}` : ''}: ${r.strategy} on ${r.tokens.join(', ')} (${r.timeframe} candles), ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)}`,
    `Capital ${usd(r.capitalUsd)}, risk ${r.riskPreset}, fee ${r.feeBps} bps, slippage ${r.slippageBps} bps`,
    `Parameters: ${Object.entries(r.params)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ')}`,
    '',
    ...metricLines(r.metrics).map(([k, v]) => `  ${k.padEnd(14)} ${v}`),
  ];
  const rejected = Object.entries(r.rejected);
  if (r.skipped > 0 || rejected.length > 0)
    out.push(
      '',
      `Entries not taken: ${r.skipped} below the minimum order once sized${rejected.map(([k, v]) => `, ${v} refused (${k.toLowerCase().replace(/_/gu, ' ')})`).join('')}`,
    );
  if (r.entriesStopped) out.push('', entriesStoppedText(r.entriesStopped));
  if (r.gaps.length > 0) {
    const missing = r.gaps.reduce((s, g) => s + g.missing, 0);
    out.push(
      `Gaps in the data: ${r.gaps.length} (${missing} candles missing; no cycle runs where a candle is missing)`,
    );
  }
  if (r.trades.length > 0) {
    out.push('', 'Last trades:');
    for (const t of r.trades.slice(-10))
      out.push(
        `  ${t.time.slice(0, 16).replace('T', ' ')}  ${t.side.padEnd(4)} ${t.amount} ${t.token} at ${t.price.toPrecision(6)}  ${usd(t.valueUsd)}${t.pnlUsd !== null ? `  PnL ${usd(t.pnlUsd)}` : ''}  (${t.context === 'exit' ? t.reason.replace('_', '-') : 'strategy'})`,
      );
  }
  return out.join('\n');
}

function formatOptimise(o: CommandOutput<'backtest.optimise'>): string {
  const cell = (x: number | null, unit = ''): string => (x === null ? '—' : `${x.toFixed(2)}${unit}`);
  const head = `${'#'.padEnd(3)} ${'in-sample return'.padStart(16)} ${'sharpe'.padStart(7)} ${'out-of-sample return'.padStart(20)} ${'sharpe'.padStart(7)} ${'max dd'.padStart(8)} ${'trades'.padStart(6)}  parameters`;
  return [
    `${o.strategy} on ${o.tokens.join(', ')}: ${o.tried} parameter sets, trained ${o.from.slice(0, 10)}..${o.split.slice(0, 10)}, tested ${o.split.slice(0, 10)}..${o.to.slice(0, 10)}; sorted by ${o.sortedBy}`,
    '',
    head,
    ...o.rows.map(
      (r, i) =>
        `${String(i + 1).padEnd(3)} ${cell(r.inSample.totalReturnPct, ' %').padStart(16)} ${cell(r.inSample.sharpe).padStart(7)} ${cell(r.outOfSample.totalReturnPct, ' %').padStart(20)} ${cell(r.outOfSample.sharpe).padStart(7)} ${cell(-r.outOfSample.maxDrawdownPct, ' %').padStart(8)} ${String(r.outOfSample.tradeCount).padStart(6)}  ${Object.entries(
          r.params,
        )
          .filter(([k]) => k !== 'timeframe')
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ')}`,
    ),
  ].join('\n');
}

export const backtestFormatters = {
  'backtest.optimise': formatOptimise,
  'backtest.run': (o: CommandOutput<'backtest.run'>) => formatReport(o.report, o.id),
  'backtest.show': (o: CommandOutput<'backtest.show'>) =>
    `${o.name} (saved ${o.savedAt.slice(0, 16).replace('T', ' ')})\n${formatReport(o.report, o.id)}`,
  'backtest.list': (o: CommandOutput<'backtest.list'>) =>
    o.runs.length === 0
      ? 'No saved backtests yet: run "harvest backtest --strategy trend --tokens SOL --from 2021-01-01 --to 2021-03-01".'
      : [
          `${'#'.padEnd(4)} ${'name'.padEnd(44)} ${'return'.padStart(10)} ${'max dd'.padStart(9)} ${'sharpe'.padStart(7)} ${'trades'.padStart(6)}`,
          ...o.runs.map(
            (r) =>
              `${String(r.id).padEnd(4)} ${r.name.slice(0, 44).padEnd(44)} ${pct(r.metrics.totalReturnPct).padStart(10)} ${`-${r.metrics.maxDrawdownPct.toFixed(1)} %`.padStart(9)} ${num(r.metrics.sharpe).padStart(7)} ${String(r.metrics.tradeCount).padStart(6)}`,
          ),
        ].join('\n'),
  'backtest.export': (o: CommandOutput<'backtest.export'>) => o.content.trimEnd(),
  'backtest.start': (o: CommandOutput<'backtest.start'>) => `Backtest started: job ${o.job}.`,
  'backtest.optimiseStart': (o: CommandOutput<'backtest.optimiseStart'>) => `Optimisation started: job ${o.job}.`,
  'backtest.job': formatJob,
  'backtest.cancel': formatJob,
};

function formatJob(o: CommandOutput<'backtest.job'>): string {
  const what = o.kind === 'run' ? 'Backtest' : 'Optimisation';
  if (o.state === 'running') return `${what} job ${o.job}: running, ${Math.floor(o.progress * 100)} % done.`;
  if (o.state === 'cancelled') return `${what} job ${o.job}: cancelled.`;
  if (o.state === 'failed') return `${what} job ${o.job} failed: ${o.error ?? 'no reason given'}`;
  if (o.run) return formatReport(o.run.report, o.run.id);
  if (o.optimise) return formatOptimise(o.optimise);
  return `${what} job ${o.job}: done.`;
}

/** Saved runs side by side: one column per run. */
export function formatComparison(runs: CommandOutput<'backtest.show'>[]): string {
  const rows: [string, ...string[]][] = [
    ['', ...runs.map((r) => `#${r.id}`)],
    ['Strategy', ...runs.map((r) => r.report.strategy)],
    ['Tokens', ...runs.map((r) => r.report.tokens.join('+'))],
    ['Period', ...runs.map((r) => `${r.report.from.slice(0, 10)}..${r.report.to.slice(0, 10)}`)],
  ];
  const lines = runs.map((r) => metricLines(r.report.metrics));
  for (let i = 0; i < lines[0]!.length; i++) rows.push([lines[0]![i]![0], ...lines.map((l) => l[i]![1])]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}
