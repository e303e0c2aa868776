/**
 * Execution end to end (issue #4, items 1-7 and 9): an in-process engine whose
 * network is an in-process sandbox reached over real HTTP (JSON-RPC and the
 * Jupiter-compatible swap API), real SVM transactions, the real keystore
 * signing policy and the OS keychain.
 *
 * Every order goes through TradeExecutionService: settings, risk gate, wallet
 * queue, quote, protections, journal, sign, send and confirm, the fill read
 * from the chain, one SQLite transaction, events. Where a test needs to bend
 * the world (a malicious swap API, a swap API that is down, a price that moves
 * between quote and send) it builds a service over the SAME engine (store,
 * signer, controls, bus) with a different swap client or hook; the engine's
 * own service is used for the rest.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  appendTransactionMessageInstructions,
  createKeyPairFromPrivateKeyBytes,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressDecoder,
  getBase64Decoder,
  getBase64Encoder,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getInitializeMint2Instruction,
  getMintSize,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  assembleSwap,
  ExitMonitor,
  hasFreezeAuthority,
  JupiterClient,
  JupiterError,
  paperQuote,
  TradeExecutionService,
  type JupiterBuild,
  type Order,
  type OrderOutcome,
} from '../../engine/execution';
import { signatureOfWireTransaction, type ChainClient } from '../../engine/chain';
import { ManualClock } from '../../engine/kernel/clock';
import { HarvestError } from '../../engine/kernel/errors';
import { silentLogger } from '../../engine/kernel/logger';
import { averageEntryPrice } from '../../engine/portfolio';
import { balanceGate, composeGates, controlsGate, orderSizeGate } from '../../engine/risk';
import type { Engine, Funds } from '../../engine/runtime';
import { Sandbox } from '../../engine/sandbox';
import type { PositionRow, TradeRow } from '../../engine/store';
import { tokenBySymbol, WRAPPED_SOL_MINT, type TokenInfo } from '../../engine/market';
import { tempDataDir } from '../helpers/datadir';
import { openEngine, engineExecParts } from '../helpers/engine';
import { randomSecretKey, type SecretKeyFixture } from './support';
import { permissiveRisk } from '../helpers/risk';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const WBTC = tokenBySymbol('WBTC')!;
const SOL = tokenBySymbol('SOL')!;
const LAMPORTS = 1_000_000_000n;
const usdc = (whole: number): bigint => BigInt(Math.round(whole * 1e6));
const TOKEN_ACCOUNT_RENT = 2_039_280n;
/** Meta key of the sandbox market maker's play key (engine/sandbox/market-maker.ts). */

// ---------------------------------------------------------------------------
// The world: one engine, its sandbox, and helpers over them.

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
let sandbox: Sandbox;
let clock: ManualClock;

interface TestUser {
  id: number;
  name: string;
  address: Address;
  key: SecretKeyFixture;
}

beforeAll(async () => {
  dir = tempDataDir('hv-exec-e2e-');
  engine = openEngine(dir.dir);
  funds = await engine.funds();
  expect(funds.net.sandbox, 'the engine should run its own sandbox').toBeInstanceOf(Sandbox);
  sandbox = funds.net.sandbox as Sandbox;
  clock = engine.clock as ManualClock;
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

beforeEach(async () => {
  sandbox.replay.clearPrice();
  await funds.refreshPrices();
});

async function setting(user: string, key: string, value: unknown): Promise<void> {
  // confirm: going live needs it (issue 10); the tests here are about execution, not that step.
  await engine.execute('settings.set', {
    user,
    key,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    confirm: true,
  });
}

/** A user with an imported wallet funded on the sandbox, in live mode unless told otherwise. */
async function user(
  name: string,
  grant: { sol?: bigint; usdc?: bigint } = {},
  settings: Record<string, unknown> = {},
): Promise<TestUser> {
  const u = engine.users.add(name, 'test');
  const key = randomSecretKey();
  const w = engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
  await sandbox.fund(w.address, {
    lamports: grant.sol ?? 2n * LAMPORTS,
    tokens: grant.usdc ? [{ mint: USDC.mint, amount: grant.usdc }] : [],
  });
  // These tests are about execution: the risk limits are opened up (the risk engine has its own tests).
  await permissiveRisk(engine, name);
  for (const [k, v] of Object.entries({ mode: 'live', ...settings })) await setting(name, k, v);
  return { id: u.id, name, address: w.address as Address, key };
}

/** The engine's own execution path, or one over the same engine with another swap client / hook. */
function service(
  opts: {
    jupiter?: JupiterClient;
    onSigned?: (intentId: number, wire: Uint8Array) => void;
    chain?: ChainClient;
    syncFlows?: (userId: number) => Promise<boolean>;
  } = {},
): TradeExecutionService {
  return new TradeExecutionService({
    ...engineExecParts(engine),
    risk: composeGates(
      controlsGate(engine.controls),
      orderSizeGate(engine.store),
      balanceGate(engine.store, funds.net.name),
    ),
    prices: funds.prices,
    network: funds.net.name,
    chain: opts.chain ?? funds.net.chain,
    jupiter: opts.jupiter ?? new JupiterClient({ baseUrl: sandbox.swapApiUrl }),
    ...(opts.onSigned ? { onSigned: opts.onSigned } : {}),
    ...(opts.syncFlows ? { syncFlows: opts.syncFlows } : {}),
  });
}

let seq = 0;
function buy(
  exec: TradeExecutionService,
  u: TestUser,
  token: TokenInfo,
  quoteUnits: bigint,
  extra: Partial<Order> = {},
): Promise<OrderOutcome> {
  return exec.submit({
    userId: u.id,
    side: 'buy',
    inputMint: USDC.mint,
    outputMint: token.mint,
    amount: quoteUnits,
    context: 'manual',
    clientId: `e2e-${++seq}`,
    slippageBps: 50,
    // Every entry needs a stop; far below the price so these execution tests never trigger it.
    stopLossPrice: 0.000001,
    ...extra,
  });
}

function sell(
  exec: TradeExecutionService,
  u: TestUser,
  token: TokenInfo,
  baseUnits: bigint,
  extra: Partial<Order> = {},
): Promise<OrderOutcome> {
  return exec.submit({
    userId: u.id,
    side: 'sell',
    inputMint: token.mint,
    outputMint: USDC.mint,
    amount: baseUnits,
    context: 'manual',
    clientId: `e2e-${++seq}`,
    slippageBps: 50,
    ...extra,
  });
}

function confirmed(o: OrderOutcome): Extract<OrderOutcome, { status: 'confirmed' }> {
  expect(
    o.status,
    JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ).toBe('confirmed');
  return o as Extract<OrderOutcome, { status: 'confirmed' }>;
}

function rejected(o: OrderOutcome, code: string): Extract<OrderOutcome, { status: 'rejected' }> {
  expect(
    o,
    JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ).toMatchObject({ status: 'rejected', code });
  return o as Extract<OrderOutcome, { status: 'rejected' }>;
}

/** Awaits `p` while moving the manual clock, so backoff sleeps inside the engine make progress. */
async function driveClock<T>(p: Promise<T>, stepMs = 250, maxSteps = 400): Promise<T> {
  let done = false;
  const settled = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setTimeout(r, 2));
    if (!done) clock.advance(stepMs);
  }
  if (!done) throw new Error(`still pending after ${maxSteps} clock steps`);
  return settled;
}

async function pinPrice(token: TokenInfo, usd: number): Promise<void> {
  sandbox.replay.setPrice(token.mint, usd);
  await funds.refreshPrices();
}

// ---- reading the chain over RPC (not through the engine) --------------------

async function rpc<T>(method: string, params: unknown[]): Promise<T> {
  const res = await fetch(sandbox.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function lamportsOf(address: string): Promise<bigint> {
  return BigInt((await rpc<{ value: number }>('getBalance', [address, { commitment: 'confirmed' }])).value);
}

async function tokensOf(owner: Address, token: TokenInfo): Promise<bigint> {
  const [ata] = await findAssociatedTokenPda({ owner, mint: token.mint, tokenProgram: token.tokenProgram! });
  const info = await rpc<{ value: unknown }>('getAccountInfo', [ata, { encoding: 'base64', commitment: 'confirmed' }]);
  if (info.value === null) return 0n;
  return BigInt(
    (await rpc<{ value: { amount: string } }>('getTokenAccountBalance', [ata, { commitment: 'confirmed' }])).value
      .amount,
  );
}

async function snapshot(u: TestUser): Promise<{ sol: bigint; usdc: bigint; weth: bigint }> {
  return {
    sol: await lamportsOf(u.address),
    usdc: await tokensOf(u.address, USDC),
    weth: await tokensOf(u.address, WETH),
  };
}

const sends = (): number => sandbox.rpc.callCounts()['sendTransaction'] ?? 0;

// ---- journal readers ----------------------------------------------------------

function tradesOf(u: TestUser): TradeRow[] {
  return engine.store.portfolio.trades(u.id, { limit: 1000 }).sort((a, b) => a.id - b.id);
}

function positionsOf(u: TestUser, status?: 'open' | 'closed'): PositionRow[] {
  return engine.store.portfolio.positions(u.id, status ? { status } : {}).sort((a, b) => a.id - b.id);
}

function eventsOf(type: string, u?: TestUser): Record<string, unknown>[] {
  return engine.store.events
    .list({ type, limit: 1000, ...(u ? { userId: u.id } : {}) })
    .reverse()
    .map((e) => e.payload as Record<string, unknown>);
}

function auditOf(action: string, u?: TestUser): Record<string, unknown>[] {
  return engine.store.audit
    .list({ limit: 1000, ...(u ? { userId: u.id } : {}) })
    .filter((r) => r.action === action)
    .reverse()
    .map((r) => r.details as Record<string, unknown>);
}

// ---- swap clients that misbehave on purpose -------------------------------------

/** The real swap client against the sandbox, with switches: down (transient), broken for some wallets (non-transient). */
class SwitchableJupiter extends JupiterClient {
  down = false;
  readonly brokenFor = new Set<string>();
  constructor() {
    super({ baseUrl: sandbox.swapApiUrl });
  }
  override async build(p: Parameters<JupiterClient['build']>[0]): Promise<JupiterBuild> {
    if (this.down) throw new JupiterError('The swap API is unreachable: connect ECONNREFUSED', 0, null, true);
    if (this.brokenFor.has(p.taker))
      throw new JupiterError('Swap API 400: this route is broken', 400, 'ROUTE_BROKEN', false);
    return super.build(p);
  }
}

// =============================================================================

describe('live orders against the sandbox', () => {
  it('(a) buy, add, partial and full close: PnL from the actual fills equals the on-chain USDC change to the base unit', async () => {
    const exec = funds.exec;
    const ana = await user('ana', { sol: 2n * LAMPORTS, usdc: usdc(1000) });
    const start = await snapshot(ana);
    expect(start).toEqual({ sol: 2n * LAMPORTS, usdc: usdc(1000), weth: 0n });

    // Buy 200 USDC of WETH.
    const b1 = confirmed(await buy(exec, ana, WETH, usdc(200), { clientId: 'ana-buy-1' }));
    const afterB1 = await snapshot(ana);
    const [t1] = tradesOf(ana);
    expect(t1).toMatchObject({
      side: 'buy',
      context: 'manual',
      venue: 'jupiter',
      baseMint: WETH.mint,
      quoteMint: USDC.mint,
      signature: b1.signature,
    });
    expect(t1!.quoteAmount).toBe(usdc(200));
    expect(t1!.baseAmount).toBe(b1.outAmount);
    expect(start.usdc - afterB1.usdc).toBe(t1!.quoteAmount);
    expect(afterB1.weth).toBe(t1!.baseAmount);
    // SOL paid only the network fee and the rent of the new WETH account (a deposit, not part of the trade).
    expect(start.sol - afterB1.sol).toBe(t1!.feeLamports + TOKEN_ACCOUNT_RENT);
    const landed = await rpc<{ meta: { fee: number } }>('getTransaction', [
      b1.signature,
      { commitment: 'confirmed', maxSupportedTransactionVersion: 0 },
    ]);
    expect(BigInt(landed.meta.fee)).toBe(t1!.feeLamports);
    // The fill is what the quote promised at least.
    const intent1 = engine.store.intents.byId(b1.intentId)!;
    expect(intent1.status).toBe('confirmed');
    expect(b1.outAmount).toBeGreaterThanOrEqual(BigInt((intent1.quote as { minOut: string }).minOut));

    // The same client id again is the same order: no second swap, no second trade.
    const sendsBefore = sends();
    const again = confirmed(await buy(exec, ana, WETH, usdc(200), { clientId: 'ana-buy-1' }));
    expect(again).toEqual(b1);
    expect(sends()).toBe(sendsBefore);
    expect(tradesOf(ana)).toHaveLength(1);

    // Add 100 USDC more: one position, average entry = total cost / total quantity.
    const b2 = confirmed(await buy(exec, ana, WETH, usdc(100)));
    const afterB2 = await snapshot(ana);
    expect(afterB1.usdc - afterB2.usdc).toBe(usdc(100));
    expect(afterB2.weth - afterB1.weth).toBe(b2.outAmount);
    expect(afterB1.sol - afterB2.sol).toBe(tradesOf(ana)[1]!.feeLamports); // the account exists now: fee only
    const [pos] = positionsOf(ana);
    expect(positionsOf(ana)).toHaveLength(1);
    expect(pos).toMatchObject({
      status: 'open',
      mint: WETH.mint,
      quoteMint: USDC.mint,
      quantity: b1.outAmount + b2.outAmount,
      costBasis: usdc(300),
      realizedPnl: 0n,
    });
    const avg = averageEntryPrice(pos!, WETH.decimals, USDC.decimals)!;
    expect(avg).toBeCloseTo(300 / (Number(b1.outAmount + b2.outAmount) / 1e8), 9);
    const listed = await engine.execute('positions.list', { user: 'ana', status: 'open' });
    expect(listed.positions[0]).toMatchObject({
      id: pos!.id,
      quantity: pos!.quantity.toString(),
      costBasis: '300000000',
    });
    expect(listed.positions[0]!.averageEntryPrice).toBeCloseTo(avg, 9);
    // The feed price is within fee and impact of what was paid.
    const feed = funds.prices.price(WETH.mint)!;
    expect(Math.abs(avg / feed - 1)).toBeLessThan(0.01);

    // Partial close: 40 % of the position.
    const part = (pos!.quantity * 40n) / 100n;
    const s1 = confirmed(await sell(exec, ana, WETH, part));
    const afterS1 = await snapshot(ana);
    const t3 = tradesOf(ana)[2]!;
    expect(t3).toMatchObject({ side: 'sell', baseAmount: part, quoteAmount: s1.outAmount, positionId: pos!.id });
    expect(afterS1.usdc - afterB2.usdc).toBe(t3.quoteAmount);
    expect(afterB2.weth - afterS1.weth).toBe(part);
    const released = (usdc(300) * part) / pos!.quantity; // the sold fraction of the cost, rounded down
    expect(t3.realizedPnl).toBe(t3.quoteAmount - released);
    const mid = engine.store.portfolio.position(pos!.id)!;
    expect(mid).toMatchObject({
      status: 'open',
      quantity: pos!.quantity - part,
      costBasis: usdc(300) - released,
      realizedPnl: t3.realizedPnl,
    });
    expect(eventsOf('position.closed', ana)).toHaveLength(0);

    // Full close.
    const s2 = confirmed(await sell(exec, ana, WETH, mid.quantity));
    const end = await snapshot(ana);
    const t4 = tradesOf(ana)[3]!;
    expect(t4).toMatchObject({ side: 'sell', baseAmount: mid.quantity, quoteAmount: s2.outAmount });
    expect(end.weth).toBe(0n);
    const closed = engine.store.portfolio.position(pos!.id)!;
    expect(closed).toMatchObject({ status: 'closed', quantity: 0n, costBasis: 0n });
    expect(closed.closedAt).not.toBeNull();
    // Realized PnL = proceeds − cost from the trade rows = the wallet's USDC change on chain, exactly.
    expect(closed.realizedPnl).toBe(t3.quoteAmount + t4.quoteAmount - usdc(300));
    expect(closed.realizedPnl).toBe(end.usdc - start.usdc);
    expect(t3.realizedPnl + t4.realizedPnl).toBe(closed.realizedPnl);
    // At a constant price the round trip costs the fees and the impact: a small loss.
    expect(closed.realizedPnl).toBeLessThan(0n);
    expect(closed.realizedPnl).toBeGreaterThan(-usdc(3));
    // SOL paid only network fees after the first buy.
    expect(afterB2.sol - end.sol).toBe(t3.feeLamports + t4.feeLamports);
    expect(eventsOf('position.closed', ana)).toEqual([
      { positionId: pos!.id, mint: WETH.mint, realizedPnl: closed.realizedPnl.toString(), quoteMint: USDC.mint },
    ]);
    expect(eventsOf('trade.executed', ana)).toHaveLength(4);
    expect(engine.store.intents.list(ana.id).every((i) => i.status === 'confirmed')).toBe(true);
  });

  it('(a) a SOL buy: the position holds exactly the lamports the wallet gained net of the fee', async () => {
    const sue = await user('sue', { sol: LAMPORTS, usdc: usdc(100) });
    const before = await snapshot(sue);
    const o = confirmed(await buy(funds.exec, sue, SOL, usdc(50)));
    const after = await snapshot(sue);
    const [t] = tradesOf(sue);
    expect(after.sol - before.sol).toBe(t!.baseAmount - t!.feeLamports);
    expect(before.usdc - after.usdc).toBe(t!.quoteAmount);
    expect(positionsOf(sue)[0]!.quantity).toBe(o.outAmount);
    // And back: the whole position sold, the reserve untouched.
    confirmed(await sell(funds.exec, sue, SOL, o.outAmount));
    const end = await snapshot(sue);
    const t2 = tradesOf(sue)[1]!;
    expect(end.usdc - after.usdc).toBe(t2.quoteAmount);
    expect(after.sol - end.sol).toBe(o.outAmount + t2.feeLamports);
    expect(positionsOf(sue)[0]!.realizedPnl).toBe(end.usdc - before.usdc);
  });
});

// =============================================================================

type Tamper = 'pass' | 'stranger' | 'program' | 'less-output' | 'budget';

/**
 * A swap API in front of the sandbox's that rewrites GET /swap/v2/build
 * answers. Harvest assembles the transaction itself (fee payer, blockhash,
 * compute budget), so what a malicious API can still do is hand it bad
 * instructions; each tampered one would land if the wallet signed it.
 */
class MaliciousSwapApi {
  mode: Tamper = 'pass';
  readonly stranger = getAddressDecoder().decode(randomBytes(32));
  readonly rogueProgram = getAddressDecoder().decode(randomBytes(32));
  private server!: Server;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const up = await fetch(`${this.upstream}${req.url}`, { method: req.method! });
        let text = await up.text();
        if (req.url?.startsWith('/swap/v2/build') && up.ok)
          text = JSON.stringify(this.tamper(JSON.parse(text) as Build));
        res.writeHead(up.status, { 'content-type': 'application/json' });
        res.end(text);
      })().catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(e) }));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private tamper(build: Build): Build {
    const taker = build.swapInstruction.accounts[3]!.pubkey;
    switch (this.mode) {
      case 'pass':
        return build;
      case 'stranger':
        return {
          ...build,
          otherInstructions: [...build.otherInstructions, apiTransfer(taker, this.stranger, 50_000_000n)],
        };
      case 'program':
        return { ...build, swapInstruction: { ...build.swapInstruction, programId: this.rogueProgram } };
      case 'less-output': {
        const data = new Uint8Array(getBase64Encoder().encode(build.swapInstruction.data));
        new DataView(data.buffer).setBigUint64(1, BigInt(build.otherAmountThreshold) - 1n, true);
        return { ...build, swapInstruction: { ...build.swapInstruction, data: getBase64Decoder().decode(data) } };
      }
      case 'budget':
        return {
          ...build,
          computeBudgetInstructions: [...build.computeBudgetInstructions, apiTransfer(taker, this.stranger, 1n)],
        };
    }
  }
}

type Build = JupiterBuild;

function apiTransfer(from: string, to: string, lamports: bigint): Build['swapInstruction'] {
  const data = new Uint8Array(12);
  new DataView(data.buffer).setUint32(0, 2, true);
  new DataView(data.buffer).setBigUint64(4, lamports, true);
  return {
    programId: '11111111111111111111111111111111',
    accounts: [
      { pubkey: from, isSigner: true, isWritable: true },
      { pubkey: to, isSigner: false, isWritable: true },
    ],
    data: getBase64Decoder().decode(data),
  };
}

describe('a wallet whose history cannot be read from the chain', () => {
  it('refuses new entries (STALE_BALANCES, nothing journaled past the refusal, nothing sent) and still sells', async () => {
    const rhea = await user('rhea', { sol: 2n * LAMPORTS, usdc: usdc(500) });
    const bought = confirmed(await buy(funds.exec, rhea, WETH, usdc(50)));
    let historyReads = 0;
    const exec = service({
      syncFlows: async (userId) => {
        expect(userId).toBe(rhea.id);
        historyReads++;
        return false;
      },
    });
    const sendsBefore = sends();
    const r = rejected(await buy(exec, rhea, WETH, usdc(20)), 'STALE_BALANCES');
    expect(r.message).toMatch(/recent history could not be read.*sells and exits still run/);
    expect(sends()).toBe(sendsBefore);
    // A sell reduces risk: it goes through on the balances the chain gives.
    const sold = confirmed(await sell(exec, rhea, WETH, bought.outAmount));
    expect(sold.signature).not.toBe(bought.signature);
    expect(historyReads).toBe(2);
    expect((await snapshot(rhea)).weth).toBe(0n);
  });

  it('a history read that throws fails the order with its error, as before any balance is judged', async () => {
    const saul = await user('saul', { sol: 2n * LAMPORTS, usdc: usdc(100) });
    const exec = service({
      syncFlows: () => Promise.reject(new HarvestError('RPC_UNAVAILABLE', 'No RPC endpoint answered.')),
    });
    await expect(buy(exec, saul, WETH, usdc(10))).rejects.toThrow(/No RPC endpoint answered/);
    expect(tradesOf(saul)).toHaveLength(0);
  });
});

describe('a malicious swap API gets nothing signed', () => {
  let api: MaliciousSwapApi;
  let mal: TestUser;
  let exec: TradeExecutionService;

  beforeAll(async () => {
    api = new MaliciousSwapApi(sandbox.swapApiUrl);
    await api.start();
    exec = service({ jupiter: new JupiterClient({ baseUrl: api.url }) });
    // Several refusals in a row must not trip this user's breaker before every case ran.
    mal = await user('mal', { sol: 2n * LAMPORTS, usdc: usdc(500) }, { breakerFailures: 100 });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('a faithful proxy: the order goes through it and fills (the proxy itself changes nothing)', async () => {
    api.mode = 'pass';
    confirmed(await buy(exec, mal, WETH, usdc(20)));
    expect(tradesOf(mal)).toHaveLength(1);
  });

  it('the swap API cannot slip an instruction among the compute-budget ones: refused before signing', async () => {
    api.mode = 'budget';
    const signed = engine.signer.signedCount;
    const o = await buy(exec, mal, WETH, usdc(20));
    expect(o.status).toBe('failed');
    expect((o as { message: string }).message).toMatch(/among the compute-budget instructions/);
    expect(engine.signer.signedCount).toBe(signed);
    api.mode = 'pass';
  });

  it('a swap instruction of an unknown program: the assembly simulation already fails, nothing is signed or sent', async () => {
    // (A program that does exist is refused by the signing policy's allow-list: see signing-v2.test.ts.)
    api.mode = 'program';
    const signed = engine.signer.signedCount;
    const sent = sends();
    const o = await buy(exec, mal, WETH, usdc(20));
    expect(o.status).toBe('failed');
    expect((o as { message: string }).message).toMatch(/The assembled swap would fail/);
    expect(engine.signer.signedCount).toBe(signed);
    expect(sends()).toBe(sent);
    api.mode = 'pass';
  });

  it.each([
    ['stranger', /losing .* SOL besides the .* fee, though SOL is not what this swap sells/],
    ['less-output', /receiving .* WETH, less than the minimum output of .* WETH/],
  ] as const)(
    '%s: the order fails with the signing refusal, nothing is signed or sent, the refusal is audited, no trade',
    async (mode, reason) => {
      api.mode = mode;
      const signed = engine.signer.signedCount;
      const sent = sends();
      const trades = tradesOf(mal).length;
      const refusals = auditOf('signing.refused', mal).length;
      const chainBefore = await snapshot(mal);
      const o = await buy(exec, mal, WETH, usdc(20));
      expect(o.status).toBe('failed');
      const message = (o as { message: string }).message;
      expect(message).toMatch(/^Signing refused: /);
      expect(message).toMatch(reason);
      expect(engine.signer.signedCount).toBe(signed);
      expect(sends()).toBe(sent);
      expect(tradesOf(mal)).toHaveLength(trades);
      expect(await snapshot(mal)).toEqual(chainBefore);
      const intent = engine.store.intents.byId(o.intentId!)!;
      expect(intent).toMatchObject({ status: 'failed', reasonCode: 'REFUSED', signature: null, signedTx: null });
      // What was quoted stays in the journal next to the refusal.
      expect(intent.quote).toMatchObject({ inAmount: usdc(20).toString(), computeUnitLimit: expect.any(Number) });
      const audit = auditOf('signing.refused', mal);
      expect(audit).toHaveLength(refusals + 1);
      expect(audit.at(-1)).toMatchObject({
        purpose: 'swap',
        reason: message,
        inputMint: USDC.mint,
        outputMint: WETH.mint,
        inAmount: usdc(20).toString(),
      });
      expect(eventsOf('order.failed', mal).at(-1)).toMatchObject({
        intentId: o.intentId,
        status: 'failed',
        reason: message,
      });
    },
  );

  it('the stranger transfer was real: signed by hand (bypassing the policy), the same bytes would have paid the stranger', async () => {
    api.mode = 'stranger';
    const o = await buy(exec, mal, WETH, usdc(20));
    expect(o.status).toBe('failed');
    expect(await lamportsOf(api.stranger)).toBe(0n);
    // The same tampered answer, assembled as the engine does and signed by hand (no policy).
    const build = await new JupiterClient({ baseUrl: api.url }).build({
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      amount: usdc(20),
      slippageBps: 50,
      taker: mal.address,
    });
    const assembled = await assembleSwap(funds.net.chain, build, mal.address as Address, {
      priorityLevel: 'medium',
      customMicroLamports: 0n,
      maxPriorityFeeLamports: 1_000_000n,
      tipLamports: null,
    });
    const keyPair = await createKeyPairFromPrivateKeyBytes(mal.key.bytes.slice(0, 32));
    const signedByHand = await partiallySignTransaction([keyPair], getTransactionDecoder().decode(assembled.wire));
    const landed = sandbox.ledger.landed(
      sandbox.ledger.send(new Uint8Array(getTransactionEncoder().encode(signedByHand))),
    );
    expect(landed?.err ?? null).toBeNull();
    expect(await lamportsOf(api.stranger)).toBe(50_000_000n);
    api.mode = 'pass';
  });
});

// =============================================================================

describe('protections before anything is signed', () => {
  it('(c) price impact above the user’s cap: rejected PRICE_IMPACT, journaled, nothing signed; a smaller order passes', async () => {
    const ivy = await user('ivy', { usdc: usdc(5000) }, { maxPriceImpactBps: 1, maxOrderUsd: 10_000 });
    const signed = engine.signer.signedCount;
    const sent = sends();
    // $5000 against the sandbox's $15M WETH depth: ~3.3 bps of impact, above the 1 bps cap.
    const o = rejected(await buy(funds.exec, ivy, WETH, usdc(5000)), 'PRICE_IMPACT');
    expect(o.message).toMatch(/price impact \(0\.03 %\) is above this user's 0\.01 % cap/);
    expect(engine.signer.signedCount).toBe(signed);
    expect(sends()).toBe(sent);
    expect(engine.store.intents.byId(o.intentId!)).toMatchObject({
      status: 'rejected',
      reasonCode: 'PRICE_IMPACT',
      signature: null,
    });
    expect(eventsOf('order.rejected', ivy).at(-1)).toMatchObject({ intentId: o.intentId, code: 'PRICE_IMPACT' });
    expect(tradesOf(ivy)).toHaveLength(0);
    // A rejection is not an execution failure: no breaker count.
    expect(engine.store.intents.consecutiveFailures(ivy.id)).toBe(0);
    confirmed(await buy(funds.exec, ivy, WETH, usdc(10)));
  });

  it('(c) a freeze authority on the output mint: read from real mint accounts, rejected unless allow-listed', async () => {
    const chain = funds.net.chain;
    // Two mints created by real transactions on the sandbox: one with a freeze authority, one without.
    const issuer = await generateKeyPairSigner();
    await sandbox.fund(issuer.address, { lamports: LAMPORTS, tokens: [] });
    const createMint = async (freeze: boolean): Promise<Address> => {
      const mint = await generateKeyPairSigner();
      const rent = await chain.getMinimumBalanceForRentExemption(getMintSize());
      const { blockhash, lastValidBlockHeight } = await chain.getLatestBlockhash();
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(issuer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash, lastValidBlockHeight }, m),
        (m) =>
          appendTransactionMessageInstructions(
            [
              getCreateAccountInstruction({
                payer: issuer,
                newAccount: mint,
                lamports: rent,
                space: getMintSize(),
                programAddress: TOKEN_PROGRAM_ADDRESS,
              }),
              getInitializeMint2Instruction({
                mint: mint.address,
                decimals: 6,
                mintAuthority: issuer.address,
                freezeAuthority: freeze ? issuer.address : null,
              }),
            ],
            m,
          ),
      );
      const signedTx = await signTransactionMessageWithSigners(message);
      const outcome = await chain.sendAndConfirm(
        new Uint8Array(getTransactionEncoder().encode(signedTx)),
        lastValidBlockHeight,
      );
      expect(outcome.status).toBe('confirmed');
      return mint.address;
    };
    const frozen = await createMint(true);
    const clean = await createMint(false);
    expect(hasFreezeAuthority((await chain.getAccountInfo(frozen))!.data)).toBe(true);
    expect(hasFreezeAuthority((await chain.getAccountInfo(clean))!.data)).toBe(false);
    for (const t of [USDC, WETH, WBTC])
      expect(hasFreezeAuthority((await chain.getAccountInfo(t.mint))!.data)).toBe(false);
    expect(hasFreezeAuthority(new Uint8Array(40))).toBe(true); // not a mint it can read: fail closed

    // The sandbox market maker cannot quote these mints, so a stub swap API quotes them; protect() reads the chain.
    class StubJupiter extends JupiterClient {
      swaps = 0;
      routes = true;
      constructor() {
        super({ baseUrl: 'http://127.0.0.1:9' });
      }
      override build(p: Parameters<JupiterClient['build']>[0]): Promise<JupiterBuild> {
        // Reading the instructions is the assembly step: counted, then refused (the stub builds nothing real).
        const counted = (): JupiterBuild['computeBudgetInstructions'] => {
          this.swaps++;
          return [{ programId: nowhereProgram, accounts: [], data: '' }];
        };
        const quote = {
          inputMint: p.inputMint,
          inAmount: p.amount.toString(),
          outputMint: p.outputMint,
          outAmount: '1000000',
          otherAmountThreshold: '995000',
          swapMode: 'ExactIn',
          slippageBps: p.slippageBps,
          priceImpactPct: '0.0001',
          routePlan: this.routes ? [{ swapInfo: { ammKey: 'stub', label: 'Stub' }, percent: 100 }] : [],
          setupInstructions: [],
          swapInstruction: { programId: nowhereProgram, accounts: [], data: '' },
          otherInstructions: [],
        };
        return Promise.resolve(
          Object.defineProperty(quote, 'computeBudgetInstructions', { get: counted }) as unknown as JupiterBuild,
        );
      }
    }
    const nowhereProgram = getAddressDecoder().decode(randomBytes(32));
    const stub = new StubJupiter();
    // Mint reads counted per mint: a settled mint (Token program, no freeze authority) is read once.
    const mintReads = new Map<string, number>();
    const countingChain = new Proxy(chain, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'getAccountInfo' || typeof v !== 'function') return v;
        return (a: Address) => {
          mintReads.set(a, (mintReads.get(a) ?? 0) + 1);
          return (v as ChainClient['getAccountInfo']).call(target, a);
        };
      },
    });
    const exec = service({ jupiter: stub, chain: countingChain });
    const fay = await user('fay', { usdc: usdc(100) }, { breakerFailures: 100 });
    const buyMint = (mint: Address): Promise<OrderOutcome> =>
      exec.submit({
        userId: fay.id,
        side: 'buy',
        inputMint: USDC.mint,
        outputMint: mint,
        amount: usdc(10),
        context: 'manual',
        clientId: `fay-${++seq}`,
        slippageBps: 50,
      });

    // These long-tail mints have no oracle: without a trusted price every entry is refused (issue #10,
    // see oracle-e2e.test.ts), so the test gives each one ($10 a token, what the stub quotes) directly.
    const nowhere = getAddressDecoder().decode(randomBytes(32));
    for (const m of [frozen, clean, nowhere]) funds.prices.set(m, 10);

    const o = rejected(await buyMint(frozen), 'FREEZE_AUTHORITY');
    expect(o.message).toContain(frozen);
    expect(stub.swaps).toBe(0);
    const frozenReads = mintReads.get(frozen)!;
    rejected(await buyMint(frozen), 'FREEZE_AUTHORITY');
    // Its freeze authority may yet be revoked: read again on every order.
    expect(mintReads.get(frozen)).toBeGreaterThan(frozenReads);
    // A mint without one passes the protections (and reaches the swap step).
    expect((await buyMint(clean)).status).toBe('failed');
    expect(stub.swaps).toBe(1);
    // ... and, a Token-program mint with no freeze authority, is never read again (nothing read of it can change).
    expect(mintReads.get(clean)).toBe(1);
    expect((await buyMint(clean)).status).toBe('failed');
    expect(mintReads.get(clean)).toBe(1);
    expect(stub.swaps).toBe(2);
    // A mint that does not exist has no route.
    rejected(await buyMint(nowhere), 'NO_ROUTE');
    // No route in the quote.
    stub.routes = false;
    rejected(await buyMint(clean), 'NO_ROUTE');
    stub.routes = true;
    expect(stub.swaps).toBe(2);
    // Allow-listed by the user: accepted.
    await setting('fay', 'freezeAuthorityAllowlist', [frozen]);
    expect((await buyMint(frozen)).status).toBe('failed');
    expect(stub.swaps).toBe(3);
  });
});

// =============================================================================

describe('(d) a slippage failure is re-quoted once', () => {
  it('the price moves between signing and sending: the first transaction is refused, the order re-quotes at the new price and fills', async () => {
    const sam = await user('sam', { usdc: usdc(500) });
    await pinPrice(WETH, 600);
    const wires: { intentId: number; wire: Uint8Array }[] = [];
    const exec = service({
      onSigned: (intentId, wire) => {
        wires.push({ intentId, wire });
        // Right after the first signature, the market jumps 10 %: the quote's minimum output is no longer honoured.
        if (wires.length === 1) {
          sandbox.replay.setPrice(WETH.mint, 660);
          funds.prices.set(WETH.mint, 660); // and the engine's feed sees it too
        }
      },
    });
    const signed = engine.signer.signedCount;
    const o = confirmed(await buy(exec, sam, WETH, usdc(100)));
    expect(wires).toHaveLength(2);
    expect(wires.every((w) => w.intentId === o.intentId)).toBe(true);
    expect(engine.signer.signedCount).toBe(signed + 2);
    // The first signature never landed; the second is the order's.
    const intent = engine.store.intents.byId(o.intentId)!;
    expect(intent).toMatchObject({ status: 'confirmed', signature: o.signature, attempts: 2 });
    expect(signatureOfWireTransaction(wires[1]!.wire)).toBe(o.signature);
    const [first, second] = await funds.net.chain.getSignatureStatuses(
      wires.map((w) => signatureOfWireTransaction(w.wire)),
    );
    expect(first).toBeNull();
    expect(second?.err ?? null).toBeNull();
    // Filled at the new price: about 100 / 660 WETH, not 100 / 600.
    const [t] = tradesOf(sam);
    expect(t!.price).toBeGreaterThan(660);
    expect(t!.price).toBeLessThan(660 * 1.01);
    expect(tradesOf(sam)).toHaveLength(1);
    expect(positionsOf(sam)[0]!.quantity).toBe(o.outAmount);
    expect(await tokensOf(sam.address, WETH)).toBe(o.outAmount);
  });

  it('when the price keeps moving, the second attempt is the last: the order fails cleanly, nothing landed, no trade', async () => {
    const sid = await user('sid', { usdc: usdc(500) });
    await pinPrice(WETH, 600);
    let price = 600;
    let signatures = 0;
    const exec = service({
      onSigned: () => {
        signatures++;
        price *= 1.1;
        sandbox.replay.setPrice(WETH.mint, price);
        funds.prices.set(WETH.mint, price);
      },
    });
    const before = await snapshot(sid);
    const o = await buy(exec, sid, WETH, usdc(100));
    expect(o.status).toBe('failed');
    expect((o as { message: string }).message).toMatch(/refused the swap|failed on chain/);
    expect(signatures).toBe(2);
    expect(engine.store.intents.byId(o.intentId!)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(tradesOf(sid)).toHaveLength(0);
    expect(positionsOf(sid)).toHaveLength(0);
    expect(await snapshot(sid)).toEqual(before);
  });
});

// =============================================================================

describe('(e) breakers are per user', () => {
  it('N consecutive failures pause that user with breaker.tripped; another user keeps trading; resume resets the count', async () => {
    const jupiter = new SwitchableJupiter();
    const exec = service({ jupiter });
    const bob = await user('bob', { usdc: usdc(500) });
    const cal = await user('cal', { usdc: usdc(500) });
    jupiter.brokenFor.add(bob.address);
    const N = 3; // the default breakerFailures

    const bobRuns = async (): Promise<OrderOutcome[]> => {
      const out: OrderOutcome[] = [];
      for (let i = 0; i < N; i++) out.push(await buy(exec, bob, WETH, usdc(10)));
      return out;
    };
    const calRuns = (): Promise<OrderOutcome[]> => Promise.all([1, 2, 3].map(() => buy(exec, cal, WETH, usdc(10))));
    const [bobOut, calOut] = await Promise.all([bobRuns(), calRuns()]);
    expect(bobOut.map((o) => o.status)).toEqual(['failed', 'failed', 'failed']);
    calOut.forEach(confirmed);

    expect(engine.controls.user(bob.id)).toMatchObject({
      paused: true,
      reason: `breaker: ${N} consecutive failed orders`,
    });
    expect(eventsOf('breaker.tripped', bob)).toEqual([
      { failures: N, reason: `breaker: ${N} consecutive failed orders` },
    ]);
    expect(engine.controls.user(cal.id).paused).toBe(false);
    expect(eventsOf('breaker.tripped', cal)).toHaveLength(0);

    // Bob's entries are refused while the breaker is tripped (nothing reaches the swap API); Cal carries on.
    rejected(await buy(exec, bob, WETH, usdc(10)), 'BREAKER_TRIPPED');
    confirmed(await buy(exec, cal, WETH, usdc(10)));

    // The operator resumes Bob: the count starts again. One more failure does not re-trip the breaker at once.
    await engine.execute('controls.resume', { user: 'bob' });
    expect((await buy(exec, bob, WETH, usdc(10))).status).toBe('failed');
    expect(engine.controls.user(bob.id).paused).toBe(false);
    jupiter.brokenFor.delete(bob.address);
    confirmed(await buy(exec, bob, WETH, usdc(10)));
    expect(engine.store.intents.consecutiveFailures(bob.id)).toBe(0);
    expect(eventsOf('breaker.tripped', bob)).toHaveLength(1);
  });
});

// =============================================================================

describe('(f) exits through the same path', () => {
  let eve: TestUser;
  let jupiter: SwitchableJupiter;
  let exec: TradeExecutionService;
  let monitor: ExitMonitor;

  beforeAll(async () => {
    eve = await user('eve', { usdc: usdc(2000) }, { breakerFailures: 100 });
    jupiter = new SwitchableJupiter();
    exec = service({ jupiter });
    monitor = new ExitMonitor(engine.store, exec, funds.prices, engine.bus, clock, silentLogger, funds.net.name);
  });

  /** Eve's open position in a token, opened by a buy at $600. */
  async function open(levels: Partial<Order>): Promise<PositionRow> {
    await pinPrice(WETH, 600);
    const o = confirmed(await buy(exec, eve, WETH, usdc(100), levels));
    const t = engine.store.portfolio.tradeByIntent(o.intentId)!;
    return engine.store.portfolio.position(t.positionId!)!;
  }

  function exitTradeOf(p: PositionRow): TradeRow {
    const t = tradesOf(eve).filter((x) => x.positionId === p.id && x.side === 'sell');
    expect(t).toHaveLength(1);
    return t[0]!;
  }

  it('stop-loss: nothing happens above it; below it the monitor sells the whole position with context exit', async () => {
    const p = await open({ stopLossPrice: 570 });
    expect(p).toMatchObject({ stopLoss: 570, takeProfit: null, trailingStopBps: null });
    expect((await monitor.runCycle()).exits).toBe(0);
    await pinPrice(WETH, 560);
    const r = await monitor.runCycle();
    expect(r.exits).toBe(1);
    const closed = engine.store.portfolio.position(p.id)!;
    expect(closed.status).toBe('closed');
    const t = exitTradeOf(p);
    expect(t).toMatchObject({ context: 'exit', side: 'sell', baseAmount: p.quantity });
    expect(engine.store.intents.byId(t.intentId)!.clientId).toBe(`exit:${p.id}:1`);
    expect(closed.realizedPnl).toBeLessThan(0n);
    expect(eventsOf('position.closed', eve).at(-1)).toMatchObject({
      positionId: p.id,
      realizedPnl: closed.realizedPnl.toString(),
    });
    expect(await tokensOf(eve.address, WETH)).toBe(0n);
  });

  it('take-profit', async () => {
    const p = await open({ takeProfitPrice: 630 });
    await pinPrice(WETH, 625);
    expect((await monitor.runCycle()).exits).toBe(0);
    await pinPrice(WETH, 640);
    expect((await monitor.runCycle()).exits).toBe(1);
    const closed = engine.store.portfolio.position(p.id)!;
    expect(closed.status).toBe('closed');
    expect(exitTradeOf(p).context).toBe('exit');
    expect(closed.realizedPnl).toBeGreaterThan(0n);
  });

  it('trailing stop: the high-water mark follows the price up, never down, and the stop fires at bps below it', async () => {
    const p = await open({ trailingStopBps: 500 });
    expect(p.highWater).toBeGreaterThan(600); // starts at the fill price
    await pinPrice(WETH, 700);
    expect((await monitor.runCycle()).exits).toBe(0);
    expect(engine.store.portfolio.position(p.id)!.highWater).toBe(700);
    await pinPrice(WETH, 680);
    expect((await monitor.runCycle()).exits).toBe(0);
    expect(engine.store.portfolio.position(p.id)!.highWater).toBe(700);
    await pinPrice(WETH, 666); // 700 × 0.95 = 665
    expect((await monitor.runCycle()).exits).toBe(0);
    await pinPrice(WETH, 664);
    expect((await monitor.runCycle()).exits).toBe(1);
    const closed = engine.store.portfolio.position(p.id)!;
    expect(closed.status).toBe('closed');
    expect(exitTradeOf(p).context).toBe('exit');
    expect(closed.realizedPnl).toBeGreaterThan(0n);
  });

  it('a SOL-quoted position’s levels are in SOL per token, like its fills and average entry', async () => {
    const qin = await user('qin', { sol: 10n * LAMPORTS }, { quoteAsset: 'SOL' });
    await pinPrice(SOL, 2);
    await pinPrice(WETH, 600); // 300 SOL per WETH
    const o = confirmed(
      await exec.submit({
        userId: qin.id,
        side: 'buy',
        inputMint: SOL.mint,
        outputMint: WETH.mint,
        amount: LAMPORTS,
        context: 'manual',
        clientId: `qin-${++seq}`,
        slippageBps: 50,
        stopLossPrice: 285,
        takeProfitPrice: 330,
      }),
    );
    const p = engine.store.portfolio.position(engine.store.portfolio.tradeByIntent(o.intentId)!.positionId!)!;
    expect(p).toMatchObject({ quoteMint: SOL.mint, costBasis: LAMPORTS, stopLoss: 285, takeProfit: 330 });
    expect(averageEntryPrice(p, WETH.decimals, SOL.decimals)).toBeGreaterThan(300);
    expect(averageEntryPrice(p, WETH.decimals, SOL.decimals)).toBeLessThan(303);
    // $600 is 300 SOL: between the levels, whatever the USD number says.
    expect((await monitor.runCycle()).exits).toBe(0);
    expect(engine.store.portfolio.position(p.id)!.status).toBe('open');
    // $560 is 280 SOL: below the 285 SOL stop.
    await pinPrice(WETH, 560);
    expect((await monitor.runCycle()).exits).toBe(1);
    const closed = engine.store.portfolio.position(p.id)!;
    expect(closed.status).toBe('closed');
    const t = tradesOf(qin).find((x) => x.side === 'sell')!;
    expect(t).toMatchObject({ context: 'exit', baseMint: WETH.mint, quoteMint: SOL.mint });
    expect(t.price).toBeGreaterThan(270);
    expect(t.price).toBeLessThan(285);
    expect(closed.realizedPnl).toBeLessThan(0n);
  });

  it('an exit whose order cannot even start (the RPC fails reading balances) is marked STUCK too; the cycle does not throw', async () => {
    const p = await open({ stopLossPrice: 570 });
    await pinPrice(WETH, 550);
    // The same chain client, except that balance reads fail: the order throws before anything is journaled.
    const broken = Object.create(funds.net.chain) as ChainClient;
    broken.getBalances = () =>
      Promise.reject(new HarvestError('RPC_UNAVAILABLE', 'No RPC endpoint answered getMultipleAccounts.'));
    const brokenMonitor = new ExitMonitor(
      engine.store,
      service({ chain: broken }),
      funds.prices,
      engine.bus,
      clock,
      silentLogger,
      funds.net.name,
    );
    const r = await brokenMonitor.runCycle();
    expect(r.exits).toBe(0);
    expect(r.stuck).toBeGreaterThanOrEqual(1);
    expect(engine.store.portfolio.position(p.id)!.stuckSince).not.toBeNull();
    expect(eventsOf('exit.stuck', eve).at(-1)).toEqual({
      positionId: p.id,
      mint: WETH.mint,
      reason: 'No RPC endpoint answered getMultipleAccounts.',
    });
    // With the RPC back, the ordinary monitor completes it.
    expect((await monitor.runCycle()).exits).toBeGreaterThanOrEqual(1);
    expect(engine.store.portfolio.position(p.id)!).toMatchObject({ status: 'closed', stuckSince: null });
  });

  it('an exit that cannot complete marks the position STUCK with exit.stuck, is retried every cycle, and completes once it can', async () => {
    const p = await open({ stopLossPrice: 570 });
    await pinPrice(WETH, 550);
    jupiter.down = true;
    const stuckEvents = eventsOf('exit.stuck', eve).length;
    const r1 = await driveClock(monitor.runCycle());
    expect(r1).toMatchObject({ exits: 0, stuck: 1 });
    const stuck = engine.store.portfolio.position(p.id)!;
    expect(stuck.status).toBe('open');
    expect(stuck.stuckSince).not.toBeNull();
    expect(eventsOf('exit.stuck', eve).slice(stuckEvents)).toEqual([
      { positionId: p.id, mint: WETH.mint, reason: expect.stringMatching(/unreachable/) as unknown },
    ]);
    const listed = await engine.execute('positions.list', { user: 'eve', status: 'open' });
    expect(listed.positions.find((x) => x.id === p.id)?.stuck).toBe(true);

    // Next cycle: still down, still stuck, tried again (a new attempt, same position).
    await funds.refreshPrices();
    expect(await driveClock(monitor.runCycle())).toMatchObject({ exits: 0, stuck: 1 });
    expect(eventsOf('exit.stuck', eve).length).toBe(stuckEvents + 2);
    expect(engine.store.portfolio.position(p.id)!.stuckSince).toBe(stuck.stuckSince);

    // Fixed, and even with the price back above the stop, the stuck exit is retried and completes.
    jupiter.down = false;
    await pinPrice(WETH, 600);
    expect((await monitor.runCycle()).exits).toBe(1);
    const closed = engine.store.portfolio.position(p.id)!;
    expect(closed).toMatchObject({ status: 'closed', stuckSince: null, quantity: 0n });
    const t = exitTradeOf(p);
    expect(t.context).toBe('exit');
    expect(engine.store.intents.byId(t.intentId)!.clientId).toBe(`exit:${p.id}:3`);
    const attempts = engine.store.intents.list(eve.id, 1000).filter((i) => i.clientId.startsWith(`exit:${p.id}:`));
    expect(attempts.map((i) => i.status).sort()).toEqual(['confirmed', 'failed', 'failed']);
  });
});

// =============================================================================

describe('(h) a paper user', () => {
  it('fills at the feed price with fee and impact, in the paper ledger, with no signing and no change on chain', async () => {
    // The paper account opens with its own starting capital (here 1 SOL + 500 USDC), never the wallet's balances.
    const pam = await user(
      'pam',
      { sol: 3n * LAMPORTS },
      { mode: 'paper', maxOrderUsd: 10_000, paperStartingCapital: { SOL: '1', USDC: '500' } },
    );
    await engine.execute('wallet.balances', { user: 'pam' });
    await pinPrice(WETH, 600);
    const chainBefore = await snapshot(pam);
    const signed = engine.signer.signedCount;
    const sent = sends();

    const o = confirmed(await buy(funds.exec, pam, WETH, usdc(100)));
    // Independently: 100 USDC at $600 less 25 bps, less an impact of 100 / (100 + $30M depth).
    const expected = (100 / 600) * (1 - 0.0025) * (1 - 100 / (100 + 30_000_000)) * 1e8;
    expect(Math.abs(Number(o.outAmount) - expected)).toBeLessThanOrEqual(1);
    expect(o.outAmount).toBe(paperQuote(USDC.mint, WETH.mint, usdc(100), funds.prices)!.outAmount);
    expect(o.signature).toBeNull();
    const [t] = tradesOf(pam);
    expect(t).toMatchObject({
      venue: 'paper',
      signature: null,
      feeLamports: 0n,
      quoteAmount: usdc(100),
      baseAmount: o.outAmount,
    });
    const paperBook = (): Map<string, bigint> =>
      new Map([...engine.store.paper.balances(pam.id)].filter(([, v]) => v !== 0n));
    expect(paperBook()).toEqual(
      new Map([
        [WRAPPED_SOL_MINT, LAMPORTS],
        [USDC.mint, usdc(400)],
        [WETH.mint, o.outAmount],
      ]),
    );

    // Sell it all at a higher feed price: realized PnL in the paper ledger.
    await pinPrice(WETH, 660);
    const s = confirmed(await sell(funds.exec, pam, WETH, o.outAmount));
    const pos = positionsOf(pam)[0]!;
    expect(pos).toMatchObject({ status: 'closed', quantity: 0n, realizedPnl: s.outAmount - usdc(100) });
    expect(pos.realizedPnl).toBeGreaterThan(usdc(9));
    expect(engine.store.paper.balance(pam.id, USDC.mint)).toBe(usdc(400) + s.outAmount);
    expect(engine.store.paper.balance(pam.id, WETH.mint)).toBe(0n);

    // A paper user cannot spend what the paper ledger does not hold.
    rejected(await buy(funds.exec, pam, WETH, usdc(1000)), 'INSUFFICIENT_BALANCE');

    expect(engine.signer.signedCount).toBe(signed);
    expect(sends()).toBe(sent);
    expect(await snapshot(pam)).toEqual(chainBefore);
  });
});

// =============================================================================

describe('(g) controls', () => {
  let gus: TestUser;
  let hal: TestUser;

  beforeAll(async () => {
    gus = await user('gus', { sol: 2n * LAMPORTS, usdc: usdc(1000) });
    hal = await user('hal', { usdc: usdc(500) });
  });

  it('a global pause blocks entries for everyone but not exits', async () => {
    const o = confirmed(await buy(funds.exec, gus, WETH, usdc(50)));
    const p = engine.store.portfolio.position(engine.store.portfolio.tradeByIntent(o.intentId)!.positionId!)!;
    await engine.execute('controls.pause', { reason: 'maintenance' });
    rejected(await buy(funds.exec, gus, WETH, usdc(50)), 'PAUSED_GLOBAL');
    rejected(await buy(funds.exec, hal, WETH, usdc(50)), 'PAUSED_GLOBAL');
    const exit = confirmed(await funds.exits.close(p, 'exit', 'test'));
    expect(engine.store.portfolio.tradeByIntent(exit.intentId)!.context).toBe('exit');
    expect(engine.store.portfolio.position(p.id)!.status).toBe('closed');
    await engine.execute('controls.resume', {});
    confirmed(await buy(funds.exec, hal, WETH, usdc(10)));
  });

  it('a user pause blocks that user’s entries only; their exits still run', async () => {
    const o = confirmed(await buy(funds.exec, gus, WETH, usdc(50)));
    const p = engine.store.portfolio.position(engine.store.portfolio.tradeByIntent(o.intentId)!.positionId!)!;
    await engine.execute('controls.pause', { user: 'gus', reason: 'holiday' });
    expect(rejected(await buy(funds.exec, gus, WETH, usdc(50)), 'PAUSED_USER').message).toMatch(/holiday/);
    confirmed(await buy(funds.exec, hal, WETH, usdc(10)));
    confirmed(await funds.exits.close(p, 'exit', 'test'));
    await engine.execute('controls.resume', { user: 'gus' });
    confirmed(await buy(funds.exec, gus, WETH, usdc(10)));
  });

  it('emergency close-all flattens every position of the user through the same path, and is audited', async () => {
    confirmed(await buy(funds.exec, gus, SOL, usdc(20)));
    confirmed(await buy(funds.exec, gus, WBTC, usdc(30)));
    const open = positionsOf(gus, 'open');
    expect(open.map((p) => p.mint).sort()).toEqual([SOL.mint, WETH.mint, WBTC.mint].sort());
    const halOpen = positionsOf(hal, 'open');
    expect(halOpen.length).toBeGreaterThan(0);

    const r = await engine.execute('positions.closeAll', { user: 'gus', confirm: true });
    // Close-all also pauses gus's entries until resumed (issue #9, item 6); others are untouched.
    expect(r.entriesPaused).toBe(true);
    expect(engine.controls.user(gus.id)).toMatchObject({ paused: true, reason: expect.stringMatching(/^close-all/u) });
    expect(engine.controls.user(hal.id).paused).toBe(false);
    expect(r.results.map((x) => x.positionId).sort()).toEqual(open.map((p) => p.id).sort());
    expect(r.results.every((x) => x.outcome.status === 'confirmed')).toBe(true);
    expect(positionsOf(gus, 'open')).toHaveLength(0);
    for (const p of open) {
      const sells = tradesOf(gus).filter((t) => t.positionId === p.id && t.side === 'sell');
      expect(sells.map((t) => t.context)).toEqual(['emergency']);
      expect(sells[0]!.baseAmount).toBe(p.quantity);
    }
    expect((auditOf('positions.closeAll', gus).at(-1)!['positions'] as number[]).sort()).toEqual(
      open.map((p) => p.id).sort(),
    );
    expect(await tokensOf(gus.address, WETH)).toBe(0n);
    expect(await tokensOf(gus.address, WBTC)).toBe(0n);
    // Another user's positions are not touched.
    expect(positionsOf(hal, 'open').map((p) => p.id)).toEqual(halOpen.map((p) => p.id));
  });

  it('a halt stops everything (exits too) and survives a restart: still halted, the signer refuses, until resumed', async () => {
    const o = confirmed(await buy(funds.exec, hal, WETH, usdc(10)));
    const p = engine.store.portfolio.position(engine.store.portfolio.tradeByIntent(o.intentId)!.positionId!)!;
    await engine.execute('controls.halt', { reason: 'incident' });
    const signed = engine.signer.signedCount;
    rejected(await buy(funds.exec, hal, WETH, usdc(10)), 'HALTED');
    rejected(await funds.exits.close(p, 'exit', 'test'), 'HALTED');
    rejected(await funds.exits.close(p, 'emergency', 'test'), 'HALTED');
    expect(engine.signer.signedCount).toBe(signed);

    // Restart the engine on the same data directory (and its sandbox from disk).
    const at = clock.now();
    await engine.close();
    engine = openEngine(dir.dir, { clock: new ManualClock(at + 1000) });
    clock = engine.clock as ManualClock;
    expect(engine.controls.global()).toEqual({ paused: true, halted: true, reason: 'incident' });
    const purpose = {
      kind: 'swap' as const,
      inputMint: USDC.mint,
      inAmount: 1n,
      outputMint: WETH.mint,
      minOut: 1n,
      inputTokenProgram: USDC.tokenProgram,
      outputTokenProgram: WETH.tokenProgram,
    };
    let refusal: unknown;
    try {
      await engine.signer.sign(hal.id, new Uint8Array(200), purpose, 'test');
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(HarvestError);
    expect(refusal).toMatchObject({ code: 'REFUSED', message: 'Signing refused: trading is halted' });
    expect(auditOf('signing.refused', hal).at(-1)).toMatchObject({ reason: 'Signing refused: trading is halted' });
    expect(engine.signer.signedCount).toBe(0);

    funds = await engine.funds();
    sandbox = funds.net.sandbox as Sandbox;
    await funds.refreshPrices();
    rejected(await buy(funds.exec, hal, WETH, usdc(10)), 'HALTED');
    await engine.execute('controls.resume', {});
    expect(engine.controls.global()).toEqual({ paused: false, halted: false, reason: null });
    const sold = confirmed(await funds.exits.close(engine.store.portfolio.position(p.id)!, 'exit', 'test'));
    expect(engine.signer.signedCount).toBe(1);
    expect(engine.store.portfolio.tradeByIntent(sold.intentId)!.baseAmount).toBe(p.quantity);
  });
});
