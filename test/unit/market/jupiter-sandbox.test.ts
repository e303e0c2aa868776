import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { CandleBuilder } from '../../../engine/market/candles';
import { JupiterPriceFeed } from '../../../engine/market/jupiter-price';
import { SandboxFaucet } from '../../../engine/sandbox/faucet';
import { SandboxLedger } from '../../../engine/sandbox/ledger';
import { SandboxMarketMaker } from '../../../engine/sandbox/market-maker';
import { pathPrice, PriceReplay } from '../../../engine/sandbox/price-replay';
import { startSwapApi, type SwapApi } from '../../../engine/sandbox/swap-api';
import { NATIVE_MINT, USDC_MINT, WBTC_MINT, WETH_MINT } from '../../../engine/sandbox/tokens';

/**
 * The same Jupiter adapter against the sandbox's Jupiter-compatible API
 * (real HTTP on 127.0.0.1), which serves Price API v3 from its candle replay.
 */
describe('JupiterPriceFeed against the sandbox swap API', () => {
  const clock = new ManualClock(Date.UTC(2025, 2, 1));
  let ledger: SandboxLedger;
  let replay: PriceReplay;
  let mm: SandboxMarketMaker;
  let api: SwapApi;

  beforeAll(async () => {
    ledger = SandboxLedger.open({ dir: null, clock });
    replay = PriceReplay.open({ ledger, clock, startAt: Date.UTC(2021, 0, 4), speed: 1 });
    mm = await SandboxMarketMaker.open({ ledger, replay, faucet: new SandboxFaucet(ledger) });
    api = await startSwapApi({ ledger, market: mm, replay });
  });

  afterAll(async () => {
    await api.close();
    mm.close();
    replay.close();
    ledger.close();
  });

  it('prices every sandbox token at the replay price, stamped with the clock', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock, name: 'sandbox', apiKey: 'ignored-by-the-sandbox' });
    const got = await feed.prices([NATIVE_MINT, USDC_MINT, WETH_MINT, WBTC_MINT]);
    for (const mint of [NATIVE_MINT, USDC_MINT, WETH_MINT, WBTC_MINT]) {
      expect(got.get(mint)).toEqual({ mint, usd: replay.price(mint), at: clock.now(), source: 'sandbox' });
    }
    expect(got.get(USDC_MINT)!.usd).toBe(1);
  });

  it('ticks polled from the sandbox build 5m candles that match the replayed history', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock });
    const builder = new CandleBuilder({ clock, timeframes: ['5m'] });
    // Align the clock to a 5m boundary so clock buckets and market buckets coincide (speed 1).
    clock.advance(300_000 - (clock.now() % 300_000));
    replay.seek(Date.UTC(2021, 0, 4, 12));
    const startClock = clock.now();
    for (let i = 0; i <= 3 * 300; i++) {
      builder.addTicks((await feed.prices([NATIVE_MINT])).values());
      clock.advance(1_000);
    }
    builder.advance();
    const built = builder.closed(NATIVE_MINT, '5m');
    const history = replay.candles(NATIVE_MINT, Date.UTC(2021, 0, 4, 12), Date.UTC(2021, 0, 4, 12, 15));
    expect(built).toHaveLength(3);
    built.forEach((c, i) => {
      expect(c.time).toBe(startClock + i * 300_000);
      // Polled once a second over the replay's open -> low/high -> high/low -> close path: the same OHLC,
      // except that the last poll of a candle is 1 s before its end.
      const h = history[i]!;
      expect(c.open).toBeCloseTo(h.open, 9);
      expect(c.high).toBeCloseTo(h.high, 9);
      expect(c.low).toBeCloseTo(h.low, 9);
      expect(c.close).toBeCloseTo(pathPrice(h, h.time + 299_000), 9);
    });
  });
});
