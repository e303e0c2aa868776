/**
 * Issue #4, item 9 (the execution parts that need no child process): an
 * in-process engine on a ManualClock, its network an in-process sandbox
 * reached over real HTTP (real SVM transactions, real Jupiter-shaped API).
 *
 *  (a) a halt during a burst of 50 live orders from several users: no
 *      signature after the halt is acknowledged, every order that was not
 *      signed ends rejected with HALTED, and every trade is a landed swap;
 *  (b) the same client id twice — concurrently, sequentially, from two
 *      services sharing one journal (as two processes would), and again after
 *      an engine restart — is one intent, one swap, one trade;
 *  (c) a blockhash that expires between signing and sending gives an
 *      'expired' intent, no trade and untouched balances; so does one that
 *      expires while the signed order waits for reconciliation after a crash.
 */
import type { Address, Signature } from '@solana/kit';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  JupiterClient,
  reconcileIntents,
  TradeExecutionService,
  type ExecutionDeps,
  type Order,
  type OrderOutcome,
} from '../../engine/execution';
import type { ManualClock } from '../../engine/kernel/clock';
import { tokenBySymbol } from '../../engine/market';
import { balanceGate, composeGates, controlsGate, orderSizeGate, riskEngineGate } from '../../engine/risk';
import type { Engine, Funds } from '../../engine/runtime';
import { Sandbox, type LandedTransaction } from '../../engine/sandbox';
import { tempDataDir } from '../helpers/datadir';
import { openEngine, engineExecParts } from '../helpers/engine';
import { randomSecretKey } from './support';
import { PERMISSIVE_RISK } from '../helpers/risk';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
/** More than the chain client's read cache (1 s): the next balance read goes to the node. */
const PAST_CACHE_MS = 1_500;
/** More than a blockhash lives (150 blocks of 400 ms). */
const PAST_BLOCKHASH_MS = 150 * 400 + 30_000;

interface World {
  dir: string;
  engine: Engine;
  clock: ManualClock;
  funds: Funds;
  sandbox: Sandbox;
  users: { id: number; address: Address }[];
}

const t = tempDataDir('hv-burst-');
let w: World;

async function open(dir: string): Promise<Omit<World, 'users'>> {
  const engine = openEngine(dir);
  const funds = await engine.funds();
  expect(funds.net.sandbox).toBeInstanceOf(Sandbox);
  await funds.refreshPrices();
  (funds.net.sandbox as Sandbox).ledger.onTransaction((tx) => landedLog.push(tx));
  return { dir, engine, clock: engine.clock as ManualClock, funds, sandbox: funds.net.sandbox as Sandbox };
}

async function addLiveUser(world: Omit<World, 'users'>, name: string): Promise<{ id: number; address: Address }> {
  const u = world.engine.users.add(name, 'test');
  const key = randomSecretKey();
  const wallet = world.engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
  await world.engine.execute('settings.set', { user: name, key: 'mode', value: 'live', confirm: true });
  await world.engine.execute('settings.set', { user: name, key: 'risk', value: JSON.stringify(PERMISSIVE_RISK) });
  await world.sandbox.fund(wallet.address, {
    lamports: 1_000_000_000n,
    tokens: [{ mint: USDC.mint, amount: 1_000_000_000n }],
  });
  // What the faucet command does too: the engine's view of the wallet (the risk engine's equity) is read now.
  await world.funds.balances.refresh([u.id]);
  return { id: u.id, address: wallet.address as Address };
}

function buy(userId: number, clientId: string, usdc: bigint): Order {
  return {
    userId,
    side: 'buy',
    inputMint: USDC.mint as Address,
    outputMint: WETH.mint as Address,
    amount: usdc,
    context: 'manual',
    clientId,
    slippageBps: 100,
    // Every entry names a stop-loss (the operator's default global rule); far below any WETH price.
    stopLossPrice: 1,
  };
}

/** Fresh on-chain balances (past the read cache). */
async function balances(world: Omit<World, 'users'>, a: Address): Promise<{ sol: bigint; usdc: bigint; weth: bigint }> {
  world.clock.advance(PAST_CACHE_MS);
  const [b] = await world.funds.net.chain.getBalances(
    [a],
    [USDC, WETH].map((x) => ({ mint: x.mint, tokenProgram: x.tokenProgram!, decimals: x.decimals })),
  );
  return { sol: b!.lamports, usdc: b!.tokens.get(USDC.mint) ?? 0n, weth: b!.tokens.get(WETH.mint) ?? 0n };
}

const count = (world: Omit<World, 'users'>, sql: string, ...args: unknown[]): number =>
  (world.engine.store.db.prepare(sql).get(...args) as { n: number }).n;

/** Every transaction that landed on the sandbox chain since this process opened it, as the ledger reports them. */
const landedLog: LandedTransaction[] = [];

/** The landed transactions a wallet paid for (its swaps), from the chain's side. */
function swapsOf(a: Address): { signature: string; ok: boolean }[] {
  return landedLog
    .filter((tx) => tx.accountKeys[0] === a && tx.wire !== '')
    .map((tx) => ({ signature: tx.signature, ok: tx.err === null }));
}

/** A service wired exactly like engine/runtime/services.ts buildFunds, plus test hooks. */
function service(world: Omit<World, 'users'>, extra: Partial<ExecutionDeps> = {}): TradeExecutionService {
  const { engine, funds } = world;
  return new TradeExecutionService({
    ...engineExecParts(engine),
    risk: composeGates(
      controlsGate(engine.controls),
      orderSizeGate(engine.store),
      balanceGate(engine.store, funds.net.name),
      riskEngineGate({ store: engine.store, controls: engine.controls, bus: engine.bus, network: funds.net.name }),
    ),
    prices: funds.prices,
    network: funds.net.name,
    chain: funds.net.chain,
    jupiter: new JupiterClient({ baseUrl: funds.net.jupiterUrl, apiKey: funds.net.jupiterApiKey }),
    ...extra,
  });
}

beforeAll(async () => {
  const base = await open(t.dir);
  const users = [];
  for (let i = 0; i < 10; i++) users.push(await addLiveUser(base, `u${i}`));
  w = { ...base, users };
}, 60_000);

afterAll(async () => {
  await w?.engine.close();
  t.cleanup();
});

describe('execution under pressure', () => {
  it('a halt during a burst of 50 orders: no signature after the acknowledgement', async () => {
    const { engine, funds } = w;
    const signer = engine.signer;
    const startCount = signer.signedCount;
    const sendsBefore = w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0;
    // 10 users × 5 orders: one in flight per wallet, up to 8 wallets at once.
    const orders = w.users.flatMap((u, i) =>
      Array.from({ length: 5 }, (_, k) => buy(u.id, `burst-${i}-${k}`, 2_000_000n + BigInt(i * 10 + k))),
    );
    const HALT_AFTER = 12;
    let ack: number | null = null;
    let settled = false;
    const halter = (async () => {
      while (signer.signedCount - startCount < HALT_AFTER) {
        if (settled) return; // never got there: the assertions below say so
        await new Promise((r) => setImmediate(r));
      }
      engine.controls.halt('burst test', 'test');
      // The acknowledgement: halt() has returned.
      ack = signer.signedCount;
    })();
    const outcomes = await Promise.all(orders.map((o) => funds.exec.submit(o))).finally(() => (settled = true));
    await halter;
    onTestFinished(() => engine.controls.resumeAll('test'));
    expect(ack).not.toBeNull();
    const acknowledged = ack!;

    // Nothing signed after the acknowledgement, whatever was in flight.
    expect(signer.signedCount).toBe(acknowledged);
    expect(acknowledged - startCount).toBeGreaterThanOrEqual(HALT_AFTER);
    expect(acknowledged - startCount).toBeLessThan(orders.length);
    // A new order after the halt is turned away before it reaches the queue.
    const late = await funds.exec.submit(buy(w.users[0]!.id, 'burst-late', 2_000_000n));
    expect(late).toMatchObject({ status: 'rejected', code: 'HALTED' });
    expect(signer.signedCount).toBe(acknowledged);

    // Every signed order was sent and landed (orders in flight finish); every other one was refused for the halt.
    const confirmed = outcomes.filter((o) => o.status === 'confirmed');
    const others = outcomes.filter((o) => o.status !== 'confirmed');
    expect(confirmed.length).toBe(acknowledged - startCount);
    for (const o of others) {
      expect(
        o,
        JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      ).toMatchObject({
        status: 'rejected',
        code: 'HALTED',
      });
    }
    expect((w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0) - sendsBefore).toBe(confirmed.length);

    // The journal agrees, and every trade is a swap that landed (and every landed swap a trade).
    const store = engine.store;
    const intents = orders.map((o) => store.intents.byClientId(o.userId, o.clientId)!);
    expect(intents.filter((i) => i.status === 'confirmed').length).toBe(confirmed.length);
    expect(intents.filter((i) => i.status === 'rejected' && i.reasonCode === 'HALTED').length).toBe(others.length);
    expect(intents.filter((i) => i.signature !== null && i.status !== 'confirmed')).toEqual([]);
    const trades = intents.map((i) => store.portfolio.tradeByIntent(i.id)).filter((x) => x !== null);
    expect(trades.length).toBe(confirmed.length);
    const statuses = await funds.net.chain.getSignatureStatuses(trades.map((tr) => tr!.signature as Signature));
    for (const s of statuses) expect(s).toMatchObject({ err: null });
    const landed = w.users.flatMap((u) => swapsOf(u.address));
    expect(landed.every((s) => s.ok)).toBe(true);
    expect(new Set(landed.map((s) => s.signature))).toEqual(new Set(trades.map((tr) => tr!.signature)));
    // A halt is not an execution failure: nobody's breaker tripped.
    for (const u of w.users) expect(engine.controls.user(u.id).paused).toBe(false);
    // Refusals at the keystore, if any, were audited.
    const refusedAtSigner = count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'signing.refused'");
    expect(refusedAtSigner).toBeLessThanOrEqual(others.length);

    console.log(
      `halt burst: ${acknowledged - startCount} signed before the halt was acknowledged, ${others.length} refused (${refusedAtSigner} of them by the keystore)`,
    );

    engine.controls.resumeAll('test');
    const after = await funds.exec.submit(buy(w.users[0]!.id, 'burst-after-resume', 2_000_000n));
    expect(after.status).toBe('confirmed');
  });

  it('a halt acknowledged while the keystore is checking a transaction: that transaction is never signed', async () => {
    const { engine, funds } = w;
    const u = w.users[5]!;
    const chain = funds.net.chain;
    let simulations = 0;
    // The keystore's policy simulates the swap; the halt arrives (and returns) during that await.
    const haltingChain = Object.create(chain) as typeof chain;
    haltingChain.simulateTransaction = async (...args: Parameters<typeof chain.simulateTransaction>) => {
      const n = ++simulations;
      const r = await chain.simulateTransaction(...args);
      if (n === 1) engine.controls.halt('halt during signing', 'test');
      return r;
    };
    const exec = service(w, { chain: haltingChain });
    const signed = engine.signer.signedCount;
    const sends = w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0;
    const audits = count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'signing.refused'");
    try {
      const out = await exec.submit(buy(u.id, 'halt-mid-sign', 2_500_000n));
      expect(simulations).toBeGreaterThanOrEqual(1);
      expect(out).toMatchObject({ status: 'rejected', code: 'HALTED' });
      expect(engine.signer.signedCount).toBe(signed);
      expect((w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0) - sends).toBe(0);
      const intent = engine.store.intents.byClientId(u.id, 'halt-mid-sign')!;
      expect(intent).toMatchObject({ status: 'rejected', reasonCode: 'HALTED', signature: null });
      expect(count(w, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'signing.refused'")).toBe(audits + 1);
      expect(engine.controls.user(u.id).paused).toBe(false);
    } finally {
      engine.controls.resumeAll('test');
    }
  });

  it('the same client id is one intent, one swap, one trade: concurrently, sequentially, across services', async () => {
    const u = w.users[1]!;
    const store = w.engine.store;
    const sends = (): number => w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0;
    const before = await balances(w, u.address);
    const s0 = sends();

    // Concurrently, in one service.
    const order = buy(u.id, 'twice-1', 3_141_592n);
    const [a, b] = await Promise.all([w.funds.exec.submit(order), w.funds.exec.submit(order)]);
    expect(a.status).toBe('confirmed');
    expect(b).toEqual(a);
    expect(sends() - s0).toBe(1);

    // Sequentially: answered from the journal.
    const c = await w.funds.exec.submit(order);
    expect(c).toEqual(a);
    expect(sends() - s0).toBe(1);

    // Two services on one journal, as two processes would be: the database makes it one order.
    const other = service(w);
    const order2 = buy(u.id, 'twice-2', 2_718_281n);
    const [x, y] = await Promise.all([w.funds.exec.submit(order2), other.submit(order2)]);
    const done = [x, y].filter((o) => o.status === 'confirmed');
    expect(done.length, JSON.stringify([x.status, y.status])).toBeGreaterThanOrEqual(1);
    for (const o of [x, y]) expect(['confirmed', 'pending']).toContain(o.status);
    expect(x.intentId).toBe(y.intentId);
    expect(sends() - s0).toBe(2);
    expect(await other.submit(order2)).toEqual(done[0]);

    for (const id of ['twice-1', 'twice-2']) {
      expect(count(w, 'SELECT COUNT(*) AS n FROM intents WHERE user_id = ? AND client_id = ?', u.id, id)).toBe(1);
      const intent = store.intents.byClientId(u.id, id)!;
      expect(count(w, 'SELECT COUNT(*) AS n FROM trades WHERE intent_id = ?', intent.id)).toBe(1);
    }
    const t1 = store.portfolio.tradeByIntent(store.intents.byClientId(u.id, 'twice-1')!.id)!;
    const t2 = store.portfolio.tradeByIntent(store.intents.byClientId(u.id, 'twice-2')!.id)!;
    const after = await balances(w, u.address);
    expect(before.usdc - after.usdc).toBe(t1.quoteAmount + t2.quoteAmount);
    expect(after.weth - before.weth).toBe(t1.baseAmount + t2.baseAmount);
  });

  it('the same client id after an engine restart is still one swap', async () => {
    const u = w.users[2]!;
    const order = buy(u.id, 'restart-1', 4_000_000n);
    const first = await w.funds.exec.submit(order);
    expect(first.status).toBe('confirmed');
    const trades = count(w, 'SELECT COUNT(*) AS n FROM trades');
    const onChain = await balances(w, u.address);
    const swaps = swapsOf(u.address);
    expect(swaps.some((x) => x.ok && x.signature === (first as { signature: string }).signature)).toBe(true);

    await w.engine.close();
    const reopened = await open(t.dir);
    w = { ...reopened, users: w.users };
    expect(w.funds.reconciled.checked).toBe(0);
    const again = await w.funds.exec.submit(order);
    expect(again).toEqual(first);
    expect(w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0).toBe(0);
    expect(count(w, 'SELECT COUNT(*) AS n FROM trades')).toBe(trades);
    expect(await balances(w, u.address)).toEqual(onChain);
    expect(swapsOf(u.address)).toEqual(swaps);
  });

  it('a blockhash that expires between signing and sending: expired, no trade, balances untouched', async () => {
    const u = w.users[3]!;
    const before = await balances(w, u.address);
    const trades = count(w, 'SELECT COUNT(*) AS n FROM trades');
    const position = w.engine.store.portfolio.openPosition(u.id, w.funds.net.name, WETH.mint);
    const signedAt: number[] = [];
    const exec = service(w, {
      onSigned: (intentId) => {
        signedAt.push(intentId);
        // The slot clock runs on past the blockhash's last valid block before the send.
        w.clock.advance(PAST_BLOCKHASH_MS);
      },
    });
    const out = await exec.submit(buy(u.id, 'expire-1', 5_000_000n));
    expect(signedAt.length).toBe(1);
    expect(out).toMatchObject({ status: 'expired', intentId: signedAt[0] });
    const intent = w.engine.store.intents.byId(signedAt[0]!)!;
    expect(intent.status).toBe('expired');
    expect(intent.signature).not.toBeNull();
    expect(w.engine.store.portfolio.tradeByIntent(intent.id)).toBeNull();
    expect(count(w, 'SELECT COUNT(*) AS n FROM trades')).toBe(trades);
    const [status] = await w.funds.net.chain.getSignatureStatuses([intent.signature as Signature]);
    expect(status).toBeNull();
    expect(await balances(w, u.address)).toEqual(before);
    // Reconciliation finds nothing left to do, and the position is as it was.
    const report = await reconcileIntents(
      w.engine.store,
      w.funds.net.chain,
      exec,
      w.funds.net.name,
      w.clock,
      w.engine.log,
    );
    expect(report.checked).toBe(0);
    expect(w.engine.store.portfolio.openPosition(u.id, w.funds.net.name, WETH.mint)).toEqual(position);
  });

  it('a signed order whose blockhash expires before reconciliation: expired, never sent', async () => {
    const u = w.users[4]!;
    await w.funds.refreshPrices();
    const before = await balances(w, u.address);
    const sends = w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0;
    // The process "dies" right after journaling the signature: nothing is sent.
    const exec = service(w, {
      onSigned: () => {
        throw new Error('crash after the signed journal entry');
      },
    });
    const out: OrderOutcome = await exec.submit(buy(u.id, 'expire-2', 6_000_000n));
    expect(out.status).toBe('pending');
    const intent = w.engine.store.intents.byClientId(u.id, 'expire-2')!;
    expect(intent.status).toBe('signed');
    w.clock.advance(PAST_BLOCKHASH_MS);
    const report = await reconcileIntents(
      w.engine.store,
      w.funds.net.chain,
      exec,
      w.funds.net.name,
      w.clock,
      w.engine.log,
    );
    expect(report).toMatchObject({ checked: 1, expired: 1, confirmed: 0 });
    expect(w.engine.store.intents.byId(intent.id)!.status).toBe('expired');
    expect(w.engine.store.portfolio.tradeByIntent(intent.id)).toBeNull();
    expect((w.sandbox.rpc.callCounts()['sendTransaction'] ?? 0) - sends).toBe(0);
    expect(await balances(w, u.address)).toEqual(before);
  });
});
