/**
 * Jupiter Swap API v2 and landing control (issue #14, items 2, 3 and 6), over
 * an in-process engine whose sandbox is reached over real HTTP: the /build
 * answer, the transaction Harvest assembles from it (simulated compute limit,
 * priority fee from getRecentPrioritizationFees, optional Jito tip), the
 * keystore's signing policy on it and on tampered copies, the per-friend
 * priority-fee cap, and a swap sent through the sandbox's Jito block engine
 * whose tip is counted as a fee.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { getAddressDecoder, getBase64Decoder, type Address } from '@solana/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JITO_TIP_ACCOUNTS, type ChainClient } from '../../engine/chain';
import {
  assembleSwap,
  cappedPrice,
  JupiterClient,
  percentileFee,
  priorityFeeLamports,
  type JupiterBuild,
  type LandingPlan,
  type OrderOutcome,
} from '../../engine/execution';
import type { SwapPurpose } from '../../engine/keystore';
import { tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import type { Sandbox } from '../../engine/sandbox';
import { addLiveFriend, openSandboxEngine } from '../helpers/sandbox-engine';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const SOL = tokenBySymbol('SOL')!;
const LAMPORTS = 1_000_000_000n;
const usdc = (whole: number): bigint => BigInt(Math.round(whole * 1e6));

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
let sandbox: Sandbox;
let chain: ChainClient;

beforeAll(async () => {
  ({ dir, engine, funds, sandbox, chain } = await openSandboxEngine('hv-landing-'));
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

async function setting(user: string, key: string, value: unknown): Promise<void> {
  await engine.execute('settings.set', {
    user,
    key,
    value: typeof value === 'string' ? value : JSON.stringify(value),
    confirm: true,
  });
}

const user = (name: string, settings: Record<string, unknown> = {}): Promise<{ id: number; address: Address }> =>
  addLiveFriend(engine, name, settings);

const PLAN: LandingPlan = {
  priorityLevel: 'medium',
  customMicroLamports: 0n,
  maxPriorityFeeLamports: 1_000_000n,
  tipLamports: null,
};

function build(taker: Address, amount = usdc(20)): Promise<JupiterBuild> {
  return new JupiterClient({ baseUrl: sandbox.swapApiUrl }).build({
    inputMint: USDC.mint,
    outputMint: WETH.mint,
    amount,
    slippageBps: 50,
    taker,
  });
}

function purposeOf(b: JupiterBuild, landing: SwapPurpose['landing']): SwapPurpose {
  return {
    kind: 'swap',
    inputMint: USDC.mint,
    inAmount: BigInt(b.inAmount),
    outputMint: WETH.mint,
    minOut: BigInt(b.otherAmountThreshold),
    inputTokenProgram: USDC.tokenProgram,
    outputTokenProgram: WETH.tokenProgram,
    ...(landing ? { landing } : {}),
  };
}

const simulate = async (wire: Uint8Array, accounts: Address[]) => {
  const sim = await chain.simulateTransaction(wire, { accounts, sigVerify: false });
  return { err: sim.err, accounts: sim.accounts, unitsConsumed: sim.unitsConsumed };
};

function refusals(userId: number): { reason: string }[] {
  return engine.store.audit
    .list({ limit: 1000, userId })
    .filter((r) => r.action === 'signing.refused')
    .map((r) => r.details as { reason: string });
}

function transfer(from: string, to: string, lamports: bigint): JupiterBuild['swapInstruction'] {
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

async function tipBalance(): Promise<bigint> {
  const accounts = await chain.getMultipleAccounts(JITO_TIP_ACCOUNTS);
  return accounts.reduce((sum, a) => sum + (a?.lamports ?? 0n), 0n);
}

describe('the sandbox answers /swap/v2/build in the reference shape', () => {
  it('the same keys as the reference fixture, instructions the taker alone signs, the market maker’s lookup table', async () => {
    const ref = JSON.parse(readFileSync('test/fixtures/jupiter/build-v2.reference.json', 'utf8')) as Record<
      string,
      unknown
    >;
    const u = await user('shape');
    const b = (await build(u.address)) as unknown as Record<string, unknown>;
    for (const key of Object.keys(ref)) expect(b, key).toHaveProperty(key);
    const bh = b['blockhashWithMetadata'] as { blockhash: number[]; lastValidBlockHeight: number };
    expect(bh.blockhash).toHaveLength(32);
    expect(Object.keys(bh).sort()).toEqual(Object.keys(ref['blockhashWithMetadata'] as object).sort());
    const built = b as unknown as JupiterBuild;
    const signers = [...built.setupInstructions, built.swapInstruction].flatMap((ix) =>
      ix.accounts.filter((a) => a.isSigner).map((a) => a.pubkey),
    );
    expect(new Set(signers)).toEqual(new Set([u.address]));
    // Like Jupiter's routes: a lookup table of the route's shared accounts, as the chain holds it.
    const tables = built.addressesByLookupTableAddress!;
    expect(Object.keys(tables)).toHaveLength(1);
    const [table, entries] = Object.entries(tables)[0]!;
    const onChain = (await chain.getMultipleAccounts([table as Address]))[0]!;
    expect(onChain.owner).toBe('AddressLookupTab1e1111111111111111111111111');
    expect(onChain.data.length).toBe(56 + 32 * entries.length);
    const takerAccounts = new Set<string>([
      u.address,
      ...(await Promise.all(
        [USDC, WETH].map(async (t) =>
          (await import('../../engine/chain')).findAssociatedTokenAddress(
            u.address,
            t.mint as Address,
            t.tokenProgram!,
          ),
        ),
      )),
    ]);
    expect(entries.filter((e) => takerAccounts.has(e))).toEqual([]);
    expect(entries).toContain(USDC.mint);
  });
});

describe('the signing policy judges the transaction Harvest assembles from /build', () => {
  let u: { id: number; address: Address };
  const stranger = getAddressDecoder().decode(randomBytes(32));

  beforeAll(async () => {
    u = await user('vic', { breakerFailures: 100 });
    // The stranger exists (with a WETH account), so the tampered copies below would really land.
    await sandbox.fund(stranger, { lamports: LAMPORTS, tokens: [{ mint: WETH.mint, amount: 1n }] });
  });

  it('a v2-built transaction passes the policy, is signed and lands', async () => {
    const b = await build(u.address);
    const a = await assembleSwap(chain, b, u.address, PLAN);
    expect(a.unitLimit).toBeGreaterThan(0);
    const signed = await engine.signer.sign(
      u.id,
      a.wire,
      purposeOf(b, { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n }),
      'test',
      { simulate },
    );
    const outcome = await chain.sendAndConfirm(signed, a.lastValidBlockHeight, { pollIntervalMs: 10 });
    expect(outcome.status).toBe('confirmed');
  });

  it('assembled on the signing policy’s preview: the unit limit and the judgement come from one simulation', async () => {
    // The policy has read the market maker's table once (as after any earlier swap through it).
    const first = await assembleSwap(chain, await build(u.address), u.address, PLAN);
    await engine.signer.previewSwap(u.id, first.wire, simulate);
    let calls = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const counting = async (wire: Uint8Array, accounts: Address[]) => {
      calls++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await simulate(wire, accounts);
      } finally {
        inFlight--;
      }
    };
    const preview = (wire: Uint8Array) => engine.signer.previewSwap(u.id, wire, counting);
    const landing = { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n };
    const b = await build(u.address);
    const a = await assembleSwap(chain, b, u.address, PLAN, undefined, preview);
    expect(a.simulation?.unitsConsumed).toBeGreaterThan(0n);
    expect(a.unitLimit).toBe(Math.ceil(Number(a.simulation!.unitsConsumed) * 1.2));
    // The baseline and the swap, once each, at the same time: the baseline also reads the market maker's lookup
    // table, which resolves as the policy's last reading of it did (else it would be read alone first).
    expect(Object.keys(b.addressesByLookupTableAddress ?? {})).toHaveLength(1);
    expect(calls).toBe(2);
    expect(mostInFlight).toBe(2);
    const signed = await engine.signer.sign(u.id, a.wire, purposeOf(b, landing), 'test', {
      simulate: counting,
      simulation: a.simulation!,
    });
    expect(calls).toBe(2);
    expect((await chain.sendAndConfirm(signed, a.lastValidBlockHeight, { pollIntervalMs: 10 })).status).toBe(
      'confirmed',
    );
    // Handed bytes that changed in more than the limit since, the policy simulates them: a drain is refused.
    const b2 = await build(u.address);
    const a2 = await assembleSwap(chain, b2, u.address, PLAN, undefined, preview);
    const drained = await assembleSwap(
      chain,
      { ...b2, otherInstructions: [...b2.otherInstructions, transfer(u.address, stranger, 10_000_000n)] },
      u.address,
      PLAN,
    );
    await expect(
      engine.signer.sign(u.id, drained.wire, purposeOf(b2, landing), 'test', {
        simulate: counting,
        simulation: a2.simulation!,
      }),
    ).rejects.toThrow(/losing .* SOL besides the .* fee/);
    expect(calls).toBe(2 + 2 + 2); // a2’s preview, then the drained bytes judged afresh
  });

  async function refused(
    b: JupiterBuild,
    plan: LandingPlan,
    landing: SwapPurpose['landing'],
    reason: RegExp,
    tipAccount?: Address,
  ): Promise<void> {
    const a = await assembleSwap(chain, b, u.address, plan, tipAccount);
    const signedBefore = engine.signer.signedCount;
    const audited = refusals(u.id).length;
    await expect(engine.signer.sign(u.id, a.wire, purposeOf(b, landing), 'test', { simulate })).rejects.toThrow(reason);
    expect(engine.signer.signedCount).toBe(signedBefore);
    const audit = refusals(u.id);
    expect(audit).toHaveLength(audited + 1);
    expect(audit[0]!.reason).toMatch(reason);
  }

  it('an extra instruction (a transfer to a stranger) is refused and audited', async () => {
    const b = await build(u.address);
    await refused(
      { ...b, otherInstructions: [...b.otherInstructions, transfer(u.address, stranger, 10_000_000n)] },
      PLAN,
      { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n },
      /losing .* SOL besides the .* fee/,
    );
  });

  it('a changed account (the output sent to the stranger’s token account) is refused and audited', async () => {
    const b = await build(u.address);
    const strangerAta = (
      await chain.getBalances(
        [stranger],
        [{ mint: WETH.mint, tokenProgram: WETH.tokenProgram!, decimals: WETH.decimals }],
      )
    )[0]!;
    expect(strangerAta.tokens.get(WETH.mint)).toBe(1n);
    const { findAssociatedTokenAddress } = await import('../../engine/chain');
    const ata = await findAssociatedTokenAddress(stranger, WETH.mint as Address, WETH.tokenProgram!);
    const accounts = b.swapInstruction.accounts.map((acc, i) => (i === 2 ? { ...acc, pubkey: ata } : acc));
    await refused(
      { ...b, swapInstruction: { ...b.swapInstruction, accounts } },
      PLAN,
      { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n },
      /receiving .* WETH, less than the minimum output/,
    );
  });

  it('a tip to an account that is not a Jito tip account is refused and audited', async () => {
    const b = await build(u.address);
    await refused(
      b,
      { ...PLAN, tipLamports: 100_000n },
      { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 100_000n },
      /losing .* SOL besides the .* fee/,
      stranger,
    );
  });

  it('a tip above the friend’s tip is refused and audited', async () => {
    const b = await build(u.address);
    await refused(
      b,
      { ...PLAN, tipLamports: 200_000n },
      { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 100_000n },
      /Jito tip of .* is above this friend’s tip/,
    );
  });

  it('a tip when MEV protection is off is refused and audited', async () => {
    const b = await build(u.address);
    await refused(
      b,
      { ...PLAN, tipLamports: 1_000n },
      { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n },
      /MEV protection is off/,
    );
  });

  it('a priority fee above the friend’s cap is refused and audited', async () => {
    const b = await build(u.address);
    await refused(
      b,
      { ...PLAN, priorityLevel: 'custom', customMicroLamports: 50_000_000n },
      { maxPriorityFeeLamports: 10_000n, maxTipLamports: 0n },
      /priority fee of .* is above this friend’s cap/,
    );
  });
});

describe('priority fee: percentile of recent fees, capped per friend', () => {
  it('nearest-rank percentiles, and a cap that bounds price × limit', () => {
    const fees = [0n, 10n, 20n, 30n, 40n, 50n, 60n, 70n];
    expect(percentileFee(fees, 25)).toBe(10n);
    expect(percentileFee(fees, 50)).toBe(30n);
    expect(percentileFee(fees, 75)).toBe(50n);
    expect(percentileFee([], 75)).toBe(0n);
    for (const [price, limit, cap] of [
      [50_000_000n, 60_000, 10_000n],
      [1n, 1_400_000, 0n],
      [999n, 7, 1n],
    ] as const) {
      const p = cappedPrice(price, limit, cap);
      expect(priorityFeeLamports(p, limit)).toBeLessThanOrEqual(cap);
      expect(p).toBeLessThanOrEqual(price);
    }
  });

  it('the price follows getRecentPrioritizationFees over the swap’s writable accounts', async () => {
    const u = await user('pia');
    // A landed swap with a custom price: the sandbox RPC now reports it for the accounts it wrote.
    await setting('pia', 'landing.priorityLevel', 'custom');
    await setting('pia', 'landing.customMicroLamports', 5_000);
    confirmed(await buy(u.id, WETH.mint, usdc(10)));
    const b = await build(u.address);
    const writableOf = (x: JupiterBuild): Address[] => [
      ...new Set(
        [...x.setupInstructions, x.swapInstruction].flatMap((ix) =>
          ix.accounts.filter((acc) => acc.isWritable).map((acc) => acc.pubkey as Address),
        ),
      ),
    ];
    const fees = (await chain.getRecentPrioritizationFees(writableOf(b))).map((f) => f.prioritizationFee);
    expect(fees).toContain(5_000n);
    // The level picks its percentile of what the RPC reports for exactly those accounts.
    const asked: Address[][] = [];
    const reported = [0n, 100n, 200n, 300n, 400n, 500n, 600n, 700n];
    const probe = new Proxy(chain, {
      get(target, prop, receiver) {
        if (prop === 'getRecentPrioritizationFees')
          return (accounts: Address[]) => {
            asked.push(accounts);
            return Promise.resolve(reported.map((prioritizationFee, i) => ({ slot: BigInt(i), prioritizationFee })));
          };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    for (const [level, expected] of [
      ['low', 100n],
      ['medium', 300n],
      ['high', 500n],
    ] as const) {
      const bb = await build(u.address);
      const a = await assembleSwap(probe, bb, u.address, { ...PLAN, priorityLevel: level });
      expect(a.microLamports).toBe(expected);
      expect(new Set(asked.at(-1))).toEqual(new Set(writableOf(bb)));
    }
    const custom = await assembleSwap(chain, b, u.address, {
      ...PLAN,
      priorityLevel: 'custom',
      customMicroLamports: 5_000n,
    });
    expect(custom.microLamports).toBe(5_000n);
    expect(custom.priorityFeeLamports).toBe(priorityFeeLamports(5_000n, custom.unitLimit));
  });

  it('an order whose plan asks for more than the cap pays at most the cap, and says it was capped', async () => {
    const u = await user('cap', {
      landing: { priorityLevel: 'custom', customMicroLamports: 50_000_000, maxPriorityFeeSol: '0.0001' },
    });
    const o = confirmed(await buy(u.id, WETH.mint, usdc(10)));
    const tx = (await chain.getTransaction(o.signature as never))!;
    expect(tx.meta!.fee - 5000n).toBeLessThanOrEqual(100_000n);
    expect(tx.meta!.fee - 5000n).toBeGreaterThan(90_000n);
    expect(engine.store.intents.byId(o.intentId)!.quote).toMatchObject({ priorityFeeCapped: true });
  });

  it('a cap above the keystore limit is refused at the settings boundary', async () => {
    await user('big');
    await expect(setting('big', 'landing.maxPriorityFeeSol', '0.5')).rejects.toThrow(/at most 0\.005 SOL/);
    // Typed as a number on the CLI (`set landing.jitoTipSol 0`), kept as exact text, below Jito's minimum tip.
    await expect(setting('big', 'landing.jitoTipSol', 0)).rejects.toThrow(/at least 0\.000001 SOL/);
    await setting('big', 'landing.jitoTipSol', 0.0003);
    expect(
      (engine.store.settings.get(engine.users.resolve('big').id)!.settings as { landing: { jitoTipSol: string } })
        .landing.jitoTipSol,
    ).toBe('0.0003');
    await expect(setting('big', 'landing.priorityLevel', 'turbo')).rejects.toThrow(/Invalid value for landing/);
    await expect(setting('big', 'landing.tipSol', '0.001')).rejects.toThrow(/Unknown setting "landing\.tipSol"/);
  });
});

let seq = 0;
function buy(
  userId: number,
  outputMint: Address,
  amount: bigint,
  inputMint: Address = USDC.mint,
): Promise<OrderOutcome> {
  return funds.exec.submit({
    userId,
    side: 'buy',
    inputMint,
    outputMint,
    amount,
    context: 'manual',
    clientId: `landing-${++seq}`,
    slippageBps: 50,
    stopLossPrice: 0.000001,
  });
}

function confirmed(o: OrderOutcome): Extract<OrderOutcome, { status: 'confirmed' }> {
  expect(
    o.status,
    JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ).toBe('confirmed');
  return o as Extract<OrderOutcome, { status: 'confirmed' }>;
}

describe('MEV protection: a Jito-routed swap lands in the sandbox', () => {
  const sends = (): number => sandbox.rpc.callCounts()['sendTransaction'] ?? 0;

  it('sent through the block engine (not the RPC), its tip paid to a tip account and counted as a fee', async () => {
    const u = await user('jim', { landing: { mevProtection: true, jitoTipSol: '0.0002' } });
    const tipsBefore = await tipBalance();
    const rpcSends = sends();
    const o = confirmed(await buy(u.id, WETH.mint, usdc(20)));
    expect(sends()).toBe(rpcSends);
    expect((await tipBalance()) - tipsBefore).toBe(200_000n);
    const tx = (await chain.getTransaction(o.signature as never))!;
    const trade = engine.store.portfolio.tradeByIntent(o.intentId)!;
    expect(trade.feeLamports).toBe(tx.meta!.fee + 200_000n);
    expect(engine.store.intents.byId(o.intentId)!.quote).toMatchObject({ tipLamports: '200000' });
  });

  it('a SOL buy with a tip: the tip is a fee, not part of what the order spent', async () => {
    const u = await user('sid', { landing: { mevProtection: true, jitoTipSol: '0.0001' } });
    const o = confirmed(await buy(u.id, WETH.mint, LAMPORTS / 10n, SOL.mint));
    expect(o.inAmount).toBe(LAMPORTS / 10n);
    const trade = engine.store.portfolio.tradeByIntent(o.intentId)!;
    const tx = (await chain.getTransaction(o.signature as never))!;
    expect(trade.feeLamports).toBe(tx.meta!.fee + 100_000n);
  });

  it('the block engine refuses a transaction without a tip, as Jito does', async () => {
    const u = await user('tia');
    const b = await build(u.address);
    const a = await assembleSwap(chain, b, u.address, PLAN);
    const signed = await engine.signer.sign(u.id, a.wire, purposeOf(b, undefined), 'test', { simulate });
    const res = await fetch(`${sandbox.swapApiUrl}/api/v1/transactions?bundleOnly=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'sendTransaction',
        params: [getBase64Decoder().decode(signed), { encoding: 'base64' }],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ id: 7, error: { message: /write lock at least one tip account/ } });
    const tips = await fetch(`${sandbox.swapApiUrl}/api/v1/bundles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getTipAccounts', params: [] }),
    });
    expect(((await tips.json()) as { result: string[] }).result).toEqual([...JITO_TIP_ACCOUNTS]);
  });
});
