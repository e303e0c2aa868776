/**
 * Issue #4, item 4: wherever the process is killed, each order leads to at
 * most one on-chain swap, and each landed swap to exactly one trade row.
 *
 * The chain is a separate, long-lived `harvest sandbox start` process, so it
 * survives every kill. Two kinds of kill, each followed by a command that
 * connects the network (and therefore reconciles the journal first:
 * engine/runtime/services.ts) and then by the SAME client id once more:
 *
 *  (a) `harvest order ... --client-id K` with HARVEST_FAULT=exec:* kills
 *      itself at each execution fault point (a buy and a sell at each);
 *      reconciliation is `harvest wallet balances`, the re-submission another
 *      `harvest order`;
 *  (b) a running engine (`harvest run`, orders sent over its control channel)
 *      is SIGKILLed after a uniformly random delay within the measured
 *      duration of one order (seeded, the seed is printed), so the kill falls
 *      inside the order's own work rather than in process start-up; sometimes
 *      the reconciliation is killed too, at a random point, and run again.
 *
 * After every step the test checks from the outside (the database read-only,
 * the chain over its JSON-RPC endpoint, the sandbox's own transaction history):
 *  - no intent is left pending, nor signed unless its blockhash is still valid
 *    (and then it must be settled by the next check);
 *  - for every journaled signature: landed without error ⇔ exactly one trade;
 *  - every swap the wallet paid for on chain ⇔ exactly one trade row, with the
 *    same amounts and fee (a bijection by signature);
 *  - the wallet's USDC, WETH and SOL balances on chain equal the faucet amounts
 *    plus the sum of all trades minus every fee the wallet paid (and the rent
 *    of the WETH account its first buy created), to the base unit; the open
 *    position's quantity equals the WETH on chain;
 *  - a re-submitted client id never makes a second intent or a second swap,
 *    and a settled order answers from the journal unchanged.
 *
 * Knobs: HARVEST_CRASH_SEED; HARVEST_CRASH_FAULT_ROUNDS (default 2, four
 * kills each); HARVEST_CRASH_RANDOM_KILLS (default 24 random-time orders);
 * HARVEST_CRASH_BUDGET_S (default 130: on a slow machine the random phase
 * stops early, after at least 8 orders, rather than run past the budget).
 */
import type { ChildProcess } from 'node:child_process';
import type { Address } from '@solana/kit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssociatedTokenAddress } from '../../engine/chain/programs';
import { dataDirLayout } from '../../engine/kernel/paths';
import { formatUnits, tokenBySymbol } from '../../engine/market';
import type { CliResult } from '../helpers/cli';
import { tempDataDir } from '../helpers/datadir';
import { readChainHistory, type ChainTx } from '../helpers/ledger-history';
import { callControlChannel } from '../../engine/kernel/control-channel';
import { describeRun, hv, ok, randomSecretKey, spawnHv, startEngine } from './support';
import { PERMISSIVE_RISK } from '../helpers/risk';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const USER = 'ann';
const FAUCET_LAMPORTS = 2_000_000_000n;
const FAUCET_USDC = 1_000_000_000n; // 1,000 USDC

const FAULT_POINTS = [
  'exec:after-pending',
  'exec:after-sign',
  'exec:after-signed-journal',
  'exec:after-confirm',
] as const;
const envInt = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number.parseInt(v, 10) : fallback;
};
const SEED = envInt('HARVEST_CRASH_SEED', Math.floor(Math.random() * 2 ** 31));
const RANDOM_KILLS = envInt('HARVEST_CRASH_RANDOM_KILLS', 24);
const FAULT_ROUNDS = envInt('HARVEST_CRASH_FAULT_ROUNDS', 2);
const BUDGET_MS = envInt('HARVEST_CRASH_BUDGET_S', 130) * 1000;
const MIN_RANDOM = Math.min(8, RANDOM_KILLS);
/** Chance that the reconciling command after a random kill is itself killed at a random time. */
const RECONCILE_KILL_P = 0.3;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with HARVEST_CRASH_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the outside view: JSON-RPC, the database, the sandbox's history ----------

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

interface SigStatus {
  err: unknown;
  confirmationStatus: string | null;
}

interface IntentDb {
  id: number;
  client_id: string;
  status: string;
  signature: string | null;
  last_valid_block_height: string | null;
  error: string | null;
  reason_code: string | null;
}

interface TradeDb {
  id: number;
  intent_id: number;
  side: 'buy' | 'sell';
  base_amount: string;
  quote_amount: string;
  fee_lamports: string;
  signature: string | null;
}

interface World {
  dir: string;
  rpcUrl: string;
  wallet: Address;
  usdcAta: Address;
  wethAta: Address;
  faucetSignatures: Set<string>;
}

interface Snapshot {
  intents: IntentDb[];
  trades: TradeDb[];
  openPositionQty: bigint;
  height: bigint;
  statuses: Map<string, SigStatus | null>;
  chainTxs: ChainTx[];
  lamports: bigint;
  usdc: bigint;
  weth: bigint;
  wethAtaLamports: bigint;
}

function readDb(dir: string): Pick<Snapshot, 'intents' | 'trades' | 'openPositionQty'> {
  const db = new Database(dataDirLayout(dir).db, { readonly: true, fileMustExist: true });
  try {
    const intents = db
      .prepare(
        'SELECT id, client_id, status, signature, last_valid_block_height, error, reason_code FROM intents ORDER BY id',
      )
      .all() as IntentDb[];
    const trades = db
      .prepare('SELECT id, intent_id, side, base_amount, quote_amount, fee_lamports, signature FROM trades ORDER BY id')
      .all() as TradeDb[];
    const pos = db.prepare("SELECT quantity FROM positions WHERE status = 'open' AND mint = ?").all(WETH.mint) as {
      quantity: string;
    }[];
    expect(pos.length, 'at most one open WETH position').toBeLessThanOrEqual(1);
    return { intents, trades, openPositionQty: pos.length ? BigInt(pos[0]!.quantity) : 0n };
  } finally {
    db.close();
  }
}

/**
 * Every transaction the wallet paid for, from the sandbox ledger's own history
 * (its RPC has no getSignaturesForAddress): the chain-side list of swaps,
 * independent of the engine's journal. The faucet's transactions are excluded.
 */
/** What the wallet paid for on chain, from the sandbox ledger's own history (not the engine's journal). */
function chainTxsOf(w: World): ChainTx[] {
  return readChainHistory(w.dir, new Set([w.wallet]), w.faucetSignatures).get(w.wallet) ?? [];
}

async function tokenAmount(url: string, ata: Address): Promise<bigint> {
  const info = await rpc<{ value: unknown }>(url, 'getAccountInfo', [ata, { encoding: 'base64' }]);
  if (info.value === null) return 0n;
  const b = await rpc<{ value: { amount: string } }>(url, 'getTokenAccountBalance', [ata]);
  return BigInt(b.value.amount);
}

async function snapshot(w: World): Promise<Snapshot> {
  const db = readDb(w.dir);
  const sigs = db.intents.map((i) => i.signature).filter((s): s is string => s !== null);
  const statuses = new Map<string, SigStatus | null>();
  if (sigs.length > 0) {
    const r = await rpc<{ value: (SigStatus | null)[] }>(w.rpcUrl, 'getSignatureStatuses', [
      sigs,
      { searchTransactionHistory: true },
    ]);
    sigs.forEach((s, i) => statuses.set(s, r.value[i] ?? null));
  }
  const height = BigInt(await rpc<number>(w.rpcUrl, 'getBlockHeight'));
  const lamports = BigInt((await rpc<{ value: number }>(w.rpcUrl, 'getBalance', [w.wallet])).value);
  const wethAtaLamports = BigInt((await rpc<{ value: number }>(w.rpcUrl, 'getBalance', [w.wethAta])).value);
  return {
    ...db,
    statuses,
    height,
    chainTxs: chainTxsOf(w),
    lamports,
    usdc: await tokenAmount(w.rpcUrl, w.usdcAta),
    weth: await tokenAmount(w.rpcUrl, w.wethAta),
    wethAtaLamports,
  };
}

/** Intents seen open (signed, blockhash still valid) at the previous check: they must be settled by the next. */
let carried = new Set<number>();

/** The invariants; `where` says which step of which iteration, for the failure message. */
function checkInvariants(s: Snapshot, where: string): void {
  const ctx = (m: string): string => `${where}: ${m}`;

  // 1. Reconciliation left nothing open, except a signed order whose blockhash can still land.
  const open = new Set<number>();
  for (const i of s.intents) {
    expect(i.status, ctx(`intent ${i.id} is still pending after reconciliation`)).not.toBe('pending');
    if (i.status !== 'signed') continue;
    expect(i.last_valid_block_height, ctx(`signed intent ${i.id} has no blockhash lifetime`)).not.toBeNull();
    expect(
      BigInt(i.last_valid_block_height!) >= s.height,
      ctx(`intent ${i.id} is still 'signed' although its blockhash expired (height ${s.height})`),
    ).toBe(true);
    expect(carried.has(i.id), ctx(`intent ${i.id} stayed 'signed' across two reconciliations`)).toBe(false);
    open.add(i.id);
  }
  carried = open;

  // 2. One trade per intent at most (trades.intent_id is unique), only for confirmed intents, same signature.
  const byIntent = new Map<number, TradeDb[]>();
  for (const t of s.trades) byIntent.set(t.intent_id, [...(byIntent.get(t.intent_id) ?? []), t]);
  const intentById = new Map(s.intents.map((i) => [i.id, i]));
  for (const [intentId, ts] of byIntent) {
    expect(ts.length, ctx(`intent ${intentId} has ${ts.length} trade rows`)).toBe(1);
    const i = intentById.get(intentId);
    expect(i?.status, ctx(`trade ${ts[0]!.id} belongs to intent ${intentId}, which is not confirmed`)).toBe(
      'confirmed',
    );
    expect(ts[0]!.signature, ctx(`trade ${ts[0]!.id} and intent ${intentId} name different transactions`)).toBe(
      i!.signature,
    );
  }
  for (const i of s.intents) {
    if (i.status === 'confirmed') expect(byIntent.has(i.id), ctx(`confirmed intent ${i.id} has no trade`)).toBe(true);
  }

  // 3. Every journaled signature: landed without error ⇔ a trade row.
  for (const i of s.intents) {
    if (!i.signature) continue;
    const st = s.statuses.get(i.signature) ?? null;
    const landedOk = st !== null && st.err === null && st.confirmationStatus !== 'processed';
    expect(landedOk, ctx(`intent ${i.id} (${i.status}): landed=${landedOk} but trade=${byIntent.has(i.id)}`)).toBe(
      byIntent.has(i.id),
    );
    if (st !== null && st.err !== null) expect(i.status, ctx(`intent ${i.id} landed failed`)).toBe('failed');
    if (st === null) expect(['expired', 'failed', 'signed'], ctx(`intent ${i.id} never landed`)).toContain(i.status);
  }

  // 4. The chain's side: every swap the wallet paid for ⇔ exactly one trade, with the same amounts.
  const tradeBySig = new Map<string, TradeDb>();
  for (const t of s.trades) {
    expect(t.signature, ctx(`trade ${t.id} has no signature`)).not.toBeNull();
    expect(tradeBySig.has(t.signature!), ctx(`two trades name ${t.signature}`)).toBe(false);
    tradeBySig.set(t.signature!, t);
  }
  const landedOk = s.chainTxs.filter((t) => t.err === null);
  for (const tx of landedOk) {
    const t = tradeBySig.get(tx.signature);
    expect(t, ctx(`swap ${tx.signature} landed on chain but has no trade row`)).toBeDefined();
    const usdc = tx.tokenDelta.get(USDC.mint) ?? 0n;
    const weth = tx.tokenDelta.get(WETH.mint) ?? 0n;
    const [q, b] = t!.side === 'buy' ? [-usdc, weth] : [usdc, -weth];
    expect({ quote: q, base: b }, ctx(`trade ${t!.id} amounts differ from swap ${tx.signature}`)).toEqual({
      quote: BigInt(t!.quote_amount),
      base: BigInt(t!.base_amount),
    });
    expect(BigInt(t!.fee_lamports), ctx(`trade ${t!.id} fee`)).toBe(tx.fee);
  }
  const chainOk = new Set(landedOk.map((t) => t.signature));
  for (const t of s.trades) {
    expect(chainOk.has(t.signature!), ctx(`trade ${t.id} has no landed swap (${t.signature})`)).toBe(true);
  }

  // 5. Money: on-chain balances = faucet + Σ trades − Σ fees − rent, to the base unit.
  let usdc = FAUCET_USDC;
  let weth = 0n;
  for (const t of s.trades) {
    const q = BigInt(t.quote_amount);
    const b = BigInt(t.base_amount);
    if (t.side === 'buy') {
      usdc -= q;
      weth += b;
    } else {
      usdc += q;
      weth -= b;
    }
  }
  const fees = s.chainTxs.reduce((a, t) => a + t.fee, 0n);
  expect(s.usdc, ctx('USDC on chain vs faucet + Σ trades')).toBe(usdc);
  expect(s.weth, ctx('WETH on chain vs Σ trades')).toBe(weth);
  expect(s.openPositionQty, ctx('open position quantity vs WETH on chain')).toBe(s.weth);
  expect(s.lamports, ctx('SOL on chain vs faucet − Σ fees − WETH account rent')).toBe(
    FAUCET_LAMPORTS - fees - s.wethAtaLamports,
  );
}

// ---- driving the CLI -----------------------------------------------------------

interface OrderSpec {
  side: 'buy' | 'sell';
  amount: string;
  clientId: string;
}

type KillState =
  'no intent' | 'pending' | 'signed, not landed' | 'signed, landed' | 'recorded' | 'settled (not confirmed)';

interface OutcomeOut {
  status: string;
  intentId: number | null;
  signature: string | null;
}

const SLIPPAGE_BPS = 150;

/** Every entry names a stop-loss (the operator's default global rule); $1 is far below any WETH price. */
const STOP_LOSS_USD = 1;

function orderArgs(o: OrderSpec): string[] {
  return [
    '--json',
    'order',
    USER,
    o.side,
    'WETH',
    o.amount,
    '--slippage-bps',
    String(SLIPPAGE_BPS),
    '--client-id',
    o.clientId,
    ...(o.side === 'buy' ? ['--stop-loss', String(STOP_LOSS_USD)] : []),
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A command that connects the network, which reconciles the journal before anything else. */
const reconcile = (w: World): Promise<CliResult> => hv(w.dir, ['--json', 'wallet', 'balances', USER]);

function startSandbox(dir: string): Promise<{ child: ChildProcess; rpcUrl: string; swapApiUrl: string }> {
  const child = spawnHv(dir, ['--json', 'sandbox', 'start']);
  child.stdin!.end();
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox not ready\n${out}\n${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ...(JSON.parse(line) as { rpcUrl: string; swapApiUrl: string }) });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited (${code ?? signal})\n${out}\n${err}`));
    });
  });
}

/**
 * The sandbox's own faucet endpoint (what `harvest faucet` calls). Called directly so the money
 * arrives without a recorded deposit: see the note at the faucet call below.
 */
async function sandboxFaucet(swapApiUrl: string, address: string, lamports: bigint, usdc: bigint): Promise<string[]> {
  const r = await fetch(`${swapApiUrl}/sandbox/faucet`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      address,
      lamports: lamports.toString(),
      tokens: [{ mint: USDC.mint, amount: usdc.toString() }],
    }),
  });
  const body = (await r.json()) as { signatures?: string[]; error?: string };
  if (!r.ok || !body.signatures) throw new Error(`sandbox faucet: ${body.error ?? r.statusText}`);
  return body.signatures;
}

// ---- the test --------------------------------------------------------------------

/**
 * Ledger = chain after the kills (issue #9): `harvest reconcile` finds every asset's balance equal to
 * what the journals add up to, to the base unit (the sandbox faucet's grants here are outside deposits).
 */
async function ledgerMatchesChain(w: World): Promise<void> {
  const out = ok<{ results: { ok: boolean | null; inconclusive: string | null; discrepancies: unknown[] }[] }>(
    await hv(w.dir, ['--json', 'reconcile', USER]),
  );
  expect(out.results[0]!.inconclusive).toBeNull();
  expect(out.results[0]!.discrepancies).toEqual([]);
  expect(out.results[0]!.ok).toBe(true);
}

describe('execution crash safety: SIGKILL anywhere, one swap per order, one trade per swap', () => {
  let w: World;
  const random = rng(SEED);
  let kills = 0;
  let seq = 0;
  const log: string[] = [];
  const states = new Map<KillState, number>();
  /** The latest checked snapshot (for the next order's sell size). */
  let last: Snapshot;

  /** Alternates buys (distinct USDC amounts) and sells of part of the open position, unless told which. */
  function nextOrder(qty: bigint, want?: 'buy' | 'sell'): OrderSpec {
    seq++;
    const clientId = `crash-${SEED}-${seq}`;
    const side = want ?? (seq % 2 === 0 ? 'sell' : 'buy');
    if (side === 'sell' && qty > 10n) return { side: 'sell', amount: formatUnits(qty / 2n, WETH.decimals), clientId };
    const micro = 2_000_000n + BigInt(Math.floor(random() * 8_000_000));
    return { side: 'buy', amount: formatUnits(micro, USDC.decimals), clientId };
  }

  /** Where the killed order stood, read before anything reconciles it. */
  async function killState(o: OrderSpec): Promise<KillState> {
    const s = await snapshot(w);
    const i = s.intents.find((x) => x.client_id === o.clientId);
    if (!i) return 'no intent';
    if (i.status === 'pending') return 'pending';
    if (i.status === 'signed') return s.statuses.get(i.signature!) ? 'signed, landed' : 'signed, not landed';
    return i.status === 'confirmed' ? 'recorded' : 'settled (not confirmed)';
  }

  function tally(state: KillState): void {
    states.set(state, (states.get(state) ?? 0) + 1);
  }

  /** The same client id again: one intent at most, and a settled order answers from the journal and sends nothing. */
  function checkResubmission(s1: Snapshot, s2: Snapshot, o: OrderSpec, out: OutcomeOut, where: string): void {
    const before = s1.intents.find((i) => i.client_id === o.clientId) ?? null;
    const same = s2.intents.filter((i) => i.client_id === o.clientId);
    expect(same.length, `${where}: one client id, one intent`).toBeLessThanOrEqual(1);
    if (before) {
      expect(out.intentId, `${where}: the re-submission named another order`).toBe(before.id);
      expect(same[0], `${where}: the re-submission changed the settled order`).toEqual(before);
      expect(s2.chainTxs.length, `${where}: the re-submission sent another transaction`).toBe(s1.chainTxs.length);
      expect(out.status, `${where}: the re-submission reports another outcome`).toBe(
        before.status === 'signed' ? 'pending' : before.status,
      );
    }
    log.push(
      `${where}: after reconciliation ${before ? `${before.status}${before.reason_code ? `/${before.reason_code}` : ''}` : 'no intent'}; re-submitted → ${out.status}; swaps ${s2.chainTxs.filter((t) => t.err === null).length}, trades ${s2.trades.length}`,
    );
  }

  let started = 0;
  /** Torn down whatever set-up reached. */
  let removeDir: (() => void) | null = null;
  let sandboxChild: ChildProcess | null = null;

  beforeAll(async () => {
    started = performance.now();
    console.log(`execution-crash: seed ${SEED} (HARVEST_CRASH_SEED=${SEED} replays it)`);
    const t = tempDataDir('hv-crash-');
    removeDir = t.cleanup;
    const key = randomSecretKey();
    ok(await hv(t.dir, ['--json', 'user', 'add', USER]));
    ok(await hv(t.dir, ['--json', 'wallet', 'import', USER, '--secret-key-stdin'], { input: `${key.base58}\n` }));
    ok(await hv(t.dir, ['--json', 'settings', USER, 'set', 'mode', 'live', '--confirm']));
    // Kills leave 'failed' orders behind; they must not pause the user (breaker) and end the test early.
    ok(await hv(t.dir, ['--json', 'settings', USER, 'set', 'breakerFailures', '100']));
    ok(await hv(t.dir, ['--json', 'settings', USER, 'set', 'risk', JSON.stringify(PERMISSIVE_RISK)]));
    const sb = await startSandbox(t.dir);
    sandboxChild = sb.child;
    const wallet = key.address as Address;
    w = {
      dir: t.dir,
      rpcUrl: sb.rpcUrl,
      wallet,
      usdcAta: await findAssociatedTokenAddress(wallet, USDC.mint as Address, USDC.tokenProgram!),
      wethAta: await findAssociatedTokenAddress(wallet, WETH.mint as Address, WETH.tokenProgram!),
      faucetSignatures: new Set(),
    };
    // Not `harvest faucet`: it records the money as today's deposit, and the risk engine (issue #5)
    // then measures today's loss against a day's starting equity that leaves the deposit out (about
    // $0 for a wallet funded today), so the fees of the first trade already read as a daily loss of
    // more than 50 % (DAILY_LOSS). Not what this test is about; the sandbox faucet moves the same money.
    w.faucetSignatures = new Set(await sandboxFaucet(sb.swapApiUrl, wallet, FAUCET_LAMPORTS, FAUCET_USDC));
    ok(await reconcile(w));
    // One order run to the end before any kill: the pipeline works, and there is a position to sell from.
    const first = nextOrder(0n);
    expect(ok<OutcomeOut>(await hv(t.dir, orderArgs(first))).status).toBe('confirmed');
    last = await snapshot(w);
    checkInvariants(last, 'set-up');
  }, 120_000);

  afterAll(async () => {
    console.log(log.join('\n'));
    console.log(
      `execution-crash: seed ${SEED}, ${kills} SIGKILLs; what the killed orders had reached: ${[...states].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
    );
    const sb = sandboxChild;
    if (sb && sb.exitCode === null && sb.signalCode === null) {
      const exited = new Promise((r) => sb.once('exit', r));
      sb.kill('SIGTERM');
      await exited;
    }
    removeDir?.();
  });

  it(`kills \`harvest order\` at each execution fault point (${FAULT_ROUNDS} rounds)`, async () => {
    /** What a kill at each point must leave behind before reconciliation, and after it. */
    const expected: Record<(typeof FAULT_POINTS)[number], { atKill: KillState; settled: string[] }> = {
      'exec:after-pending': { atKill: 'pending', settled: ['failed'] },
      // The signature exists only in the dead process's memory: nothing was journaled, nothing sent.
      'exec:after-sign': { atKill: 'pending', settled: ['failed'] },
      // Journaled but never sent: reconciliation sends the same signed bytes (or finds the quote gone).
      'exec:after-signed-journal': { atKill: 'signed, not landed', settled: ['confirmed', 'failed'] },
      'exec:after-confirm': { atKill: 'signed, landed', settled: ['confirmed'] },
    };
    for (let round = 0; round < FAULT_ROUNDS; round++) {
      for (const [p, point] of FAULT_POINTS.entries()) {
        // Each point sees a sell in one round and a buy in the next.
        const o = nextOrder(last.openPositionQty, (p + round) % 2 === 0 ? 'sell' : 'buy');
        const r = await hv(w.dir, orderArgs(o), { env: { HARVEST_FAULT: point } });
        expect(r.signal, `${point} was not reached\n${describeRun(r)}`).toBe('SIGKILL');
        kills++;
        const state = await killState(o);
        tally(state);
        expect(state, `state left by a kill at ${point}`).toBe(expected[point].atKill);
        const where = `killed at ${point} (${o.side} ${o.amount}), left ${state}`;
        ok(await reconcile(w));
        const s1 = await snapshot(w);
        checkInvariants(s1, `${where}, after reconciliation`);
        expect(expected[point].settled, where).toContain(s1.intents.find((i) => i.client_id === o.clientId)!.status);
        const again = await hv(w.dir, orderArgs(o));
        expect(again.signal, describeRun(again)).toBeNull();
        last = await snapshot(w);
        checkInvariants(last, `${where}, after re-submitting ${o.clientId}`);
        checkResubmission(s1, last, o, JSON.parse(again.stdout) as OutcomeOut, where);
      }
    }
    await ledgerMatchesChain(w);
  }, 150_000);

  it(`kills the engine at random times during an order (${RANDOM_KILLS} orders)`, async () => {
    // The same orders, now through a running engine (`harvest run`) reached over its control
    // channel, so the kill falls within the order's own work rather than in process start-up.
    let engine = await startEngine(w.dir);
    const call = <T>(command: string, input: unknown): Promise<T> =>
      callControlChannel(engine.ready.socket, command, input) as Promise<T>;
    const submit = (o: OrderSpec): Promise<OutcomeOut> =>
      call<OutcomeOut>('orders.submit', {
        user: USER,
        side: o.side,
        token: 'WETH',
        amount: o.amount,
        slippageBps: SLIPPAGE_BPS,
        clientId: o.clientId,
        ...(o.side === 'buy' ? { stopLoss: STOP_LOSS_USD } : {}),
      });
    /**
     * Calls `command` and SIGKILLs the engine `delay` ms later, unless it answered first (then
     * nothing is killed and false is returned). `between` runs while no engine is up; then a
     * fresh engine starts (it reconciles only when a command first needs the network).
     */
    const callAndKill = async (
      command: Promise<unknown>,
      delay: number,
      between?: () => Promise<void>,
    ): Promise<boolean> => {
      let answered = false;
      const settled = command.then(
        () => (answered = true),
        () => undefined,
      );
      await Promise.race([sleep(delay), settled]);
      if (answered) return false;
      engine.child.kill('SIGKILL');
      await engine.exited;
      await settled;
      await between?.();
      engine = await startEngine(w.dir);
      return true;
    };
    let done = 0;
    try {
      // The windows random kills fall in: a reconciliation by a fresh engine, and one order
      // (the mean of the second and third warm-up orders: the first runs colder code).
      let t0 = performance.now();
      await call('wallet.balances', { user: USER });
      const reconcileWindow = performance.now() - t0;
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const warm = nextOrder(last.openPositionQty);
        t0 = performance.now();
        expect((await submit(warm)).status).toBe('confirmed');
        times.push(performance.now() - t0);
        last = await snapshot(w);
        checkInvariants(last, `engine warm-up ${i + 1}`);
      }
      const orderWindow = (times[1]! + times[2]!) / 2;
      console.log(
        `through the engine: one order takes ${orderWindow.toFixed(0)} ms (warm-up ${times.map((x) => x.toFixed(0)).join(', ')}), connecting and reconciling ${reconcileWindow.toFixed(0)} ms`,
      );

      for (; done < RANDOM_KILLS; done++) {
        if (done >= MIN_RANDOM && performance.now() - started > BUDGET_MS) {
          console.log(`execution-crash: time budget reached after ${done} random-time orders`);
          break;
        }
        const o = nextOrder(last.openPositionQty);
        const delay = random() * orderWindow;
        let state: KillState = 'no intent';
        const hit = await callAndKill(submit(o), delay, async () => {
          state = await killState(o);
        });
        if (hit) {
          kills++;
          tally(state);
        }
        const where = `engine killed ${delay.toFixed(0)} ms into ${o.side} ${o.amount}, ${hit ? `left ${state}` : 'but it had answered first'}`;
        if (random() < RECONCILE_KILL_P) {
          const d = random() * reconcileWindow;
          if (await callAndKill(call('wallet.balances', { user: USER }), d)) {
            kills++;
            log.push(`  reconciliation killed after ${d.toFixed(0)} ms`);
          }
        }
        await call('wallet.balances', { user: USER });
        const s1 = await snapshot(w);
        checkInvariants(s1, `${where}, after reconciliation`);
        const again = await submit(o);
        last = await snapshot(w);
        checkInvariants(last, `${where}, after re-submitting ${o.clientId}`);
        checkResubmission(s1, last, o, again, where);
      }
    } finally {
      engine.child.kill('SIGTERM');
      await engine.exited;
    }
    const final = await snapshot(w);
    checkInvariants(final, 'final');
    expect(carried.size, 'every order is settled at the end').toBe(0);
    expect(done).toBeGreaterThanOrEqual(MIN_RANDOM);
    await ledgerMatchesChain(w);
  }, 200_000);
});
