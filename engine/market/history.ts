import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { HarvestError } from '../kernel/errors';
import type { Candle } from './types';

/**
 * Parses historical candles from CSV text with a header row. The time column
 * may be `timestamp_ms` (Unix ms), `time` (Unix seconds) or `date`
 * (`YYYY-MM-DD HH:MM:SS`, UTC); then `open,high,low,close` and an optional
 * `volume` (0 when absent). Rows must be strictly increasing in time.
 */
export function parseCandlesCsv(text: string): Candle[] {
  const lines = text.split(/\r?\n/u).filter((l) => l.trim().length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  const timeCol = ['timestamp_ms', 'time', 'date'].map(col).find((i) => i >= 0) ?? -1;
  const timeKind = timeCol >= 0 ? header[timeCol]! : '';
  const [o, h, l, c, v] = ['open', 'high', 'low', 'close', 'volume'].map(col) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (timeCol < 0 || o < 0 || h < 0 || l < 0 || c < 0) {
    throw new HarvestError(
      'INVALID_INPUT',
      'Candle CSV needs a header with a time column (timestamp_ms, time or date) and open, high, low, close.',
    );
  }
  const out: Candle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split(',');
    const rawTime = f[timeCol] ?? '';
    const time =
      timeKind === 'timestamp_ms'
        ? Number(rawTime)
        : timeKind === 'time'
          ? Number(rawTime) * 1000
          : Date.parse(`${rawTime.trim().replace(' ', 'T')}Z`);
    const candle: Candle = {
      time,
      open: Number(f[o]),
      high: Number(f[h]),
      low: Number(f[l]),
      close: Number(f[c]),
      volume: v >= 0 ? Number(f[v]) : 0,
    };
    if (!Object.values(candle).every(Number.isFinite)) {
      throw new HarvestError('INVALID_INPUT', `Candle CSV row ${i + 1} is not a valid candle: ${lines[i]}`);
    }
    const prev = out[out.length - 1];
    if (prev && !(time > prev.time)) {
      throw new HarvestError('INVALID_INPUT', `Candle CSV row ${i + 1}: time does not increase.`);
    }
    out.push(candle);
  }
  return out;
}

/** Reads a candle CSV file (gzipped when the name ends in .gz). */
export function loadCandlesFile(path: string): Candle[] {
  const buf = readFileSync(path);
  return parseCandlesCsv((path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'));
}
