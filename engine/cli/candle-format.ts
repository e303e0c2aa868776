import type { CommandOutput } from '../api';

type Candles = CommandOutput<'market.candles'>;

const SOURCE_LABEL: Record<string, string> = {
  live: 'live',
  forming: 'forming',
  'seed:replay': 'replay history',
  'seed:binance': 'Binance history',
  'seed:geckoterminal': 'GeckoTerminal history',
};

/** Decimals for a price column: enough to see a move, the same for every row so the columns line up. */
export function priceDecimals(price: number): number {
  if (price >= 1000) return 2;
  if (price >= 10) return 3;
  if (price >= 1) return 4;
  if (price <= 0 || !Number.isFinite(price)) return 2;
  // Four significant digits below 1 (0.00001234 -> 8 decimals).
  return Math.min(12, 3 - Math.floor(Math.log10(price)));
}

function utcMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** `harvest candles TOKEN`: one row per candle, oldest first, with where it came from. */
export function formatCandles(o: Candles): string {
  if (o.candles.length === 0)
    return `No ${o.timeframe} candles of ${o.token} yet: they build up while the engine runs.`;
  const last = o.candles[o.candles.length - 1]!;
  const d = priceDecimals(last.close);
  const cols = ['open', 'high', 'low', 'close'] as const;
  const width = Math.max(...o.candles.flatMap((c) => cols.map((k) => c[k].toFixed(d).length)), 5);
  const clock =
    o.timeKind === 'replay' ? "Times are the sandbox replay's market time (UTC), not today's date." : 'Times are UTC.';
  const head = `${'time (UTC)'.padEnd(16)}  ${cols.map((k) => k.padStart(width)).join('  ')}  source`;
  const rows = o.candles.map((c) => {
    const source = SOURCE_LABEL[c.source ?? ''] ?? c.source ?? '';
    const mark = c.gap ? `${source}, gap: no trades, flat at the previous close` : source;
    return `${utcMinute(c.time)}  ${cols.map((k) => c[k].toFixed(d).padStart(width)).join('  ')}  ${mark}`;
  });
  const gaps = o.candles.filter((c) => c.gap).length;
  return [
    `${o.token}/USD · ${o.timeframe} · ${o.candles.length} candle(s)${gaps ? ` (${gaps} gap(s))` : ''}. ${clock}`,
    head,
    ...rows,
  ].join('\n');
}
