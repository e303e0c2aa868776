import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import { runFactNeutral } from './fact-changes';

/** Where a stored candle came from: built here from live ticks, or seeded from a history source. */
export type CandleSource = 'live' | `seed:${string}`;

export interface StoredCandle {
  /** Open time, Unix ms (UTC); on the sandbox, the replay's market time. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  source: CandleSource;
  /** The source had no data for this bucket: it is filled flat at the previous close, with no volume. */
  gap: boolean;
}

interface Row {
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  source: string;
  gap: number;
}

const toCandle = (r: Row): StoredCandle => ({
  time: r.open_time,
  open: r.open,
  high: r.high,
  low: r.low,
  close: r.close,
  volume: r.volume,
  source: r.source as CandleSource,
  gap: r.gap === 1,
});

function prepareAll(
  db: Db,
): Record<
  'upsertLive' | 'insertSeed' | 'recent' | 'range' | 'latest' | 'prune' | 'series' | 'clear' | 'count',
  Statement
> {
  return {
    // A live candle replaces a seeded one of the same bucket (what this engine saw wins).
    upsertLive: db.prepare(
      `INSERT INTO candles (network, mint, timeframe, open_time, open, high, low, close, volume, source, gap) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', 0)
       ON CONFLICT (network, mint, timeframe, open_time) DO UPDATE SET open = excluded.open, high = excluded.high,
         low = excluded.low, close = excluded.close, volume = excluded.volume, source = 'live', gap = 0`,
    ),
    // Seeded history never overwrites anything already stored.
    insertSeed: db.prepare(
      `INSERT OR IGNORE INTO candles (network, mint, timeframe, open_time, open, high, low, close, volume, source, gap) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    recent: db.prepare(
      `SELECT open_time, open, high, low, close, volume, source, gap FROM (SELECT open_time, open, high, low, close, volume, source, gap FROM candles WHERE network = ? AND mint = ? AND timeframe = ?
         ORDER BY open_time DESC LIMIT ?) ORDER BY open_time`,
    ),
    range: db.prepare(
      `SELECT open_time, open, high, low, close, volume, source, gap FROM candles WHERE network = ? AND mint = ? AND timeframe = ? AND open_time >= ? AND open_time < ?
       ORDER BY open_time`,
    ),
    latest: db.prepare('SELECT MAX(open_time) AS t FROM candles WHERE network = ? AND mint = ? AND timeframe = ?'),
    // Keeps the newest `keep` candles of a series and nothing older than the cutoff.
    prune: db.prepare(
      `DELETE FROM candles WHERE network = ? AND mint = ? AND timeframe = ? AND (open_time < ? OR open_time <
         (SELECT open_time FROM candles WHERE network = ? AND mint = ? AND timeframe = ?
          ORDER BY open_time DESC LIMIT 1 OFFSET ?))`,
    ),
    series: db.prepare('SELECT DISTINCT mint, timeframe FROM candles WHERE network = ?'),
    clear: db.prepare('DELETE FROM candles WHERE network = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM candles WHERE network = ? AND mint = ? AND timeframe = ?'),
  };
}

/**
 * Candles per (network, mint, timeframe), persisted as they close so a
 * restart continues where it stopped. Statements are prepared once: a candle
 * closes for every token and timeframe, so this runs every cycle.
 */
export class CandlesRepo {
  private prepared: ReturnType<typeof prepareAll> | null = null;

  constructor(private readonly db: Db) {}

  /**
   * Prepared once, on first use rather than in the constructor: a Store is also opened over
   * backup images and read-only files of an older schema (restore), which have no candles table.
   */
  private get s(): ReturnType<typeof prepareAll> {
    this.prepared ??= prepareAll(this.db);
    return this.prepared;
  }

  /** Records a candle that closed live. */
  putLive(network: string, mint: string, timeframe: string, c: Omit<StoredCandle, 'source' | 'gap'>): void {
    runFactNeutral(
      this.db,
      this.s.upsertLive,
      network,
      mint,
      timeframe,
      c.time,
      c.open,
      c.high,
      c.low,
      c.close,
      c.volume,
    );
  }

  /** Records seeded history (one transaction); returns how many were new. */
  putSeed(network: string, mint: string, timeframe: string, candles: readonly StoredCandle[]): number {
    return this.db.transaction(() => {
      let added = 0;
      for (const c of candles) {
        added += runFactNeutral(
          this.db,
          this.s.insertSeed,
          network,
          mint,
          timeframe,
          c.time,
          c.open,
          c.high,
          c.low,
          c.close,
          c.volume,
          c.source,
          c.gap ? 1 : 0,
        ).changes;
      }
      return added;
    })();
  }

  /** The newest `limit` candles of a series, oldest first. */
  recent(network: string, mint: string, timeframe: string, limit: number): StoredCandle[] {
    return (this.s.recent.all(network, mint, timeframe, limit) as Row[]).map(toCandle);
  }

  /** Candles opening in [from, to), oldest first. */
  range(network: string, mint: string, timeframe: string, from: number, to: number): StoredCandle[] {
    return (this.s.range.all(network, mint, timeframe, from, to) as Row[]).map(toCandle);
  }

  latestTime(network: string, mint: string, timeframe: string): number | null {
    return (this.s.latest.get(network, mint, timeframe) as { t: number | null }).t;
  }

  count(network: string, mint: string, timeframe: string): number {
    return (this.s.count.get(network, mint, timeframe) as { n: number }).n;
  }

  /** Drops all but the newest `keep` candles of a series, and any opening before `olderThan`; returns how many. */
  prune(network: string, mint: string, timeframe: string, keep: number, olderThan: number): number {
    return runFactNeutral(
      this.db,
      this.s.prune,
      network,
      mint,
      timeframe,
      olderThan,
      network,
      mint,
      timeframe,
      Math.max(0, keep - 1),
    ).changes;
  }

  series(network: string): { mint: string; timeframe: string }[] {
    return this.s.series.all(network) as { mint: string; timeframe: string }[];
  }

  /** Forgets a network's candles (the sandbox's replay jumped back in market time). */
  clear(network: string): number {
    return runFactNeutral(this.db, this.s.clear, network).changes;
  }
}
