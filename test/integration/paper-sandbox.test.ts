/**
 * Issue 18, item 3: a sandbox on every OS. With LiteSVM's load forced to fail (as on
 * Windows, HARVEST_TEST_NO_LITESVM=1), a fresh data folder runs the paper sandbox: the
 * same replayed market, paper accounts, no chain, labelled as such. Orders fill on
 * paper at the replay's prices, the figures follow, the faucet is a paper deposit, and
 * what needs a chain is refused with the reason.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../engine/kernel';
import { silentLogger } from '../../engine/kernel/logger';
import { tokenBySymbol } from '../../engine/market';
import { Engine } from '../../engine/runtime';
import { findLeaks } from '../../engine/api/human-text';
import { PAPER_SANDBOX_LABEL } from '../../engine/runtime/paper-sandbox-info';
import { PriceReplay } from '../../engine/sandbox/price-replay';
import { tempDataDir } from '../helpers/datadir';
import { permissiveRisk } from '../helpers/risk';

const WETH = tokenBySymbol('WETH')!;
const SOL = tokenBySymbol('SOL')!;
let dir: { dir: string; cleanup: () => void };
let engine: Engine;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

/** The replay's own price at the engine's market time: an independent reading of the bundled data. */
async function replayPrice(mint: string): Promise<number> {
  const replay = PriceReplay.open({
    clock,
    speed: 0,
    startAt: (await engine.funds()).marketNow(),
    ledger: { getMeta: () => null, setMeta: () => undefined },
  });
  return replay.price(mint)!;
}

beforeAll(async () => {
  dir = tempDataDir('hv-paper-sbx-');
  engine = Engine.open({
    dataDir: dir.dir,
    clock,
    logger: silentLogger,
    env: { ...process.env, HARVEST_TEST_NO_LITESVM: '1' },
  });
  await engine.execute('users.add', { name: 'Wendy' });
  await engine.execute('wallet.create', { user: 'Wendy', words: 12 });
  await permissiveRisk(engine, 'Wendy');
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('the paper sandbox where the on-chain sandbox cannot load', () => {
  test('a fresh folder falls back to it, keeps it, and says so in status, network and health', async () => {
    const f = await engine.funds();
    expect(f.net.name).toBe('paper-sandbox');
    expect(f.net.sandbox).toBeNull();
    // Kept: the next start (and `harvest status` before any connection) names it too.
    expect(JSON.parse(engine.store.meta.get('network_config')!)).toMatchObject({ network: 'paper-sandbox' });
    expect(engine.store.audit.list({ limit: 50 }).some((r) => r.action === 'network.changed')).toBe(true);

    const status = await engine.execute('engine.status', {});
    expect(status.network).toBe('paper-sandbox');
    expect(status.paperSandbox?.label).toBe(PAPER_SANDBOX_LABEL);
    expect(status.paperSandbox?.notice).toMatch(/LiteSVM/u);
    expect(status.paperSandbox?.notice).toMatch(/Linux \(x64, arm64\) and macOS/u);
    const net = await engine.execute('network.status', {});
    expect(net).toMatchObject({ network: 'paper-sandbox', sandbox: null, rpcEndpoints: [] });
    expect(net.paperSandbox?.label).toBe(PAPER_SANDBOX_LABEL);
    const health = await engine.execute('engine.health', {});
    expect(health).toMatchObject({ network: 'paper-sandbox', error: null });
    expect(health.paperSandbox?.label).toBe(PAPER_SANDBOX_LABEL);
  });

  test('wallets exist (keys derived as usual); the faucet is a paper deposit, not a chain transfer', async () => {
    const w = await engine.execute('wallet.show', { user: 'Wendy' });
    expect(w.wallet?.address).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u);
    const r = await engine.execute('funds.faucet', { user: 'Wendy', sol: '1' });
    expect(r.signatures).toEqual([]);
    expect(r.balances).toMatchObject({ sol: '0', account: 'On-chain wallet' });
    expect(r.message).toMatch(/paper deposit/u);
    expect(findLeaks(r.message!)).toEqual([]);
    const paper = await engine.execute('paper.account', { user: 'Wendy' });
    // Opened with the starting capital, then the faucet's SOL on top.
    expect(paper.tokens.find((t) => t.symbol === 'USDC')?.uiAmount).toBe('1000');
    expect(paper.tokens.find((t) => t.symbol === 'SOL')?.uiAmount).toBe('1');
  });

  test('a manual order fills on paper at the replayed price; positions and figures follow', async () => {
    const o = await engine.execute('orders.submit', { user: 'Wendy', side: 'buy', token: 'WETH', amount: '50' });
    expect(o).toMatchObject({ status: 'confirmed', signature: null });
    const [pos] = (await engine.execute('positions.list', { user: 'Wendy', status: 'open' })).positions;
    expect(pos).toMatchObject({ account: 'paper', symbol: 'WETH' });
    // The fill is the replay's price less the paper venue's fee and impact (25 bps + a hair).
    const price = await replayPrice(WETH.mint);
    const entry = 50 / Number(pos!.uiQuantity);
    expect(entry / price).toBeGreaterThan(1.0025);
    expect(entry / price).toBeLessThan(1.003);
    const paper = await engine.execute('paper.account', { user: 'Wendy' });
    expect(paper.tokens.find((t) => t.symbol === 'USDC')?.uiAmount).toBe('950');
    expect(paper.openPositions).toBe(1);

    // The market moves with the clock (the replay runs 60 times faster): figures follow the replay.
    clock.advance(30 * 60_000);
    const f = await engine.funds();
    await f.refreshPrices();
    const now = await replayPrice(WETH.mint);
    expect(f.prices.price(WETH.mint)).toBeCloseTo(now, 6);
    const stats = await engine.execute('stats.user', { user: 'Wendy' });
    expect(stats).toMatchObject({ network: 'paper-sandbox', mode: 'paper', account: 'Paper account', tradeCount: 1 });
    const qty = Number(pos!.uiQuantity);
    expect(stats.unrealizedPnlUsd!).toBeCloseTo(qty * now - 50, 1);
    const solUsd = await replayPrice(SOL.mint);
    expect(stats.equityUsd!).toBeCloseTo(950 + 1 * solUsd + qty * now, 1);
    const board = await engine.execute('stats.leaderboard', {});
    expect(JSON.stringify(board)).toContain('Wendy');
  });

  test('a friend with a wallet is active (no fees to hold SOL for), and a strategy fills on paper', async () => {
    const f = await engine.funds();
    const [b] = await f.balances.refresh();
    expect(b).toMatchObject({ active: true, lamports: 0n });
    const [activated] = engine.store.events.list({ type: 'user.activated', limit: 10 });
    expect(activated?.payload).toMatchObject({ reason: 'no-chain' });
    await engine.execute('strategy.set', {
      user: 'Wendy',
      strategy: 'dca',
      params: { timeframe: '5m', amountUsd: 20, intervalHours: 1 },
      tokens: ['SOL'],
      mode: 'paper',
    });
    // DCA buys on its hourly boundary of market time: a few 5-minute candles of replay (5 s of clock each).
    let orders = 0;
    for (let i = 0; i < 15 && orders === 0; i++) {
      clock.advance(5_000);
      await f.refreshPrices();
      orders = (await f.runStrategies()).orders;
    }
    expect(orders).toBe(1);
    const trades = await engine.execute('trades.list', { user: 'Wendy' });
    const dca = trades.trades.find((t) => t.symbol === 'SOL');
    expect(dca).toMatchObject({ venue: 'paper', signature: null, context: expect.stringMatching(/strategy/u) });
    // At the replay's price, less the paper venue's fee and impact.
    expect(dca!.price / (await replayPrice(SOL.mint))).toBeGreaterThan(1.0025);
    expect(dca!.price / (await replayPrice(SOL.mint))).toBeLessThan(1.003);
    const paper = await engine.execute('paper.account', { user: 'Wendy' });
    expect(paper.tokens.find((t) => t.symbol === 'USDC')?.uiAmount).toBe('930');
  });

  test('what needs a chain is refused with the reason, in words', async () => {
    // Each is started only when awaited: a promise rejected while an earlier one is awaited is unhandled.
    const refusals: (() => Promise<unknown>)[] = [
      // Switching to the on-chain sandbox here: refused before it is stored.
      () => engine.execute('network.set', { network: 'sandbox', rpcUrls: [], confirm: true }),
      () =>
        engine.execute('funds.withdraw', {
          user: 'Wendy',
          to: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
          amount: '0.1',
          token: 'SOL',
          confirm: true,
        }),
      () =>
        engine.preflight('funds.withdraw', {
          user: 'Wendy',
          to: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
          amount: '0.1',
          token: 'SOL',
          confirm: true,
        }),
      () => engine.execute('ledger.reconcile', {}),
      () => engine.execute('sandbox.whale', { action: 'start' }),
      () => engine.execute('sandbox.send', { user: 'Wendy', amount: '1' }),
      () => engine.execute('settings.set', { user: 'Wendy', key: 'mode', value: 'live', confirm: true }),
      () =>
        engine.execute('copy.follow', {
          user: 'Wendy',
          leader: '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin',
          sizing: 'fixed',
          fixedUsd: 10,
        }),
    ];
    for (const run of refusals) {
      const e = await run().then(
        () => null,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(e?.code).toBe('UNSUPPORTED');
      expect(e?.message).toMatch(
        /needs a chain, and the paper sandbox has none|The sandbox cannot run on this computer/u,
      );
      expect(e?.message).toMatch(/Linux \(x64, arm64\) and macOS/u);
      expect(findLeaks(e!.message)).toEqual([]);
    }
  });

  test('a backtest runs on the paper sandbox', async () => {
    const r = await engine.execute('backtest.run', {
      strategy: 'trend',
      tokens: ['WETH'],
      from: '2021-01-01',
      to: '2021-01-08',
      save: false,
    });
    expect(r.report).toMatchObject({ strategy: 'trend', tokens: ['WETH'] });
    expect(r.report.metrics).toBeDefined();
  });
});

describe('choosing the paper sandbox where the on-chain sandbox runs', () => {
  test('`network set paper-sandbox` switches to it (no chain, replayed prices), and back', async () => {
    const other = tempDataDir('hv-paper-choose-');
    const e = Engine.open({ dataDir: other.dir, clock: new ManualClock(Date.now()), logger: silentLogger });
    try {
      const set = await e.execute('network.set', { network: 'paper-sandbox', rpcUrls: [], confirm: true });
      expect(set).toMatchObject({ network: 'paper-sandbox', rpcUrls: [] });
      const f = await e.funds();
      expect(f.net).toMatchObject({ name: 'paper-sandbox', sandbox: null });
      await f.refreshPrices();
      expect(f.prices.price(SOL.mint)).toBeGreaterThan(0);
      expect(await e.preflight('network.set', { network: 'sandbox', rpcUrls: [], confirm: true })).toMatch(/sandbox/u);
    } finally {
      await e.close();
      other.cleanup();
    }
  });
});
