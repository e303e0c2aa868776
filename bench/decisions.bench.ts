import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../engine/kernel/clock';
import { DecisionLog } from '../engine/runtime/decisions';
import { openDatabase, Store } from '../engine/store';
import { median, ms, table, type Benchmark } from './harness';

const TOKENS = ['SOL', 'WETH', 'WBTC', 'JUP', 'BONK'];
const USER_COUNTS = [1_000, 10_000];
const BATCH = 100;
const HOUR = 3_600_000;

/**
 * The decision log's cost per cycle on a real SQLite file (WAL, synchronous FULL), as the runner
 * writes it: every (friend, token) state moves to the new candle, 1 % of them log a decision, and
 * each batch of 100 friends is one transaction.
 */
function cycle(log: DecisionLog, users: number, candle: number, decide: boolean, batch: number): void {
  for (let b = 0; b < users; b += batch) {
    for (let u = b + 1; u <= Math.min(users, b + batch); u++) {
      for (const token of TOKENS) {
        log.setState({
          userId: u,
          token,
          strategyId: 'trend',
          timeframe: '1h',
          warmupHave: 78,
          warmupNeeded: 78,
          lastCandle: candle,
          indicators: { 'EMA(12)': candle / 1e9, 'EMA(26)': 1.5, 'ATR(14)': 0.1, close: 2 },
          signal: null,
          outcome: 'no-signal',
          code: 'NO_SIGNAL',
          message: 'Waiting for a signal.',
          tradedAt: null,
        });
        if (decide && (u * 7 + candle / HOUR) % 100 === 0) {
          log.record({
            userId: u,
            token,
            strategyId: 'trend',
            candleTime: candle,
            outcome: 'skipped',
            code: 'COOLDOWN',
            message: 'A position in this token closed recently; the cooldown ends soon.',
            signalSide: 'buy',
            indicators: { close: 2 },
            intentId: null,
            clientId: null,
          });
        }
      }
    }
    log.flush();
  }
}

const bench: Benchmark = {
  id: 'decisions',
  title: 'Strategy decision log: live state and decisions written per cycle (SQLite, I/O included)',
  async run(say) {
    const rows: (string | number)[][] = [];
    for (const users of USER_COUNTS) {
      const dir = mkdtempSync(join(tmpdir(), 'hv-bench-decisions-'));
      try {
        const clock = new ManualClock(Date.UTC(2026, 0, 1));
        const store = new Store(openDatabase(join(dir, 'h.db'), { nowIso: new Date(clock.now()).toISOString() }));
        store.tx(() => {
          for (let u = 1; u <= users; u++) store.users.insert(`u${u}`, '2026-01-01T00:00:00.000Z');
        });
        const log = new DecisionLog(store, clock);
        const moved: number[] = [];
        const once: number[] = [];
        const quiet: number[] = [];
        for (let c = 0; c < 6; c++) {
          clock.advance(HOUR);
          let t = performance.now();
          cycle(log, users, clock.now(), true, BATCH);
          moved.push(performance.now() - t);
          clock.advance(HOUR);
          t = performance.now();
          cycle(log, users, clock.now(), true, users);
          once.push(performance.now() - t);
          t = performance.now();
          cycle(log, users, clock.now(), false, BATCH); // the same candle again: nothing changed, nothing written
          quiet.push(performance.now() - t);
        }
        const m = median(moved.slice(1));
        const o = median(once.slice(1));
        const q = median(quiet.slice(1));
        say(`${users} friends: ${ms(m)} per cycle with a new candle (${ms(o)} in one transaction), ${ms(q)} without`);
        rows.push([users, users * TOKENS.length, ms(m), ms(o), ms((o / (users * TOKENS.length)) * 1000), ms(q)]);
        store.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return [
      'Each cycle with a new candle rewrites every (friend, token) live state (warm-up, values, last candle) and logs',
      'a decision for 1 % of them; batches of 100 friends are one transaction each, as the runner flushes them. A',
      'cycle without a new candle changes nothing and writes nothing. Median of 5 cycles, wall time, on a real',
      'SQLite file (WAL, synchronous FULL).',
      '',
      table(
        [
          'friends',
          'friend×token states',
          'new candle, a commit per 100 friends (ms)',
          'new candle, one commit (ms)',
          'µs per state (one commit)',
          'no new candle (ms)',
        ],
        rows,
      ),
    ].join('\n');
  },
};

export default bench;
