/**
 * "No exit sold below its floor", checked from outside: a tape of the trusted
 * price (the sandbox replay's own /price/v3, read directly and never through
 * the fault proxy) recorded through the run, and every sell's realised price
 * compared with the lowest trusted price while that order was live, less the
 * slippage the order allowed. An order's floor can only be looser than that
 * (its quote already carries the venue fee and impact), so a realised price
 * under it is a sale at a price nobody trusted.
 *
 * The check is made from outside on purpose: the engine's own floors (from the
 * last trusted price, engine/execution/service.ts) are not recorded per sell,
 * and their logic is proven by test/integration/oracle-e2e.test.ts; here a sell
 * is judged against the market as an independent observer saw it.
 */
import { tokenByMint } from '../../engine/market';
import { TRADED, USDC, type IntentRow, type TradeRow } from './outside';

interface Sample {
  at: number;
  usd: number;
}

export class PriceTape {
  private readonly samples = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | null = null;
  polls = 0;
  failures = 0;

  constructor(
    private readonly apiUrl: string,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    const tick = async (): Promise<void> => {
      await this.poll().catch(() => this.failures++);
      if (this.timer) this.timer = setTimeout(() => void tick(), this.everyMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async poll(): Promise<void> {
    const ids = [USDC, ...TRADED].map((t) => t.mint).join(',');
    const at = Date.now();
    const r = await fetch(`${this.apiUrl}/price/v3?ids=${ids}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await r.json()) as Record<string, { usdPrice: number }>;
    this.polls++;
    for (const [mint, v] of Object.entries(body)) {
      const list = this.samples.get(mint) ?? [];
      list.push({ at, usd: v.usdPrice });
      this.samples.set(mint, list);
    }
  }

  latest(mint: string): number | null {
    const list = this.samples.get(mint);
    return list && list.length > 0 ? list[list.length - 1]!.usd : null;
  }

  /** Lowest and first trusted price within [from, to], widened by one sample on each side. */
  window(mint: string, from: number, to: number): { low: number; first: number } | null {
    const list = this.samples.get(mint) ?? [];
    let lo = list.findIndex((s) => s.at >= from);
    if (lo < 0) lo = list.length - 1;
    let hi = list.findIndex((s) => s.at > to);
    if (hi < 0) hi = list.length - 1;
    const part = list.slice(Math.max(0, lo - 1), hi + 1);
    if (part.length === 0) return null;
    return { low: Math.min(...part.map((s) => s.usd)), first: part[Math.min(1, part.length - 1)]!.usd };
  }
}

export interface FloorCheck {
  violations: string[];
  sells: number;
  byContext: Record<string, number>;
  /** Realised price over the trusted price when the order was made, per sell (1.0 = at the trusted price). */
  ratios: number[];
  /** The smallest headroom above the floor, in bps of the floor (negative = below it). */
  worstHeadroomBps: number | null;
  unpriced: number;
}

export function checkFloors(tape: PriceTape, intents: readonly IntentRow[], trades: readonly TradeRow[]): FloorCheck {
  const byId = new Map(intents.map((i) => [i.id, i]));
  const out: FloorCheck = { violations: [], sells: 0, byContext: {}, ratios: [], worstHeadroomBps: null, unpriced: 0 };
  for (const t of trades) {
    if (t.side !== 'sell') continue;
    const intent = byId.get(t.intent_id)!;
    const base = tokenByMint(t.base_mint)!;
    const quote = tokenByMint(t.quote_mint)!;
    out.sells++;
    out.byContext[t.context] = (out.byContext[t.context] ?? 0) + 1;
    const from = Date.parse(intent.created_at);
    const to = Date.parse(t.executed_at);
    const b = tape.window(t.base_mint, from, to);
    const q = tape.window(t.quote_mint, from, to);
    if (!b || !q) {
      out.unpriced++;
      continue;
    }
    const realised = Number(t.quote_amount) / 10 ** quote.decimals / (Number(t.base_amount) / 10 ** base.decimals);
    // In the quote asset: the lowest trusted base price, over the quote's price at the time.
    const floor = (b.low / q.first) * (1 - intent.slippage_bps / 10_000);
    const headroom = (realised / floor - 1) * 10_000;
    out.ratios.push(realised / (b.first / q.first));
    if (out.worstHeadroomBps === null || headroom < out.worstHeadroomBps) out.worstHeadroomBps = headroom;
    if (realised < floor)
      out.violations.push(
        `trade ${t.id} (${t.context} sell of ${base.symbol}, user ${t.user_id}) realised ${realised.toFixed(4)}, floor ${floor.toFixed(4)} (lowest trusted ${b.low.toFixed(4)} − ${intent.slippage_bps} bps)`,
      );
  }
  return out;
}
