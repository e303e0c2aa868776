/**
 * Issue #9 items 1 and 4 on real parts: an engine on a SQLite file and the
 * real keychain, its sandbox (LiteSVM) behind real HTTP JSON-RPC, the flow
 * scanner reading getSignaturesForAddress / getTransaction through the
 * ordinary chain client. Every flow is seen once; Harvest's own trades,
 * withdrawals and faucet top-ups are not flows; ledger = chain is proven,
 * and a planted discrepancy is found, named and pauses entries.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { address, createNoopSigner, type Address } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { getTransferCheckedInstruction } from '@solana-program/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssociatedTokenAddress } from '../../engine/chain/programs';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import { TradingLoop } from '../../engine/runtime/loop';
import { Sandbox } from '../../engine/sandbox';
import { marketTimeAt, walletEffect } from '../../engine/funds/flows';
import { WRAPPED_SOL_MINT as WRAPPED_SOL } from '../../engine/market';
import { PlayKey } from '../../engine/sandbox/play-keys';
import { sendAs } from '../../engine/sandbox/tx-build';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { permissiveRisk } from '../helpers/risk';
import { randomSecretKey, type SecretKeyFixture } from './support';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const SOL_PRICE_TOLERANCE = 0.01;

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
/** One clock across restarts: the chain's time never runs backwards. */
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
let ana: { id: number; address: Address; key: SecretKeyFixture };

async function open(): Promise<void> {
  engine = openEngine(dir.dir, { clock });
  funds = await engine.funds();
  await funds.refreshPrices();
}

const flowsOf = (userId: number) =>
  engine.store.risk.cashFlows(userId, 'sandbox').filter((f) => f.signature !== null && f.signature !== undefined);
const events = (type: string) => engine.store.events.list({ type, limit: 1000 });

/**
 * USDC from a wallet outside Harvest into the friend's existing token account by a bare transfer: the
 * transaction names the token account, never the wallet (unlike `sandbox send`, whose idempotent
 * account creation names the owner).
 */
async function sendUsdcNamingOnlyTheAccount(to: Address, amount: bigint): Promise<string> {
  const sandbox = funds.net.sandbox as Sandbox;
  const outsider = PlayKey.generate();
  await sandbox.faucet.fund(outsider.address, { lamports: 10_000_000n, tokens: [{ mint: USDC.mint, amount }] });
  const program = USDC.tokenProgram!;
  const source = await findAssociatedTokenAddress(outsider.address, USDC.mint as Address, program);
  const destination = await findAssociatedTokenAddress(to, USDC.mint as Address, program);
  return sendAs(sandbox.ledger, outsider, [
    getTransferCheckedInstruction(
      {
        source,
        mint: USDC.mint as Address,
        destination,
        authority: createNoopSigner(outsider.address),
        amount,
        decimals: 6,
      },
      { programAddress: program },
    ),
  ]);
}

beforeAll(async () => {
  dir = tempDataDir('hv-flows-');
  await open();
  expect(funds.net.sandbox).toBeInstanceOf(Sandbox);
  const u = engine.users.add('ana', 'test');
  const key = randomSecretKey();
  const w = engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
  ana = { id: u.id, address: w.address as Address, key };
  await permissiveRisk(engine, 'ana');
  await engine.execute('settings.set', { user: 'ana', key: 'mode', value: 'live', confirm: true });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('every flow is seen', () => {
  it('faucet top-ups are Harvest’s own: seen on chain, never counted as outside deposits', async () => {
    await engine.execute('funds.faucet', { user: 'ana', sol: '3', token: 'USDC', amount: '200' });
    const r = await funds.flows.scan();
    expect(r).toMatchObject({ users: 1, flows: 0, deferred: 0, failed: [] });
    expect(r.signatures).toBe(2);
    expect(flowsOf(ana.id)).toEqual([]);
    const seen = engine.store.flows.txs(ana.id, 'sandbox');
    expect(seen.map((t) => t.source)).toEqual(['faucet', 'faucet']);
  });

  it('an outside SOL deposit is recorded once, with its signature, asset, base units and USD value', async () => {
    const sent = await engine.execute('sandbox.send', { user: 'ana', amount: '1.25' });
    expect(sent.to).toBe(ana.address);
    const r = await funds.flows.scan();
    expect(r.flows).toBe(1);
    const [f] = flowsOf(ana.id);
    expect(f).toMatchObject({ kind: 'deposit', signature: sent.signature, mint: 'SOL', amount: 1_250_000_000n });
    const solUsd = funds.prices.price(tokenBySymbol('SOL')!.mint)!;
    expect(Math.abs(Number(f!.amountUsd) / 1e6 - 1.25 * solUsd)).toBeLessThan(SOL_PRICE_TOLERANCE);
    const ev = events('wallet.deposit');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ severity: 'info', userId: ana.id });
    expect(ev[0]!.payload).toMatchObject({ signature: sent.signature, mint: 'SOL', amount: '1250000000' });
    // Scanning again finds nothing new.
    expect((await funds.flows.scan()).flows).toBe(0);
    expect(flowsOf(ana.id)).toHaveLength(1);
  });

  it('an outside SPL deposit into the token account (the wallet itself is not named) is seen too', async () => {
    const signature = await sendUsdcNamingOnlyTheAccount(ana.address, 40_000_000n);
    expect((await funds.flows.scan()).flows).toBe(1);
    const f = flowsOf(ana.id).at(-1)!;
    expect(f).toMatchObject({ kind: 'deposit', signature, mint: USDC.mint, amount: 40_000_000n });
    expect(Number(f.amountUsd) / 1e6).toBeCloseTo(40, 1);
  });

  it('the cycle’s scan passes over a wallet whose order is in flight (never waits on it), and finds its deposit next time', async () => {
    let release!: () => void;
    const held = funds.exec.exclusive(ana.id, () => new Promise<void>((r) => (release = r)));
    const sent = await engine.execute('sandbox.send', { user: 'ana', amount: '0.5' });
    // Would hang here if the cycle waited for the order's turn.
    const busy = await funds.flows.scan();
    expect(busy).toMatchObject({ users: 1, flows: 0, busy: [ana.id], failed: [] });
    expect(flowsOf(ana.id).some((f) => f.signature === sent.signature)).toBe(false);
    // The order path's scan of one user waits for its turn instead.
    let ownDone = false;
    const own = funds.flows.scan([ana.id]).then((r) => ((ownDone = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(ownDone).toBe(false);
    release();
    await held;
    expect((await own).flows).toBe(1);
    expect((await funds.flows.scan()).busy).toEqual([]);
    expect(flowsOf(ana.id).filter((f) => f.signature === sent.signature)).toHaveLength(1);
  });

  it('the sandbox’s HTTP send (what `harvest sandbox send` uses when the sandbox runs apart) is an outside deposit too', async () => {
    const url = (funds.net.sandbox as Sandbox).swapApiUrl;
    const post = (body: unknown) =>
      fetch(`${url}/sandbox/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post({ address: ana.address, lamports: '-1' });
    expect(bad.status).toBe(400);
    const r = (await (await post({ address: ana.address, lamports: '100000000' })).json()) as { signature: string };
    expect((await funds.flows.scan()).flows).toBe(1);
    expect(flowsOf(ana.id).at(-1)).toMatchObject({ signature: r.signature, mint: 'SOL', amount: 100_000_000n });
  });

  it('own trades and withdrawals are explained, not flows; the ledger equals the chain to the base unit', async () => {
    const buy = await engine.execute('orders.submit', {
      user: 'ana',
      side: 'buy',
      token: 'WETH',
      amount: '25',
      stopLoss: 0.000001,
    });
    expect(buy.status).toBe('confirmed');
    const pos = engine.store.portfolio.openPosition(ana.id, 'sandbox', WETH.mint)!;
    const sell = await engine.execute('orders.submit', {
      user: 'ana',
      side: 'sell',
      token: 'WETH',
      amount: String(Number(pos.quantity / 2n) / 1e8),
    });
    expect(sell.status).toBe('confirmed');
    const dest = randomSecretKey().address;
    await engine.execute('whitelist.add', { user: 'ana', address: dest });
    const wd = await engine.execute('funds.withdraw', { user: 'ana', to: dest, amount: '0.1', confirm: true });
    expect(wd.outcome).toBe('confirmed');
    const wdUsdc = await engine.execute('funds.withdraw', {
      user: 'ana',
      to: dest,
      amount: '5',
      token: 'USDC',
      confirm: true,
    });
    expect(wdUsdc.outcome).toBe('confirmed');

    const before = flowsOf(ana.id).length;
    // Each landed swap is recorded in the wallet's history by its own order, from the transaction it read
    // for the fill, so no scan fetches it again.
    const ownBefore = engine.store.flows.txs(ana.id, 'sandbox').filter((t) => t.source === 'intent');
    expect(ownBefore).toHaveLength(2);
    // ...with exactly what the scan would have recorded from the chain's copy of the transaction.
    for (const row of ownBefore) {
      const tx = (await funds.net.chain.getTransaction(row.signature as never))!;
      const effect = walletEffect(tx, ana.address as never);
      expect(row).toMatchObject({
        slot: tx.slot,
        blockTime: Number(tx.blockTime),
        deltas: effect.deltas,
        fee: effect.fee,
        rent: effect.rent,
        rentOut: effect.rentOut,
        failed: false,
      });
    }
    const r = await funds.flows.scan();
    expect(r.flows).toBe(0);
    // This scan sees the two withdrawals and the sandbox market maker's escrow for the sell (its approval
    // names the wallet as the escrow's delegate: a no-op for the wallet's books).
    expect(r.signatures).toBe(3);
    expect(flowsOf(ana.id)).toHaveLength(before);
    const sources = engine.store.flows.txs(ana.id, 'sandbox').map((t) => t.source);
    expect(sources.filter((s) => s === 'intent')).toHaveLength(2);
    expect(sources.filter((s) => s === 'withdrawal')).toHaveLength(2);

    const rec = await engine.execute('ledger.reconcile', { user: 'ana' });
    const res = rec.results[0]!;
    expect(res.discrepancies).toEqual([]);
    expect(res.ok).toBe(true);
    // Real balances were compared: SOL, USDC and WETH are all non-zero and equal on both sides.
    for (const sym of ['SOL', 'USDC', 'WETH']) {
      const a = res.assets.find((x) => x.symbol === sym)!;
      expect(BigInt(a.chain)).toBeGreaterThan(0n);
      expect(a.ledger).toBe(a.chain);
    }
  });

  it('an external withdrawal (signed with the exported key, outside Harvest) is a warning flow', async () => {
    const sandbox = funds.net.sandbox as Sandbox;
    const friend = PlayKey.fromSeed(ana.key.bytes.slice(0, 32));
    expect(friend.address).toBe(ana.address);
    const to = address(randomSecretKey().address);
    const signature = sendAs(sandbox.ledger, friend, [
      getTransferSolInstruction({ source: createNoopSigner(friend.address), destination: to, amount: 300_000_000n }),
    ]);
    expect((await funds.flows.scan()).flows).toBe(1);
    const f = flowsOf(ana.id).at(-1)!;
    // The transfer plus the fee the wallet paid: everything that left the balance.
    expect(f).toMatchObject({ kind: 'withdrawal', signature, mint: 'SOL', amount: 300_005_000n });
    const ev = events('wallet.external_withdrawal');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ severity: 'warning', userId: ana.id });
    const rec = await engine.execute('ledger.reconcile', { user: 'ana' });
    expect(rec.results[0]!.ok).toBe(true);
  });

  it('survives a restart without counting anything twice', async () => {
    const n = flowsOf(ana.id).length;
    const seen = engine.store.flows.txs(ana.id, 'sandbox').length;
    await engine.close();
    await open();
    const sandbox = funds.net.sandbox as Sandbox;
    const calls = (m: string): number => sandbox.rpc.callCounts()[m] ?? 0;
    const [sigCalls, txCalls] = [calls('getSignaturesForAddress'), calls('getTransaction')];
    const r = await funds.flows.scan();
    expect(r).toMatchObject({ signatures: 0, flows: 0 });
    // An idle wallet costs one history call per scanned address (the wallet, wrapped SOL and each SPL
    // token account: 1 + 1 + 4) and fetches no transaction.
    expect(calls('getSignaturesForAddress') - sigCalls).toBe(6);
    expect(calls('getTransaction') - txCalls).toBe(0);
    expect(flowsOf(ana.id)).toHaveLength(n);
    expect(engine.store.flows.txs(ana.id, 'sandbox')).toHaveLength(seen);
  }, 60_000);

  it('flows while the engine was off are caught up exactly once, at their own time, by the loop', async () => {
    const n = flowsOf(ana.id).length;
    await engine.close();
    // The chain moves on without the engine: the sandbox alone, an outside friend sends twice.
    const alone = await Sandbox.startForDataDir({ dataDir: dir.dir, clock, log: silentLogger });
    const first = await alone.sendFromOutside(ana.address, { lamports: 500_000_000n });
    clock.advance(60_000);
    const second = await alone.sendFromOutside(ana.address, { mint: USDC.mint, amount: 7_000_000n });
    const sentAt = Math.floor(clock.now() / 1000) * 1000;
    await alone.close();
    clock.advance(3_600_000);

    await open();
    // The price moved while the engine was off: the stored candles covering the first send's time say SOL
    // was worth less than half of what it is worth now. The caught-up deposit is worth what it was then.
    const solNow = funds.prices.price(WRAPPED_SOL)!;
    const solThen = Math.round(solNow * 0.4 * 100) / 100;
    const firstAt = marketTimeAt(funds.net.marketClock, clock.now(), sentAt - 60_000);
    const minute = 60_000;
    for (let t = Math.floor(firstAt / minute) * minute - 10 * minute; t <= firstAt + 10 * minute; t += minute)
      engine.store.candles.putLive('sandbox', WRAPPED_SOL, '1m', {
        time: t,
        open: solThen,
        high: solThen,
        low: solThen,
        close: solThen,
        volume: 1,
      });
    const loop = new TradingLoop(() => engine.funds(), clock, silentLogger, 1_000);
    await loop.runCycle();
    const flows = flowsOf(ana.id);
    expect(flows).toHaveLength(n + 2);
    expect(flows.slice(-2).map((f) => f.signature)).toEqual([first.signature, second.signature]);
    expect(Date.parse(flows.at(-1)!.ts)).toBe(sentAt);
    // 0.5 SOL at the price of its time, not at the price when the engine came back.
    const sol = flows.at(-2)!;
    expect(Number(sol.amountUsd) / 1e6).toBeCloseTo(0.5 * solThen, 2);
    expect(Math.abs(Number(sol.amountUsd) / 1e6 - 0.5 * solNow)).toBeGreaterThan(0.25 * solNow);
    const deposit = events('wallet.deposit').find(
      (e) => (e.payload as { signature: string }).signature === first.signature,
    );
    expect(deposit?.payload).toMatchObject({ valuation: 'candle', usd: expect.closeTo(0.5 * solThen, 2) });
    // The ledger check ran at start (first cycle) and found the books balanced.
    expect(engine.store.flows.lastCheck(ana.id, 'sandbox')).toMatchObject({ ok: true });
    await loop.runCycle();
    expect(flowsOf(ana.id)).toHaveLength(n + 2);
    // The ledger check runs again an hour later, by the engine's clock, not before.
    const checks = () =>
      (
        engine.store.db.prepare('SELECT COUNT(*) AS n FROM ledger_checks WHERE user_id = ?').get(ana.id) as {
          n: number;
        }
      ).n;
    const before = checks();
    clock.advance(30 * 60_000);
    await loop.runCycle();
    expect(checks()).toBe(before);
    clock.advance(30 * 60_000);
    await loop.runCycle();
    expect(checks()).toBe(before + 1);
  }, 60_000);
});

describe('export for taxes', () => {
  it('writes one row per real trade and per flow, FIFO said in the header, signatures included', async () => {
    const file = join(dir.dir, 'trades.csv');
    const t = await engine.execute('export.csv', { kind: 'trades', user: 'ana', file });
    expect(t).toMatchObject({ kind: 'trades', rows: 2, file });
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/FIFO/u);
    for (const tr of engine.store.portfolio.trades(ana.id)) expect(text).toContain(tr.signature!);
    const f = await engine.execute('export.csv', { kind: 'flows', user: 'ana', from: '2026-01-01' });
    const chainFlows = flowsOf(ana.id);
    for (const cf of chainFlows) expect(f.csv).toContain(cf.signature!);
    expect(f.file).toBeNull();
    const none = await engine.execute('export.csv', { kind: 'flows', user: 'ana', to: '2025-01-01' });
    expect(none.rows).toBe(0);
  });
});

describe('activation follows flows', () => {
  it('an outside deposit to an empty live wallet activates the friend in the same cycle', async () => {
    const u = engine.users.add('bo', 'test');
    const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
    await engine.execute('settings.set', { user: 'bo', key: 'mode', value: 'live', confirm: true });
    const loop = new TradingLoop(() => engine.funds(), clock, silentLogger, 1_000);
    await loop.runCycle();
    expect(engine.store.users.isActive(u.id)).toBe(false);
    const sent = await engine.execute('sandbox.send', { user: 'bo', amount: '2' });
    clock.advance(1_500);
    await loop.runCycle();
    expect(engine.store.users.isActive(u.id)).toBe(true);
    expect(engine.store.events.list({ type: 'user.activated', userId: u.id, limit: 10 })).toHaveLength(1);
    const deposits = engine.store.events.list({ type: 'wallet.deposit', userId: u.id, limit: 10 });
    expect(deposits.map((e) => (e.payload as { signature: string }).signature)).toEqual([sent.signature]);
    expect(sent.to).toBe(w.address);
  });
});

describe('ledger = chain, proven', () => {
  it('a planted discrepancy in the journal is found, names its transaction, pauses entries until acknowledged', async () => {
    const trade = engine.store.portfolio.trades(ana.id).find((t) => t.side === 'buy')!;
    // Plant: the journal says the buy spent one base unit of USDC more than it did.
    engine.store.db
      .prepare('UPDATE trades SET quote_amount = ? WHERE id = ?')
      .run(String(trade.quoteAmount + 1n), trade.id);
    const rec = await engine.execute('ledger.reconcile', { user: 'ana' });
    const res = rec.results[0]!;
    expect(res.ok).toBe(false);
    expect(res.paused).toBe(true);
    const txLevel = res.discrepancies.find((d) => d.kind === 'transaction')!;
    expect(txLevel).toMatchObject({ symbol: 'USDC', difference: '1', signatures: [trade.signature] });
    const balance = res.discrepancies.find((d) => d.kind === 'balance')!;
    expect(balance).toMatchObject({ symbol: 'USDC', difference: '1', signatures: [trade.signature] });
    const ev = events('ledger.mismatch');
    expect(ev[0]).toMatchObject({ severity: 'critical', userId: ana.id });

    // Entries are paused; exits are not.
    expect(engine.controls.user(ana.id)).toMatchObject({ paused: true });
    const entry = await engine.execute('orders.submit', {
      user: 'ana',
      side: 'buy',
      token: 'WETH',
      amount: '5',
      stopLoss: 0.000001,
    });
    expect(entry).toMatchObject({ status: 'rejected', code: 'PAUSED_USER' });

    const ack = await engine.execute('ledger.ack', { user: 'ana' });
    expect(ack).toMatchObject({ userId: ana.id, checkId: res.checkId, resumed: true });
    expect(engine.controls.user(ana.id).paused).toBe(false);
    const audit = engine.store.audit.list({ userId: ana.id, limit: 50 }).map((a) => a.action);
    expect(audit).toContain('ledger.acknowledged');
    // The same, acknowledged difference does not pause again.
    const again = (await engine.execute('ledger.reconcile', { user: 'ana' })).results[0]!;
    expect(again).toMatchObject({ ok: false, acknowledged: true, paused: false });
    expect(engine.controls.user(ana.id).paused).toBe(false);

    // Put the journal right: the books balance again.
    engine.store.db.prepare('UPDATE trades SET quote_amount = ? WHERE id = ?').run(String(trade.quoteAmount), trade.id);
    expect((await engine.execute('ledger.reconcile', { user: 'ana' })).results[0]!.ok).toBe(true);
  });

  it('a balance that moved with no transaction at all is a discrepancy too', async () => {
    const sandbox = funds.net.sandbox as Sandbox;
    const acc = sandbox.ledger.account(ana.address)!;
    // Lamports appear from nowhere (no transaction): nothing in any record explains them.
    sandbox.ledger.setAccount({ ...acc, lamports: acc.lamports + 777n });
    const res = (await engine.execute('ledger.reconcile', { user: 'ana' })).results[0]!;
    expect(res.ok).toBe(false);
    expect(res.discrepancies).toEqual([expect.objectContaining({ kind: 'balance', symbol: 'SOL', difference: '777' })]);
    expect(engine.controls.user(ana.id).paused).toBe(true);
    await engine.execute('ledger.ack', { user: 'ana' });
    sandbox.ledger.setAccount({ ...acc, lamports: acc.lamports });
  });
});

describe('a deposit is a flow before it is ever valued', () => {
  it('an outside deposit followed at once by an order: no daily loss, no drawdown, the mark counts it once', async () => {
    const u = engine.users.add('dee', 'test');
    engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
    // Tight limits: a deposit counted twice (once as equity, once as a flow) would trip both.
    await engine.execute('settings.set', {
      user: 'dee',
      key: 'risk',
      value: JSON.stringify({
        preset: 'custom',
        maxPositionPctEquity: 100,
        maxPositionUsd: 1_000_000,
        maxConcurrentPositions: 50,
        maxDailyLossPct: 5,
        maxDailyLossUsd: 1_000_000,
        maxDrawdownPct: 10,
        maxTradesPerDay: 1_000,
        lossStreak: { losses: 20, windowMinutes: 5, pauseMinutes: 0 },
        cooldownMinutes: 0,
        minOrderUsd: 0.01,
        maxOrderUsd: 1_000_000,
        stopLossRequired: false,
      }),
    });
    await engine.execute('settings.set', { user: 'dee', key: 'mode', value: 'live', confirm: true });
    // Outside money lands, and the first order comes before any loop cycle has scanned it.
    await engine.execute('sandbox.send', { user: 'dee', amount: '1' });
    await engine.execute('sandbox.send', { user: 'dee', amount: '500', token: 'USDC' });
    await funds.refreshPrices();
    const buy = await engine.execute('orders.submit', { user: 'dee', side: 'buy', token: 'WETH', amount: '20' });
    expect(buy.status).toBe('confirmed');
    // Both deposits were recorded before the gate measured equity: the day starts before them.
    expect(flowsOf(u.id).filter((f) => f.kind === 'deposit')).toHaveLength(2);
    const state = engine.store.risk.state(u.id, 'sandbox')!;
    expect(Number(state.dayStartEquity) / 1e6).toBeCloseTo(0, 0);
    await funds.balances.refresh([u.id]);
    const stats = await engine.execute('stats.user', { user: 'dee' });
    expect(stats.equityUsd!).toBeGreaterThan(400);
    // The mark is the money put in (about $500 plus 1 SOL), not twice that.
    expect(stats.highWaterUsd!).toBeLessThan(stats.equityUsd! * 1.05);
    expect(Math.abs(stats.returnPct ?? 0)).toBeLessThan(2);
    // A second order still passes: no daily-loss lock and no drawdown pause.
    const again = await engine.execute('orders.submit', { user: 'dee', side: 'buy', token: 'WETH', amount: '20' });
    expect(again.status).toBe('confirmed');
    expect(engine.controls.user(u.id).paused).toBe(false);
  });
});

describe('the order’s own scan', () => {
  it('reads the wallet and the token accounts with history, and a token account with no history once its balance shows tokens', async () => {
    const u = engine.users.add('eve', 'test');
    const eve = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test').address as Address;
    await permissiveRisk(engine, 'eve');
    await engine.execute('settings.set', { user: 'eve', key: 'mode', value: 'live', confirm: true });
    await engine.execute('sandbox.send', { user: 'eve', amount: '1' });
    // The first USDC transfer creates the token account (its creation names the wallet); the second
    // names only the token account, which has no history in Harvest yet.
    await engine.execute('sandbox.send', { user: 'eve', amount: '300', token: 'USDC' });
    const second = await sendUsdcNamingOnlyTheAccount(eve, 200_000_000n);
    await funds.refreshPrices();
    const buy = await engine.execute('orders.submit', { user: 'eve', side: 'buy', token: 'WETH', amount: '20' });
    expect(buy.status).toBe('confirmed');
    const deposits = flowsOf(u.id).filter((f) => f.kind === 'deposit');
    expect(deposits.map((f) => f.amount).sort()).toEqual([1_000_000_000n, 200_000_000n, 300_000_000n].sort());
    expect(deposits.some((f) => f.signature === second)).toBe(true);
    // Later orders read the wallet and its two token accounts with history (USDC, WETH): not the accounts
    // of tokens it never held.
    await engine.execute('orders.submit', { user: 'eve', side: 'buy', token: 'WETH', amount: '5' });
    const before = funds.net.chain.stats().byMethod['getSignaturesForAddress'] ?? 0;
    const third = await engine.execute('orders.submit', { user: 'eve', side: 'buy', token: 'WETH', amount: '5' });
    expect(third.status).toBe('confirmed');
    expect((funds.net.chain.stats().byMethod['getSignaturesForAddress'] ?? 0) - before).toBe(3);
  });
});

describe('an outside withdrawal is a flow, not a loss (end to end)', () => {
  it('SOL sent out of a live wallet with its own key, outside Harvest: recorded, no daily-loss lock, no drawdown pause, return ≈ 0', async () => {
    const u = engine.users.add('wes', 'test');
    const key = randomSecretKey();
    const w = engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
    // Tight limits: the withdrawal (most of equity) read as a loss would trip both.
    await engine.execute('settings.set', {
      user: 'wes',
      key: 'risk',
      value: JSON.stringify({
        preset: 'custom',
        maxPositionPctEquity: 100,
        maxPositionUsd: 1_000_000,
        maxConcurrentPositions: 50,
        maxExposurePct: 100,
        maxDailyLossPct: 5,
        maxDailyLossUsd: 1_000_000,
        maxDrawdownPct: 10,
        maxTradesPerDay: 1_000,
        lossStreak: { losses: 20, windowMinutes: 5, pauseMinutes: 0 },
        cooldownMinutes: 0,
        minOrderUsd: 0.01,
        maxOrderUsd: 1_000_000,
        stopLossRequired: false,
      }),
    });
    await engine.execute('settings.set', { user: 'wes', key: 'mode', value: 'live', confirm: true });
    // Mostly SOL (the replay's SOL is a dollar or two), some USDC to buy with later.
    await engine.execute('sandbox.send', { user: 'wes', amount: '100' });
    await engine.execute('sandbox.send', { user: 'wes', amount: '40', token: 'USDC' });
    const loop = new TradingLoop(() => engine.funds(), clock, silentLogger, 1_000);
    await loop.runCycle();
    const before = await engine.execute('stats.user', { user: 'wes' });
    expect(before.equityUsd!).toBeGreaterThan(40);

    // The friend sends SOL to an address of theirs with the wallet's key, not through Harvest: a transfer
    // the journal does not know (no withdrawal intent, no order).
    // In the very second of the first snapshot (block times are whole seconds): the slot its balances
    // were read at orders the flow after it (see flowAfterMeasured).
    const sandbox = funds.net.sandbox as Sandbox;
    const friend = PlayKey.fromSeed(key.bytes.slice(0, 32));
    expect(friend.address).toBe(w.address);
    const out = 60_000_000_000n;
    const signature = sendAs(sandbox.ledger, friend, [
      getTransferSolInstruction({
        source: createNoopSigner(friend.address),
        destination: address(randomSecretKey().address),
        amount: out,
      }),
    ]);
    clock.advance(1_000);
    await loop.runCycle();

    // Seen on chain and recorded as an external withdrawal: the transfer and the fee it paid.
    const flow = flowsOf(u.id).find((f) => f.signature === signature);
    expect(flow).toMatchObject({ kind: 'withdrawal', mint: 'SOL', amount: out + 5_000n });
    expect(
      events('wallet.external_withdrawal').filter((e) => (e.payload as { signature: string }).signature === signature),
    ).toHaveLength(1);
    // Equity fell by the amount sent, yet neither the daily-loss lock nor the drawdown pause tripped.
    const after = await engine.execute('stats.user', { user: 'wes' });
    expect(after.equityUsd!).toBeLessThan(before.equityUsd! * 0.8);
    const state = engine.store.risk.state(u.id, 'sandbox')!;
    expect(state.dailyLossDay).toBeNull();
    expect(state.drawdownPausedAt).toBeNull();
    expect(engine.controls.user(u.id).paused).toBe(false);
    expect(events('risk.dailyLossHit').filter((e) => e.userId === u.id)).toHaveLength(0);
    expect(events('risk.drawdownPaused').filter((e) => e.userId === u.id)).toHaveLength(0);
    // Return stays about zero: money taken out is not a loss.
    expect(Math.abs(after.returnPct ?? 0)).toBeLessThan(1);
    expect(Math.abs(after.pnlUsd ?? 0)).toBeLessThan(before.equityUsd! * 0.01);
    // …and the next entry is allowed by the real gate.
    const buy = await engine.execute('orders.submit', { user: 'wes', side: 'buy', token: 'WETH', amount: '20' });
    expect(buy.status).toBe('confirmed');
  }, 60_000);
});
