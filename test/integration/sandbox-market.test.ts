import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyPair,
  getAddressFromPublicKey,
  getBase58Decoder,
  getPublicKeyFromAddress,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
  signTransaction,
  verifySignature,
  type Address,
  type SignatureBytes,
} from '@solana/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/kernel/clock';
import { RpcError } from '../../engine/sandbox/errors';
import { SandboxFaucet } from '../../engine/sandbox/faucet';
import { decodeMessage, parseTokenAccount, SandboxLedger, TOKEN_2022_PROGRAM } from '../../engine/sandbox/ledger';
import { SandboxMarketMaker, type QuoteResponse, type SwapResponse } from '../../engine/sandbox/market-maker';
import { PriceReplay } from '../../engine/sandbox/price-replay';
import { startSwapApi, type SwapApi } from '../../engine/sandbox/swap-api';
import {
  associatedTokenAddress,
  NATIVE_MINT,
  PYUSD_MINT,
  requireToken,
  USDC_MINT,
  WETH_MINT,
} from '../../engine/sandbox/tokens';

const FIXTURES = join(import.meta.dirname, '..', 'unit', 'sandbox', 'fixtures');
const fixture = (name: string) =>
  (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { body: Record<string, unknown> }).body;

/** The programs the keystore's signing policy allows (DESIGN.md), minus Jupiter. */
const ALLOWED_PROGRAMS = new Set([
  '11111111111111111111111111111111',
  'ComputeBudget111111111111111111111111111111',
  'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
  'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL',
  'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr',
]);
const SOL = 1_000_000_000n;

interface Stack {
  clock: ManualClock;
  ledger: SandboxLedger;
  replay: PriceReplay;
  faucet: SandboxFaucet;
  mm: SandboxMarketMaker;
  api: SwapApi;
  close(): Promise<void>;
}

async function openStack(dir: string | null, clock = new ManualClock(Date.UTC(2025, 2, 1))): Promise<Stack> {
  const ledger = SandboxLedger.open({ dir, clock });
  const replay = PriceReplay.open({ ledger, clock, startAt: Date.UTC(2021, 2, 1) });
  const faucet = new SandboxFaucet(ledger);
  const mm = await SandboxMarketMaker.open({ ledger, replay, faucet });
  const api = await startSwapApi({ ledger, market: mm, replay, faucet });
  return {
    clock,
    ledger,
    replay,
    faucet,
    mm,
    api,
    close: async () => {
      await api.close();
      mm.close();
      replay.close();
      ledger.close();
    },
  };
}

interface User {
  address: Address;
  keys: CryptoKeyPair;
}

async function newUser(): Promise<User> {
  const keys = await generateKeyPair();
  return { keys, address: await getAddressFromPublicKey(keys.publicKey) };
}

describe('sandbox market over HTTP (Jupiter-compatible API, real LiteSVM)', () => {
  let s: Stack;

  beforeAll(async () => {
    s = await openStack(null);
  });
  afterAll(async () => {
    await s.close();
  });
  afterEach(() => s.replay.clearPrice());

  async function http(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${s.api.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', 'x-api-key': 'ignored-by-the-sandbox', ...init?.headers },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async function quote(
    inputMint: string,
    outputMint: string,
    amount: bigint,
    slippageBps = 50,
  ): Promise<QuoteResponse> {
    const q = new URLSearchParams({
      inputMint,
      outputMint,
      amount: amount.toString(),
      slippageBps: String(slippageBps),
      swapMode: 'ExactIn',
      onlyDirectRoutes: 'false',
      restrictIntermediateTokens: 'true',
    });
    const res = await http(`/swap/v1/quote?${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as unknown as QuoteResponse;
  }

  async function buildSwap(
    user: User,
    quoteResponse: QuoteResponse,
    extra: Record<string, unknown> = {},
  ): Promise<SwapResponse> {
    const res = await http('/swap/v1/swap', {
      method: 'POST',
      body: JSON.stringify({ userPublicKey: user.address, quoteResponse, ...extra }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as unknown as SwapResponse;
  }

  /** The user signs the swap transaction with kit, as a wallet would. */
  async function sign(user: User, swap: SwapResponse): Promise<Uint8Array> {
    const tx = getTransactionDecoder().decode(Buffer.from(swap.swapTransaction, 'base64'));
    const signed = await partiallySignTransaction([user.keys], tx);
    return new Uint8Array(getTransactionEncoder().encode(signed));
  }

  function lamports(a: Address): bigint {
    return s.ledger.account(a)?.lamports ?? 0n;
  }

  async function tokenBalance(owner: Address, mint: string): Promise<bigint> {
    const acc = s.ledger.account(await associatedTokenAddress(owner, requireToken(mint)));
    return acc ? (parseTokenAccount(acc)?.amount ?? 0n) : 0n;
  }

  async function ataLamports(owner: Address, mint: string): Promise<bigint> {
    return s.ledger.account(await associatedTokenAddress(owner, requireToken(mint)))?.lamports ?? 0n;
  }

  async function fundedUser(sol: bigint, tokens: { mint: string; amount: bigint }[] = []): Promise<User> {
    const u = await newUser();
    await s.faucet.fund(u.address, { lamports: sol, tokens });
    return u;
  }

  it("quotes in Jupiter's shape and with Jupiter's errors", async () => {
    const q = await quote(NATIVE_MINT, USDC_MINT, 100_000_000n);
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(q)).toEqual(keys(fixture('quote-v1-sol-usdc.docs-2024.json')));
    const fixtureInfo = (fixture('quote-v1-sol-usdc.docs-2024.json')['routePlan'] as { swapInfo: object }[])[0]!
      .swapInfo;
    expect(keys(q.routePlan[0]!.swapInfo)).toEqual(keys(fixtureInfo));
    expect(q.swapMode).toBe('ExactIn');
    expect(q.slippageBps).toBe(50);

    const missing = await http(`/swap/v1/quote?inputMint=${NATIVE_MINT}&outputMint=${USDC_MINT}`);
    expect(missing).toEqual({
      status: 400,
      body: { error: 'Failed to deserialize the query string: missing field `amount`' },
    });
    const decimal = await http(`/swap/v1/quote?inputMint=${NATIVE_MINT}&outputMint=${USDC_MINT}&amount=1.5`);
    expect(decimal).toEqual({
      status: 400,
      body: { error: 'Query parameter amount cannot be parsed: ParseIntError { kind: InvalidDigit }' },
    });
    const unknownMint = 'JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN';
    const notTradable = await http(`/swap/v1/quote?inputMint=${unknownMint}&outputMint=${USDC_MINT}&amount=1000`);
    expect(notTradable).toEqual({
      status: 400,
      body: { error: `The token ${unknownMint} is not tradable`, errorCode: 'TOKEN_NOT_TRADABLE' },
    });
    const tooBig = await http(`/swap/v1/quote?inputMint=${USDC_MINT}&outputMint=${NATIVE_MINT}&amount=${10n ** 15n}`);
    expect(tooBig).toEqual({
      status: 400,
      body: { error: 'Could not find any route', errorCode: 'COULD_NOT_FIND_ANY_ROUTE' },
    });
  });

  it('buys with SOL: the signed swap lands and balances move exactly by inAmount / outAmount', async () => {
    const user = await fundedUser(10n * SOL);
    const q = await quote(NATIVE_MINT, USDC_MINT, 2n * SOL);
    const mmUsdc = BigInt(s.mm.inventory()[USDC_MINT]!);
    const swap = await buildSwap(user, q, {
      dynamicComputeUnitLimit: true,
      prioritizationFeeLamports: {
        priorityLevelWithMaxLamports: { priorityLevel: 'veryHigh', maxLamports: 1_000_000 },
      },
    });
    // Jupiter's swap response shape.
    for (const k of Object.keys(fixture('swap-v1.docs.json'))) expect(swap).toHaveProperty(k);
    expect(swap.simulationError).toBeNull();
    expect(swap.dynamicSlippageReport).toBeNull();
    expect(swap.computeUnitLimit).toBeLessThan(1_400_000);
    expect(swap.prioritizationFeeLamports).toBeGreaterThan(0);
    expect(swap.prioritizationType.computeBudget.microLamports).toBeGreaterThan(0);

    // A real v0 transaction, fee payer the user, the user's signature slot empty, the MM's valid.
    const tx = getTransactionDecoder().decode(Buffer.from(swap.swapTransaction, 'base64'));
    const msg = decodeMessage(new Uint8Array(tx.messageBytes));
    expect(msg.version).toBe(0);
    expect(msg.staticAccounts[0]).toBe(user.address);
    expect(tx.signatures[user.address]).toBeNull();
    expect(BigInt(swap.lastValidBlockHeight)).toBe(s.ledger.blockHeight() + 150n);
    const others = Object.entries(tx.signatures).filter(([a]) => a !== user.address);
    expect(others.length).toBe(1);
    for (const [a, sig] of others) {
      expect(
        await verifySignature(await getPublicKeyFromAddress(a as Address), sig as SignatureBytes, tx.messageBytes),
      ).toBe(true);
    }
    for (const ix of msg.instructions)
      expect(ALLOWED_PROGRAMS.has(msg.staticAccounts[ix.programAddressIndex]!)).toBe(true);

    const solBefore = lamports(user.address);
    const wire = new Uint8Array(getTransactionEncoder().encode(await signTransaction([user.keys], tx)));
    const sig = s.ledger.send(wire);
    const landed = s.ledger.landed(sig)!;
    expect(landed.err).toBeNull();
    const rent = await ataLamports(user.address, USDC_MINT); // the output ATA the swap created, paid by the user
    expect(rent).toBe(s.ledger.minimumBalanceForRentExemption(165n));
    expect(lamports(user.address)).toBe(solBefore - BigInt(q.inAmount) - landed.fee - rent);
    expect(landed.fee).toBe(2n * 5000n + BigInt(swap.prioritizationFeeLamports));
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(BigInt(q.outAmount));
    // The MM paid exactly outAmount; its spent escrow is closed.
    s.mm.maintain();
    expect(BigInt(s.mm.inventory()[USDC_MINT]!)).toBe(mmUsdc - BigInt(q.outAmount));
    expect(s.mm.openEscrows()).toEqual([]);
  });

  it('sells for SOL (native output from a system-account escrow), exact to the lamport', async () => {
    const user = await fundedUser(1n * SOL, [{ mint: USDC_MINT, amount: 500_000_000n }]);
    const q = await quote(USDC_MINT, NATIVE_MINT, 300_000_000n, 100);
    const swap = await buildSwap(user, q);
    const solBefore = lamports(user.address);
    const sig = s.ledger.send(await sign(user, swap));
    const landed = s.ledger.landed(sig)!;
    expect(landed.err).toBeNull();
    expect(lamports(user.address)).toBe(solBefore + BigInt(q.outAmount) - landed.fee);
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(500_000_000n - BigInt(q.inAmount));
  });

  it('trades a Token-2022 token (PYUSD) both ways', async () => {
    const user = await fundedUser(5n * SOL);
    const buy = await quote(NATIVE_MINT, PYUSD_MINT, SOL);
    const sig1 = s.ledger.send(await sign(user, await buildSwap(user, buy)));
    expect(s.ledger.landed(sig1)!.err).toBeNull();
    expect(await tokenBalance(user.address, PYUSD_MINT)).toBe(BigInt(buy.outAmount));
    const ata = s.ledger.account(await associatedTokenAddress(user.address, requireToken(PYUSD_MINT)))!;
    expect(ata.owner).toBe(TOKEN_2022_PROGRAM);

    const sell = await quote(PYUSD_MINT, WETH_MINT, BigInt(buy.outAmount) / 2n);
    const sig2 = s.ledger.send(await sign(user, await buildSwap(user, sell)));
    expect(s.ledger.landed(sig2)!.err).toBeNull();
    expect(await tokenBalance(user.address, PYUSD_MINT)).toBe(BigInt(buy.outAmount) - BigInt(sell.inAmount));
    expect(await tokenBalance(user.address, WETH_MINT)).toBe(BigInt(sell.outAmount));
  });

  it('swaps wrapped SOL when wrapAndUnwrapSol is false', async () => {
    const user = await fundedUser(2n * SOL, [{ mint: NATIVE_MINT, amount: 3n * SOL }]);
    expect(await tokenBalance(user.address, NATIVE_MINT)).toBe(3n * SOL);
    const q = await quote(NATIVE_MINT, USDC_MINT, SOL);
    const sig = s.ledger.send(await sign(user, await buildSwap(user, q, { wrapAndUnwrapSol: false })));
    expect(s.ledger.landed(sig)!.err).toBeNull();
    expect(await tokenBalance(user.address, NATIVE_MINT)).toBe(2n * SOL);
    const back = await quote(USDC_MINT, NATIVE_MINT, BigInt(q.outAmount));
    const sig2 = s.ledger.send(await sign(user, await buildSwap(user, back, { wrapAndUnwrapSol: false })));
    expect(s.ledger.landed(sig2)!.err).toBeNull();
    expect(await tokenBalance(user.address, NATIVE_MINT)).toBe(2n * SOL + BigInt(back.outAmount));
    // The MM unwraps what it received.
    s.mm.maintain();
    expect(await tokenBalance(s.mm.authority.address, NATIVE_MINT)).toBe(0n);
  });

  it('a price move beyond slippage makes the swap fail ON CHAIN and moves no funds (skipPreflight)', async () => {
    const user = await fundedUser(3n * SOL);
    const q = await quote(NATIVE_MINT, USDC_MINT, SOL, 100);
    const inventory = BigInt(s.mm.inventory()[USDC_MINT]!);
    const swap = await buildSwap(user, q);
    expect(BigInt(s.mm.inventory()[USDC_MINT]!)).toBe(inventory - BigInt(q.outAmount)); // escrowed
    // SOL drops 3% between quote and send (sandbox control over HTTP).
    const price = s.replay.price(NATIVE_MINT)!;
    const set = await http('/sandbox/price', {
      method: 'POST',
      body: JSON.stringify({ mint: NATIVE_MINT, usd: price * 0.97 }),
    });
    expect(set.status).toBe(200);
    const solBefore = lamports(user.address);
    const sig = s.ledger.send(await sign(user, swap), { skipPreflight: true });
    const landed = s.ledger.landed(sig)!;
    // TransferChecked out of the emptied escrow: Token's InsufficientFunds (custom error 1).
    expect(landed.err).toMatchObject({ InstructionError: [expect.any(Number), { Custom: 1 }] });
    expect(landed.logs.join('\n')).toMatch(/insufficient funds/i);
    expect(lamports(user.address)).toBe(solBefore - landed.fee); // only the fee
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(0n);
    expect(s.ledger.account(await associatedTokenAddress(user.address, requireToken(USDC_MINT)))).toBeNull(); // rolled back
    // The escrow went back to inventory.
    expect(BigInt(s.mm.inventory()[USDC_MINT]!)).toBe(inventory);
    expect(s.mm.openEscrows().find((e) => e.outAmount === q.outAmount)?.status).toBe('pulled');
  });

  it('with preflight the off-market swap is refused and nothing lands', async () => {
    const user = await fundedUser(3n * SOL);
    const q = await quote(NATIVE_MINT, USDC_MINT, SOL, 50);
    const inventory = BigInt(s.mm.inventory()[USDC_MINT]!);
    const swap = await buildSwap(user, q);
    s.replay.setPrice(NATIVE_MINT, s.replay.price(NATIVE_MINT)! * 0.99);
    const solBefore = lamports(user.address);
    const wire = await sign(user, swap);
    let err: unknown;
    try {
      s.ledger.send(wire);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(-32002);
    const signature = Object.values(getTransactionDecoder().decode(wire).signatures)[0]!;
    expect(s.ledger.landed(getBase58Decoder().decode(signature))).toBeNull();
    expect(lamports(user.address)).toBe(solBefore);
    expect(BigInt(s.mm.inventory()[USDC_MINT]!)).toBe(inventory);
  });

  it('a native-SOL output quote pulled on a price move fails with the System program error', async () => {
    const user = await fundedUser(1n * SOL, [{ mint: USDC_MINT, amount: 100_000_000n }]);
    const q = await quote(USDC_MINT, NATIVE_MINT, 100_000_000n, 50);
    const swap = await buildSwap(user, q);
    s.replay.setPrice(NATIVE_MINT, s.replay.price(NATIVE_MINT)! * 1.02); // SOL dearer: fewer SOL per USDC
    const sig = s.ledger.send(await sign(user, swap), { skipPreflight: true });
    const landed = s.ledger.landed(sig)!;
    expect(landed.err).toMatchObject({ InstructionError: [expect.any(Number), { Custom: 1 }] }); // ResultWithNegativeLamports
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(100_000_000n);
  });

  it('a price move within slippage still fills at the quoted amounts', async () => {
    const user = await fundedUser(3n * SOL);
    const q = await quote(NATIVE_MINT, USDC_MINT, SOL, 100);
    const swap = await buildSwap(user, q);
    s.replay.setPrice(NATIVE_MINT, s.replay.price(NATIVE_MINT)! * 0.996);
    const sig = s.ledger.send(await sign(user, swap));
    expect(s.ledger.landed(sig)!.err).toBeNull();
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(BigInt(q.outAmount));
  });

  it('sweeps escrows whose blockhash expired back to inventory', async () => {
    const user = await fundedUser(3n * SOL);
    s.mm.maintain();
    const inventory = BigInt(s.mm.inventory()[WETH_MINT]!);
    const q = await quote(NATIVE_MINT, WETH_MINT, SOL);
    const swap = await buildSwap(user, q);
    expect(BigInt(s.mm.inventory()[WETH_MINT]!)).toBe(inventory - BigInt(q.outAmount));
    const escrow = s.mm.openEscrows().find((e) => e.outAmount === q.outAmount && e.status === 'open')!;
    s.clock.advance(151 * 400); // past lastValidBlockHeight
    expect(s.ledger.blockHeight()).toBeGreaterThan(BigInt(swap.lastValidBlockHeight));
    await http(`/swap/v1/quote?inputMint=${NATIVE_MINT}&outputMint=${USDC_MINT}&amount=1000000`); // any activity runs upkeep
    expect(BigInt(s.mm.inventory()[WETH_MINT]!)).toBe(inventory);
    expect(s.mm.openEscrows().map((e) => e.address)).not.toContain(escrow.address);
    expect(s.ledger.account(escrow.address as Address)).toBeNull(); // closed, rent reclaimed
    // The expired swap can no longer land.
    let err: unknown;
    try {
      s.ledger.send(await sign(user, swap));
    } catch (e) {
      err = e;
    }
    expect((err as RpcError).message).toMatch(/Blockhash not found/);
  });

  it('refuses POST /swap with a quote it did not issue, in a Jupiter-like error', async () => {
    const user = await newUser();
    const example = fixture('swap-v1-request.openapi-example.json');
    const res = await http('/swap/v1/swap', {
      method: 'POST',
      body: JSON.stringify({ ...example, userPublicKey: user.address }),
    });
    expect(res.status).toBe(400);
    expect(res.body['errorCode']).toBe('INVALID_QUOTE');
    const bad = await http('/swap/v1/swap', { method: 'POST', body: JSON.stringify({ userPublicKey: user.address }) });
    expect(bad).toEqual({
      status: 400,
      body: { error: 'Failed to deserialize the JSON body: missing field `quoteResponse`' },
    });
    const wrongType = await http('/swap/v1/swap', { method: 'POST', body: JSON.stringify({ userPublicKey: 7 }) });
    expect(wrongType.body['error']).toMatch(/^Failed to deserialize the JSON body: userPublicKey: .*expected string/);
    const notJson = await http('/swap/v1/swap', { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect(typeof notJson.body['error']).toBe('string');
  });

  it('faucet funds SOL, USDC and PYUSD (Token-2022), over HTTP too', async () => {
    const user = await newUser();
    const direct = await s.faucet.fund(user.address, {
      lamports: 2n * SOL,
      tokens: [
        { mint: USDC_MINT, amount: 1_234_567n },
        { mint: PYUSD_MINT, amount: 7_654_321n },
      ],
    });
    expect(direct).toHaveLength(3);
    for (const sig of direct) expect(s.ledger.landed(sig)!.err).toBeNull();
    expect(lamports(user.address)).toBe(2n * SOL);
    expect(await tokenBalance(user.address, USDC_MINT)).toBe(1_234_567n);
    expect(await tokenBalance(user.address, PYUSD_MINT)).toBe(7_654_321n);

    const res = await http('/sandbox/faucet', {
      method: 'POST',
      body: JSON.stringify({ address: user.address, lamports: '1000', tokens: [{ mint: PYUSD_MINT, amount: '9' }] }),
    });
    expect(res.status).toBe(200);
    expect((res.body['signatures'] as string[]).length).toBe(2);
    expect(lamports(user.address)).toBe(2n * SOL + 1000n);
    expect(await tokenBalance(user.address, PYUSD_MINT)).toBe(7_654_330n);
    const bad = await http('/sandbox/faucet', { method: 'POST', body: JSON.stringify({ address: 'nope' }) });
    expect(bad.status).toBe(400);
  });

  it("serves Price API v3 in Jupiter's shape at the replay price", async () => {
    const unknown = 'JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN';
    const res = await http(`/price/v3?ids=${NATIVE_MINT},${USDC_MINT},${unknown},${PYUSD_MINT}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([NATIVE_MINT, USDC_MINT, PYUSD_MINT].sort());
    const example = fixture('price-v3.openapi-example.json');
    const exampleKeys = Object.keys(example[NATIVE_MINT] as object).sort();
    for (const v of Object.values(res.body)) expect(Object.keys(v as object).sort()).toEqual(exampleKeys);
    const solEntry = res.body[NATIVE_MINT] as { usdPrice: number; decimals: number; blockId: number };
    expect(solEntry.usdPrice).toBe(s.replay.price(NATIVE_MINT));
    expect(solEntry.decimals).toBe(9);
    expect(solEntry.blockId).toBe(Number(s.ledger.currentSlot()));
    expect((res.body[USDC_MINT] as { usdPrice: number }).usdPrice).toBe(1);
    expect((await http('/price/v3')).status).toBe(400);
    // Status and control endpoints.
    const status = await http('/sandbox/status');
    expect(status.status).toBe(200);
    expect((status.body['replay'] as { speed: number }).speed).toBe(60);
    const speed = await http('/sandbox/replay', { method: 'POST', body: JSON.stringify({ speed: 120 }) });
    expect((speed.body as { speed: number }).speed).toBe(120);
    await http('/sandbox/replay', { method: 'POST', body: JSON.stringify({ speed: 60 }) });
    await http('/sandbox/price', { method: 'POST', body: JSON.stringify({ mint: WETH_MINT, usd: 2500 }) });
    expect(((await http(`/price/v3?ids=${WETH_MINT}`)).body[WETH_MINT] as { usdPrice: number }).usdPrice).toBe(2500);
    const cleared = await http(`/sandbox/price?mint=${WETH_MINT}`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(cleared.body['overrides']).toEqual({});
    const tokens = await fetch(`${s.api.url}/sandbox/tokens`).then((r) => r.json() as Promise<{ symbol: string }[]>);
    expect(tokens.map((t) => t.symbol)).toEqual(['SOL', 'USDC', 'wETH', 'wBTC', 'PYUSD']);
  });
});

describe('sandbox market persistence', () => {
  it('keeps inventory, escrows and the replay position across close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-market-'));
    try {
      const clock = new ManualClock(Date.UTC(2025, 2, 1));
      let s = await openStack(dir, clock);
      const user = await newUser();
      await s.faucet.fund(user.address, { lamports: 5n * SOL });
      const authority = s.mm.authority.address;
      const q = s.mm.quote({ inputMint: NATIVE_MINT, outputMint: USDC_MINT, amount: SOL, slippageBps: 50 });
      const swap = await s.mm.buildSwap({ quoteResponse: q, userPublicKey: user.address }); // leaves an open escrow
      clock.advance(20_000);
      const position = s.replay.marketNow();
      const inventory = s.mm.inventory();
      await s.close();

      // Back 10 s later: the escrow's blockhash is still valid.
      const clock2 = new ManualClock(Date.UTC(2025, 2, 1) + 30_000);
      s = await openStack(dir, clock2);
      try {
        expect(s.mm.authority.address).toBe(authority); // same play key, no second genesis
        expect(s.mm.inventory()).toEqual(inventory);
        expect(s.replay.marketNow()).toBe(position); // downtime does not move the market
        const [escrow] = s.mm.openEscrows();
        expect(escrow).toMatchObject({ status: 'open', outAmount: q.outAmount, user: user.address });
        // Its blockhash expires: swept back to inventory after the restart too.
        clock2.advance(60_000);
        expect(s.ledger.blockHeight()).toBeGreaterThan(BigInt(swap.lastValidBlockHeight));
        s.mm.maintain();
        expect(s.mm.openEscrows()).toEqual([]);
        expect(BigInt(s.mm.inventory()[USDC_MINT]!)).toBe(BigInt(inventory[USDC_MINT]!) + BigInt(q.outAmount));
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
