import { z } from 'zod';
import type { Clock } from '../kernel/clock';
import { getJson } from './history-http';
import {
  closedWithGapsFilled,
  HISTORY_TIMEFRAME,
  type CandleHistorySource,
  type HistoryAnswer,
  type HistoryRequest,
} from './history-source';

/**
 * The time prices belong to. On mainnet and devnet it is the engine's clock;
 * on the sandbox it is the replay's market clock, which runs `speed` times
 * faster than wall time and sits in 2020-2021. Candles are bucketed on it, so
 * a 5m candle on the sandbox holds 5 minutes of replayed market.
 */
export interface MarketClock {
  /** 'replay': sandbox market time; 'wall': the engine's own clock. */
  readonly kind: 'replay' | 'wall';
  now(): number;
  /** Market ms per clock ms (1 on the wall clock). */
  speed(): number;
  /** Re-reads the market time where it comes from elsewhere (once a cycle); never throws. */
  sync(): Promise<void>;
}

export function wallMarketClock(clock: Clock): MarketClock {
  return { kind: 'wall', now: () => clock.now(), speed: () => 1, sync: async () => undefined };
}

const ClockAnswer = z.object({
  position: z.number(),
  speed: z.number().nonnegative(),
  start: z.number(),
  end: z.number(),
  atEnd: z.enum(['loop', 'hold']),
});
export type ReplayClockAnswer = z.infer<typeof ClockAnswer>;

/**
 * The sandbox's market time read over its control API (`GET /sandbox/clock`),
 * wherever the sandbox runs (this process or `harvest sandbox start`), and
 * extrapolated between reads with the replay's speed, wrapping or holding at
 * the end of the data as the replay does.
 */
export class SandboxMarketClock implements MarketClock {
  readonly kind = 'replay' as const;
  private anchor: ReplayClockAnswer | null = null;
  private readAt = 0;
  /** The last read failed (the sandbox went away): extrapolation goes on from the last good read. */
  lastError: string | null = null;

  constructor(
    private readonly swapApiUrl: string,
    private readonly clock: Clock,
  ) {}

  async sync(): Promise<void> {
    try {
      const r = await getJson(`${this.swapApiUrl}/sandbox/clock`, { timeoutMs: 5_000 });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      this.anchor = ClockAnswer.parse(r.body);
      this.readAt = this.clock.now();
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
    }
  }

  speed(): number {
    return this.anchor?.speed ?? 1;
  }

  now(): number {
    const a = this.anchor;
    if (!a) throw new Error(`the sandbox's market time is unknown (${this.lastError ?? 'not read yet'})`);
    const t = a.position + (this.clock.now() - this.readAt) * a.speed;
    if (t < a.end) return t;
    if (a.atEnd === 'hold') return a.end;
    return a.start + ((t - a.start) % (a.end - a.start));
  }
}

const CandlesAnswer = z.object({
  candles: z.array(
    z.object({
      time: z.number(),
      open: z.number(),
      high: z.number(),
      low: z.number(),
      close: z.number(),
      volume: z.number(),
    }),
  ),
});

/** Most candles the sandbox sends in one answer; the client pages on. */
export const SANDBOX_CANDLES_PAGE = 5000;

/**
 * History on the sandbox: the replay's own real 5m candles (`GET
 * /sandbox/candles?mint&from&to`), in market time, up to the market's now. So
 * the history a strategy warms up on is exactly what the replay played.
 */
export class SandboxReplaySource implements CandleHistorySource {
  readonly name = 'seed:replay';

  constructor(
    private readonly swapApiUrl: string,
    private readonly market: MarketClock,
  ) {}

  async history(req: HistoryRequest): Promise<HistoryAnswer | null> {
    const raw: HistoryAnswer['candles'] = [];
    let from = req.from;
    for (;;) {
      const q = new URLSearchParams({ mint: req.mint, from: String(from), to: String(req.to) });
      const r = await getJson(`${this.swapApiUrl}/sandbox/candles?${q}`, req.signal ? { signal: req.signal } : {});
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`sandbox candles: HTTP ${r.status}`);
      const page = CandlesAnswer.parse(r.body).candles;
      raw.push(...page);
      if (page.length < SANDBOX_CANDLES_PAGE) break;
      from = page[page.length - 1]!.time + 1;
    }
    return {
      source: this.name,
      candles: closedWithGapsFilled(raw, HISTORY_TIMEFRAME, req.from, req.to, this.market.now()),
    };
  }
}
