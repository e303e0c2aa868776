/**
 * loadSeries parses the candle files with a hand-written scanner (issue 12, item 5:
 * `serve` starts faster). It must read exactly the doubles Number() reads from each
 * field, for the bundled files and for text a hand-edited file might hold.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MARKET_DIR, loadSeries, type CandlePair } from '../../../engine/sandbox/price-replay';

/** The straightforward parse: every non-blank line after the header, split on commas, Number() per field. */
function reference(text: string): number[][] {
  const rows = text.split('\n').filter((l, i) => i > 0 && l.trim().length > 0);
  return [0, 1, 2, 3, 4, 5].map((k) => rows.map((r) => Number(r.split(',')[k])));
}

function columns(dir: string, pair: string): number[][] {
  const s = loadSeries(dir, pair as CandlePair);
  return [s.t, s.o, s.h, s.l, s.c, s.v].map((a) => [...a]);
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadSeries', () => {
  it('reads the bundled candle files exactly as Number() does', () => {
    const files = readdirSync(DEFAULT_MARKET_DIR).filter((f) => f.endsWith('.csv.gz'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = gunzipSync(readFileSync(join(DEFAULT_MARKET_DIR, f))).toString('utf8');
      const got = columns(DEFAULT_MARKET_DIR, f.split('-')[0]!);
      const want = reference(text);
      expect(got.map((c) => c.length)).toEqual(want.map((c) => c.length));
      // Object.is: the same double, bit for bit (NaN included); one assertion per file, not per value.
      const differing = got.flatMap((col, k) => col.flatMap((v, i) => (Object.is(v, want[k]![i]) ? [] : [[k, i]])));
      expect(differing).toEqual([]);
    }
  });

  it('matches Number() on unusual fields: CRLF, blanks, missing and extra fields, exponents, long and signed numbers', () => {
    const text = [
      'timestamp_ms,open,high,low,close,volume',
      '1000,1.9641,1.9709,1.961,1.9612,1325.86',
      '',
      '2000,0.0000000000000001234,12.,.5,-3.25,1e3\r',
      '   ',
      '3000,123456789012345678,0.1234567890123456,007.50,+4,',
      '4000,1,2',
      '5000,1,2,3,4,5,6,7',
      '6000, 1.5 ,x,,0,00000000000000000001.5',
    ].join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'harvest-candles-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'TESTPAIR-5m-binance-2020-12_2021-07.csv.gz'), gzipSync(text));
    const got = columns(dir, 'TESTPAIR');
    const want = reference(text);
    expect(got.map((c) => c.length)).toEqual(want.map((c) => c.length));
    got.forEach((col, k) => col.forEach((v, i) => expect([k, i, v]).toEqual([k, i, want[k]![i]])));
  });
});
