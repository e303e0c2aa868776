/**
 * The keystore's signing policy for swaps (issue #4, item 3), against
 * hand-built v0 transactions and a fake simulator. The fake interprets the
 * transaction's own instructions (System and Token transfers, token account
 * creation and closing) over an in-memory account map, charges the fee to the
 * fee payer, and lets a test craft what a Jupiter instruction does (as a CPI
 * route would), so every post-state the policy judges follows from the bytes
 * it is asked to sign.
 */
import { withUnitLimit } from '../../../engine/chain/compute-budget-layout';
import { randomBytes } from 'node:crypto';
import {
  AccountRole,
  appendTransactionMessageInstructions,
  compileTransaction,
  compressTransactionMessageUsingAddressLookupTables,
  createNoopSigner,
  createTransactionMessage,
  getAddressDecoder,
  getAddressEncoder,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getPublicKeyFromAddress,
  getTransactionDecoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  verifySignature,
  type Address,
  type Blockhash,
  type Instruction,
  type SignatureBytes,
  type Transaction,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  AccountState,
  findAssociatedTokenPda,
  getApproveInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getTokenDecoder,
  getTokenEncoder,
  getTransferCheckedInstruction,
  type TokenArgs,
} from '@solana-program/token';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { isoTime, type ManualClock } from '../../../engine/kernel/clock';
import { decodeTransaction, type SigningPurpose } from '../../../engine/keystore/signer';
import {
  ADDRESS_LOOKUP_TABLE_PROGRAM,
  decodeInstruction,
  JUPITER_V6_PROGRAM,
  SYSTEM_PROGRAM,
  TOKEN_PROGRAM,
} from '../../../engine/keystore/instructions';
import { defaultTradingCaps } from '../../../engine/keystore/outflow';
import { KNOWN_TOKENS, registerToken } from '../../../engine/market/tokens';
import {
  sameExceptUnitLimit,
  type SimulatedAccount,
  type SimulateTransaction,
  type SwapPurpose,
} from '../../../engine/keystore/swap-policy';
import { keypairFromSeed, secretKeyBytes, toBase58 } from '../../../engine/keystore';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market/tokens';
import type { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { expectHarvestRejection } from '../../helpers/errors';

const SOL = 1_000_000_000n;
const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const UNITS_USDC = 1_000_000n;
const UNITS_WETH = 100_000_000n;
const RENT = 2_039_280n;
const ALT_HEADER = 56;

const randomAddress = (): Address => getAddressDecoder().decode(randomBytes(32));
const blockhash = (): { blockhash: Blockhash; lastValidBlockHeight: bigint } => ({
  blockhash: randomAddress() as unknown as Blockhash,
  lastValidBlockHeight: 1_000n,
});

// ---------------------------------------------------------------------------
// The fake node.

type Accounts = Map<Address, SimulatedAccount>;

function tokenAccount(mint: Address, owner: Address, amount: bigint, over: Partial<TokenArgs> = {}): SimulatedAccount {
  const data = getTokenEncoder().encode({
    mint,
    owner,
    amount,
    delegate: null,
    state: AccountState.Initialized,
    isNative: null,
    delegatedAmount: 0n,
    closeAuthority: null,
    ...over,
  });
  return { lamports: RENT, owner: TOKEN_PROGRAM, data: new Uint8Array(data) };
}

function editToken(s: Accounts, address: Address, edit: (t: TokenArgs) => TokenArgs): void {
  const acc = s.get(address)!;
  const t = getTokenDecoder().decode(acc.data);
  s.set(address, { ...acc, data: new Uint8Array(getTokenEncoder().encode(edit(t))) });
}

function amountOf(s: Accounts, address: Address): bigint {
  const acc = s.get(address);
  return acc ? getTokenDecoder().decode(acc.data).amount : 0n;
}

class SimFailure extends Error {}

class FakeNode {
  readonly state: Accounts = new Map();
  readonly calls: { accounts: Address[]; kinds: string[] }[] = [];
  /** What the swap simulation reports as its error (the baseline still succeeds). */
  swapError: unknown = null;
  /** What a Jupiter instruction does to the accounts (a route's CPIs). */
  jupiter: ((s: Accounts) => void) | null = null;
  /** Runs at the start of every simulation. */
  onSimulate: (() => void) | null = null;

  system(address: Address, lamports: bigint): void {
    this.state.set(address, { lamports, owner: SYSTEM_PROGRAM, data: new Uint8Array() });
  }

  token(address: Address, mint: Address, owner: Address, amount: bigint): void {
    this.state.set(address, tokenAccount(mint, owner, amount));
  }

  lookupTable(address: Address, entries: Address[]): void {
    const data = new Uint8Array(ALT_HEADER + 32 * entries.length);
    entries.forEach((e, i) => data.set(getAddressEncoder().encode(e), ALT_HEADER + 32 * i));
    this.state.set(address, { lamports: 1_000_000n, owner: ADDRESS_LOOKUP_TABLE_PROGRAM, data });
  }

  readonly simulate: SimulateTransaction = async (wire, accounts) => {
    this.onSimulate?.();
    await Promise.resolve();
    const tx = getTransactionDecoder().decode(wire);
    const msg = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (msg.version === 1) throw new Error('v1 transactions are not simulated here');
    const keys: Address[] = [...msg.staticAccounts];
    const lookups = 'addressTableLookups' in msg ? (msg.addressTableLookups ?? []) : [];
    const entry = (table: Address, i: number): Address =>
      getAddressDecoder().decode(this.state.get(table)!.data.subarray(ALT_HEADER + 32 * i, ALT_HEADER + 32 * i + 32));
    for (const l of lookups) keys.push(...l.writableIndexes.map((i) => entry(l.lookupTableAddress, i)));
    for (const l of lookups) keys.push(...l.readonlyIndexes.map((i) => entry(l.lookupTableAddress, i)));
    const decoded = msg.instructions.map((ix) =>
      decodeInstruction({
        program: keys[ix.programAddressIndex]!,
        accounts: (ix.accountIndices ?? []).map((i) => keys[i]!),
        data: new Uint8Array(ix.data ?? new Uint8Array()),
      }),
    );
    this.calls.push({ accounts: [...accounts], kinds: decoded.map((d) => d.kind) });
    const isSwap = decoded.some((d) => !d.kind.startsWith('computeBudget'));
    const none = { accounts: accounts.map(() => null) };
    if (isSwap && this.swapError !== null) return { err: this.swapError, ...none };
    const s: Accounts = new Map([...this.state].map(([a, acc]) => [a, { ...acc, data: new Uint8Array(acc.data) }]));
    const payer = s.get(keys[0]!)!;
    payer.lamports -= decodeTransaction(wire).fee;
    try {
      decoded.forEach((d) => this.apply(s, d));
    } catch (e) {
      if (e instanceof SimFailure) return { err: { InstructionError: [0, e.message] }, ...none };
      throw e;
    }
    return { err: null, accounts: accounts.map((a) => s.get(a) ?? null) };
  };

  private apply(s: Accounts, d: ReturnType<typeof decodeInstruction>): void {
    const debit = (a: Address, n: bigint) => {
      const acc = s.get(a);
      if (!acc || acc.lamports < n) throw new SimFailure('insufficient lamports');
      acc.lamports -= n;
    };
    const credit = (a: Address, n: bigint) => {
      const acc = s.get(a);
      if (acc) acc.lamports += n;
      else s.set(a, { lamports: n, owner: SYSTEM_PROGRAM, data: new Uint8Array() });
    };
    switch (d.kind) {
      case 'system.transfer':
        debit(d.from, d.lamports);
        credit(d.to, d.lamports);
        return;
      case 'token.transfer':
      case 'token.transferChecked':
        if (!s.get(d.source) || !s.get(d.destination) || amountOf(s, d.source) < d.amount)
          throw new SimFailure('insufficient funds');
        editToken(s, d.source, (t) => ({ ...t, amount: BigInt(t.amount) - d.amount }));
        editToken(s, d.destination, (t) => ({ ...t, amount: BigInt(t.amount) + d.amount }));
        return;
      case 'ata.create':
        if (s.get(d.ata)) return;
        debit(d.payer, RENT);
        s.set(d.ata, tokenAccount(d.mint, d.owner, 0n));
        return;
      case 'token.closeAccount':
        credit(d.destination, s.get(d.account)!.lamports);
        s.delete(d.account);
        return;
      case 'unknown':
        if (d.program === JUPITER_V6_PROGRAM) this.jupiter?.(s);
        return;
      default:
        return;
    }
  }
}

// ---------------------------------------------------------------------------
// The engine, users and transactions.

let engine: Engine;
let cleanup: () => void;
/** The halt gate every test shares (gates cannot be removed): null = not halted. */
let haltReason: string | null = null;
let gateCalls = 0;

beforeAll(() => {
  const t = tempDataDir('hv-signing-');
  cleanup = t.cleanup;
  engine = openEngine(t.dir);
  engine.signer.addGate(() => {
    gateCalls++;
    return haltReason;
  });
});

afterAll(async () => {
  await engine?.close();
  cleanup?.();
});

interface World {
  userId: number;
  wallet: Address;
  node: FakeNode;
  mm: Address;
  mmUsdc: Address;
  walletUsdc: Address;
  walletWeth: Address;
  stranger: Address;
}

let userSeq = 0;

async function world(opts: { sol?: bigint; usdc?: bigint } = {}): Promise<World> {
  userSeq++;
  const u = engine.users.add(`trader${userSeq}`, 'test');
  const kp = keypairFromSeed(new Uint8Array(randomBytes(32)));
  const w = engine.wallets.import(u.id, { secretKey: toBase58(secretKeyBytes(kp)) }, 'test');
  const wallet = w.address as Address;
  const node = new FakeNode();
  const mm = randomAddress();
  const mmUsdc = randomAddress();
  const [walletUsdc] = await findAssociatedTokenPda({ owner: wallet, mint: USDC.mint, tokenProgram: TOKEN_PROGRAM });
  const [walletWeth] = await findAssociatedTokenPda({ owner: wallet, mint: WETH.mint, tokenProgram: TOKEN_PROGRAM });
  node.system(wallet, opts.sol ?? 10n * SOL);
  node.system(mm, 10_000n * SOL);
  node.token(mmUsdc, USDC.mint, mm, 10_000_000n * UNITS_USDC);
  if (opts.usdc !== undefined) node.token(walletUsdc, USDC.mint, wallet, opts.usdc);
  // Another asset of the wallet's that no swap here trades.
  node.token(walletWeth, WETH.mint, wallet, 2n * UNITS_WETH);
  return { userId: u.id, wallet, node, mm, mmUsdc, walletUsdc, walletWeth, stranger: randomAddress() };
}

function compile(
  feePayer: Address,
  instructions: Instruction[],
  lifetime: ReturnType<typeof blockhash> = blockhash(),
): Uint8Array {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  return new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
}

const budget = (): Instruction[] => [
  getSetComputeUnitLimitInstruction({ units: 200_000 }),
  getSetComputeUnitPriceInstruction({ microLamports: 1_000n }),
];

/** A Jupiter route instruction; a route's CPIs can only touch the accounts it is given. */
const jupiterIx = (w: World, writable: Address[] = []): Instruction => ({
  programAddress: JUPITER_V6_PROGRAM,
  accounts: [
    { address: w.wallet, role: AccountRole.WRITABLE_SIGNER },
    ...writable.map((address) => ({ address, role: AccountRole.WRITABLE })),
  ],
  data: new Uint8Array([0xe5, 0x17, 0xcb, 0x97]),
});

/** Buy USDC with SOL: the wallet pays the market maker, the market maker pays USDC into the wallet's (new) USDC account. */
function buyIxs(w: World, o: { inAmount?: bigint; out?: bigint; routeAccounts?: Address[] } = {}): Instruction[] {
  const me = createNoopSigner(w.wallet);
  return [
    ...budget(),
    getCreateAssociatedTokenIdempotentInstruction({ payer: me, ata: w.walletUsdc, owner: w.wallet, mint: USDC.mint }),
    getTransferSolInstruction({ source: me, destination: w.mm, amount: o.inAmount ?? SOL }),
    getTransferCheckedInstruction({
      source: w.mmUsdc,
      mint: USDC.mint,
      destination: w.walletUsdc,
      authority: createNoopSigner(w.mm),
      amount: o.out ?? 160n * UNITS_USDC,
      decimals: USDC.decimals,
    }),
    jupiterIx(w, o.routeAccounts),
  ];
}

function buy(
  w: World,
  o: { inAmount?: bigint; out?: bigint; extra?: Instruction[]; feePayer?: Address; routeAccounts?: Address[] } = {},
): Uint8Array {
  return compile(o.feePayer ?? w.wallet, [...buyIxs(w, o), ...(o.extra ?? [])]);
}

const buyPurpose = (inAmount = SOL, minOut = 150n * UNITS_USDC): SwapPurpose => ({
  kind: 'swap',
  inputMint: 'SOL',
  inAmount,
  outputMint: USDC.mint,
  minOut,
  inputTokenProgram: null,
  outputTokenProgram: TOKEN_PROGRAM,
});

/** Sell USDC for SOL. */
function sell(w: World, o: { inAmount?: bigint; out?: bigint } = {}): Uint8Array {
  return compile(w.wallet, [
    ...budget(),
    getTransferCheckedInstruction({
      source: w.walletUsdc,
      mint: USDC.mint,
      destination: w.mmUsdc,
      authority: createNoopSigner(w.wallet),
      amount: o.inAmount ?? 100n * UNITS_USDC,
      decimals: USDC.decimals,
    }),
    getTransferSolInstruction({ source: createNoopSigner(w.mm), destination: w.wallet, amount: o.out ?? 600_000_000n }),
  ]);
}

const sellPurpose = (minOut = 550_000_000n): SwapPurpose => ({
  kind: 'swap',
  inputMint: USDC.mint,
  inAmount: 100n * UNITS_USDC,
  outputMint: 'SOL',
  minOut,
  inputTokenProgram: TOKEN_PROGRAM,
  outputTokenProgram: null,
});

/** Signs through the engine's signer with the fake node as simulator (null: with none). */
function sign(
  w: World,
  wire: Uint8Array,
  purpose: SigningPurpose,
  simulate: SimulateTransaction | null = w.node.simulate,
): Promise<Uint8Array> {
  return engine.signer.sign(w.userId, wire, purpose, 'test', simulate ? { simulate } : {});
}

function refusals(w: World): Record<string, unknown>[] {
  return engine.store.audit
    .list({ userId: w.userId })
    .filter((r) => r.action === 'signing.refused')
    .map((r) => r.details);
}

/** Signs nothing, audits the reason, throws REFUSED with it. */
async function expectRefused(w: World, attempt: () => Promise<unknown>, reason: RegExp): Promise<string> {
  const before = engine.signer.signedCount;
  const auditBefore = refusals(w).length;
  const e = await expectHarvestRejection(attempt(), 'REFUSED', reason);
  expect(e.message).toMatch(/^Signing refused: /);
  expect(engine.signer.signedCount).toBe(before);
  const rows = refusals(w);
  expect(rows.length).toBe(auditBefore + 1);
  expect(rows[0]!['reason']).toBe(e.message);
  return e.message;
}

async function expectSignedBy(w: World, signed: Uint8Array, unsigned: Uint8Array): Promise<void> {
  const tx = getTransactionDecoder().decode(signed);
  const original = getTransactionDecoder().decode(unsigned);
  expect(new Uint8Array(tx.messageBytes)).toEqual(new Uint8Array(original.messageBytes));
  const sig = tx.signatures[w.wallet];
  expect(sig).toBeTruthy();
  expect(await verifySignature(await getPublicKeyFromAddress(w.wallet), sig as SignatureBytes, tx.messageBytes)).toBe(
    true,
  );
}

// ---------------------------------------------------------------------------

describe('signing policy: swaps that do what was ordered are signed', () => {
  test('a SOL -> USDC swap: simulated before and after, then signed and counted', async () => {
    const w = await world();
    const wire = buy(w);
    const before = engine.signer.signedCount;
    const signed = await sign(w, wire, buyPurpose());
    await expectSignedBy(w, signed, wire);
    expect(engine.signer.signedCount).toBe(before + 1);
    // One baseline simulation (compute budget only) and one of the exact swap, asking about the same accounts:
    // the wallet first, then every writable account (incl. the USDC account the swap creates).
    expect(w.node.calls).toHaveLength(2);
    const baseline = w.node.calls.find((c) => c.kinds.every((k) => k.startsWith('computeBudget')))!;
    const swap = w.node.calls.find((c) => c !== baseline)!;
    expect(swap.kinds).toEqual([
      'computeBudget.limit',
      'computeBudget.price',
      'ata.create',
      'system.transfer',
      'token.transferChecked',
      'unknown',
    ]);
    expect(baseline.accounts).toEqual(swap.accounts);
    expect(swap.accounts[0]).toBe(w.wallet);
    expect(swap.accounts).toContain(w.walletUsdc);
    expect(refusals(w)).toEqual([]);
  });

  test('a USDC -> SOL swap signs; the SOL received is measured net of the fee', async () => {
    const w = await world({ usdc: 500n * UNITS_USDC });
    const wire = sell(w, { out: 550_000_000n });
    // Exactly the minimum: the fee (paid in both simulations) does not count against it.
    await expectSignedBy(w, await sign(w, wire, sellPurpose(550_000_000n)), wire);
  });

  test('caps: a mint Harvest does not know is 0 (fail closed); a token added by mint has none of its own', () => {
    const stranger = randomAddress();
    expect(defaultTradingCaps(stranger)).toEqual({ perTransaction: 0n, daily: 0n });
    const added = randomAddress();
    registerToken({
      symbol: 'ADDED',
      name: 'Added',
      mint: added,
      decimals: 6,
      tokenProgram: TOKEN_PROGRAM,
      stable: false,
    });
    expect(defaultTradingCaps(added).perTransaction).toBe((1n << 64n) - 1n);
    expect(defaultTradingCaps(added).daily).toBe((1n << 64n) - 1n);
    // The majors keep their table.
    expect(defaultTradingCaps(KNOWN_TOKENS.find((t) => t.symbol === 'WETH')!.mint).perTransaction).toBe(5n * 10n ** 8n);
  });

  test('an input amount exactly at the per-transaction default cap (100 SOL) is allowed', async () => {
    const w = await world({ sol: 200n * SOL });
    expect(defaultTradingCaps('SOL')).toEqual({ perTransaction: 100n * SOL, daily: 1000n * SOL });
    await sign(w, buy(w, { inAmount: 100n * SOL }), buyPurpose(100n * SOL));
  });

  test('instruction accounts may come from an address lookup table', async () => {
    const w = await world();
    const table = randomAddress();
    w.node.lookupTable(table, [w.mmUsdc, w.walletUsdc, randomAddress()]);
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(w.wallet, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash(), m),
      (m) => appendTransactionMessageInstructions(buyIxs(w), m),
      (m) => compressTransactionMessageUsingAddressLookupTables(m, { [table]: [w.mmUsdc, w.walletUsdc] }),
    );
    const wire = new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
    const decoded = decodeTransaction(wire);
    expect(decoded.usesLookupTables).toBe(true);
    expect(decoded.staticAccounts).not.toContain(w.walletUsdc);
    await sign(w, wire, buyPurpose());
    // The table was read, then the wallet's USDC account (loaded from it) was among the accounts judged.
    expect(w.node.calls).toHaveLength(3);
    expect(w.node.calls[0]!.accounts).toEqual([table]);
    expect(w.node.calls[1]!.accounts).toContain(w.walletUsdc);
  });
});

describe('signing policy: one simulation sets the unit limit and judges the swap', () => {
  /** The buy of buyIxs with its own compute budget, on a fixed blockhash (so two compilations can differ only there). */
  const buyAt = (
    w: World,
    lifetime: ReturnType<typeof blockhash>,
    units: number,
    o: { microLamports?: bigint; extra?: Instruction[] } = {},
  ): Uint8Array =>
    compile(
      w.wallet,
      [
        getSetComputeUnitLimitInstruction({ units }),
        getSetComputeUnitPriceInstruction({ microLamports: o.microLamports ?? 1_000n }),
        ...buyIxs(w).slice(2),
        ...(o.extra ?? []),
      ],
      lifetime,
    );

  test('signed with only its unit limit changed since the preview: judged on the preview, not simulated again', async () => {
    const w = await world();
    const lifetime = blockhash();
    const simulation = await engine.signer.previewSwap(w.userId, buyAt(w, lifetime, 1_400_000), w.node.simulate);
    expect(simulation.err).toBeNull();
    expect(w.node.calls).toHaveLength(2);
    const wire = buyAt(w, lifetime, 180_000);
    const signed = await engine.signer.sign(w.userId, wire, buyPurpose(), 'test', {
      simulate: w.node.simulate,
      simulation,
    });
    await expectSignedBy(w, signed, wire);
    expect(w.node.calls).toHaveLength(2);
  });

  test('changed in any other way since the preview: the exact bytes are simulated again and judged on their own', async () => {
    const w = await world();
    const lifetime = blockhash();
    const preview = () => engine.signer.previewSwap(w.userId, buyAt(w, lifetime, 1_400_000), w.node.simulate);
    // An extra transfer to a stranger, added after a clean preview: the fresh simulation catches it.
    const drained = buyAt(w, lifetime, 180_000, {
      extra: [getTransferSolInstruction({ source: createNoopSigner(w.wallet), destination: w.stranger, amount: SOL })],
    });
    let simulation = await preview();
    await expectRefused(
      w,
      () => engine.signer.sign(w.userId, drained, buyPurpose(), 'test', { simulate: w.node.simulate, simulation }),
      /losing .* SOL besides the .* fee/,
    );
    expect(w.node.calls).toHaveLength(4);
    // Another compute-unit price (the fee changes, not only the limit): simulated again, then signed.
    simulation = await preview();
    const repriced = buyAt(w, lifetime, 180_000, { microLamports: 2_000n });
    await expectSignedBy(
      w,
      await engine.signer.sign(w.userId, repriced, buyPurpose(), 'test', { simulate: w.node.simulate, simulation }),
      repriced,
    );
    expect(w.node.calls).toHaveLength(8);
    const fresh = w.node.calls.slice(6).find((c) => !c.kinds.every((k) => k.startsWith('computeBudget')))!;
    expect(fresh.kinds).toContain('token.transferChecked');
  });

  test('a preview is good for one signature, and a failed one for none', async () => {
    const w = await world();
    const lifetime = blockhash();
    const simulation = await engine.signer.previewSwap(w.userId, buyAt(w, lifetime, 1_400_000), w.node.simulate);
    const wire = buyAt(w, lifetime, 180_000);
    const opts = { simulate: w.node.simulate, simulation };
    await engine.signer.sign(w.userId, wire, buyPurpose(), 'test', opts);
    expect(w.node.calls).toHaveLength(2);
    await engine.signer.sign(w.userId, wire, buyPurpose(), 'test', opts);
    expect(w.node.calls).toHaveLength(4);

    w.node.swapError = { InstructionError: [3, 'Custom'] };
    const failed = await engine.signer.previewSwap(w.userId, buyAt(w, lifetime, 1_400_000), w.node.simulate);
    expect(failed.err).not.toBeNull();
    expect(failed.unitsConsumed).toBeNull();
    w.node.swapError = null;
    await engine.signer.sign(w.userId, wire, buyPurpose(), 'test', { simulate: w.node.simulate, simulation: failed });
    expect(w.node.calls).toHaveLength(8);
  });

  test('message bytes match only when nothing but the SetComputeUnitLimit value differs (any other byte, any length)', async () => {
    const w = await world();
    const lifetime = blockhash();
    const simulated = messageOf(buyAt(w, lifetime, 1_400_000));
    const limitAt = findUnits(simulated, 1_400_000);
    expect(sameExceptUnitLimit(simulated, messageOf(buyAt(w, lifetime, 1)))).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: simulated.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const edited = simulated.slice();
        edited[at]! ^= flip;
        const inLimit = at >= limitAt && at < limitAt + 4;
        expect(sameExceptUnitLimit(simulated, edited)).toBe(inLimit);
      }),
    );
    expect(sameExceptUnitLimit(simulated, new Uint8Array([...simulated, 0]))).toBe(false);
    expect(sameExceptUnitLimit(simulated, simulated.slice(0, -1))).toBe(false);
    // No SetComputeUnitLimit at all, or two of them: never a match.
    const noLimit = messageOf(compile(w.wallet, buyIxs(w).slice(1), lifetime));
    expect(sameExceptUnitLimit(noLimit, noLimit)).toBe(false);
    const twice = messageOf(
      compile(w.wallet, [getSetComputeUnitLimitInstruction({ units: 5 }), ...buyIxs(w)], lifetime),
    );
    expect(sameExceptUnitLimit(twice, twice)).toBe(false);
  });

  test('assembly’s withUnitLimit gives exactly the transaction a compile at that limit gives (and nothing without one limit)', async () => {
    const w = await world();
    const lifetime = blockhash();
    const simulated = buyAt(w, lifetime, 1_400_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (units) => {
        expect(withUnitLimit(simulated, units)).toEqual(buyAt(w, lifetime, units));
      }),
      { numRuns: 50 },
    );
    expect(withUnitLimit(compile(w.wallet, buyIxs(w).slice(1), lifetime), 5)).toBeNull();
    const twice = compile(w.wallet, [getSetComputeUnitLimitInstruction({ units: 5 }), ...buyIxs(w)], lifetime);
    expect(withUnitLimit(twice, 5)).toBeNull();
  });
});

function messageOf(wire: Uint8Array): Uint8Array {
  return new Uint8Array(getTransactionDecoder().decode(wire).messageBytes);
}

/** Where the u32 `units` sits in a message (the only place those four bytes occur in these tests). */
function findUnits(message: Uint8Array, units: number): number {
  const le = new Uint8Array(4);
  new DataView(le.buffer).setUint32(0, units, true);
  for (let i = 0; i + 4 <= message.length; i++) {
    if (message[i - 1] === 2 && le.every((b, j) => message[i + j] === b)) return i;
  }
  throw new Error('units not found');
}

describe('signing policy: refusals', () => {
  test('an unknown program is refused before anything is simulated', async () => {
    const w = await world();
    const rogue = randomAddress();
    const wire = buy(w, {
      extra: [
        {
          programAddress: rogue,
          accounts: [{ address: w.wallet, role: AccountRole.WRITABLE_SIGNER }],
          data: new Uint8Array([1]),
        },
      ],
    });
    await expectRefused(
      w,
      () => sign(w, wire, buyPurpose()),
      new RegExp(`invokes ${rogue}, which is not on the program allow-list`),
    );
    expect(w.node.calls).toEqual([]);
  });

  test('a program id reachable only through a lookup table is refused', async () => {
    const w = await world();
    const rogue = randomAddress();
    const table = randomAddress();
    w.node.lookupTable(table, [rogue]);
    const tx = getTransactionDecoder().decode(buy(w));
    const msg = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (msg.version !== 0) throw new Error('expected v0');
    // The last instruction (Jupiter) now names its program by index into the loaded addresses: table entry 0.
    const instructions = msg.instructions.map((ix, i) =>
      i === msg.instructions.length - 1 ? { ...ix, programAddressIndex: msg.staticAccounts.length } : ix,
    );
    const messageBytes = getCompiledTransactionMessageEncoder().encode({
      ...msg,
      instructions,
      addressTableLookups: [{ lookupTableAddress: table, writableIndexes: [], readonlyIndexes: [0] }],
    }) as unknown as Transaction['messageBytes'];
    const wire = new Uint8Array(getTransactionEncoder().encode({ messageBytes, signatures: tx.signatures }));
    await expectRefused(w, () => sign(w, wire, buyPurpose()), /names a program outside the static account keys/);
    expect(w.node.calls).toEqual([]);
  });

  test('an extra SOL transfer to a stranger: the wallet would lose more than the input plus the fee', async () => {
    const w = await world();
    const wire = buy(w, {
      extra: [
        getTransferSolInstruction({ source: createNoopSigner(w.wallet), destination: w.stranger, amount: 10_000_000n }),
      ],
    });
    await expectRefused(
      w,
      () => sign(w, wire, buyPurpose()),
      /losing 1\.01 SOL besides the 0\.0000102 SOL fee, more than the order’s input of 1 SOL/,
    );
  });

  test('SOL taken inside the Jupiter instruction (a CPI) is caught the same way', async () => {
    const w = await world();
    w.node.jupiter = (s) => {
      s.get(w.wallet)!.lamports -= 1n;
      s.set(w.stranger, { lamports: 1n, owner: SYSTEM_PROGRAM, data: new Uint8Array() });
    };
    await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /losing 1\.000000001 SOL besides/);
  });

  test('an extra token transfer draining another token account of the wallet', async () => {
    const w = await world();
    const strangerWeth = randomAddress();
    w.node.token(strangerWeth, WETH.mint, w.stranger, 0n);
    const drain = getTransferCheckedInstruction({
      source: w.walletWeth,
      mint: WETH.mint,
      destination: strangerWeth,
      authority: createNoopSigner(w.wallet),
      amount: 2n * UNITS_WETH,
      decimals: WETH.decimals,
    });
    await expectRefused(
      w,
      () => sign(w, buy(w, { extra: [drain] }), buyPurpose()),
      /losing 2 WETH, a token this swap does not trade/,
    );
  });

  test('a drain of a token account loaded from a lookup table is caught (the table is read)', async () => {
    const w = await world();
    const strangerWeth = randomAddress();
    w.node.token(strangerWeth, WETH.mint, w.stranger, 0n);
    const table = randomAddress();
    w.node.lookupTable(table, [w.walletWeth, strangerWeth]);
    const drain = getTransferCheckedInstruction({
      source: w.walletWeth,
      mint: WETH.mint,
      destination: strangerWeth,
      authority: createNoopSigner(w.wallet),
      amount: UNITS_WETH,
      decimals: WETH.decimals,
    });
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(w.wallet, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash(), m),
      (m) => appendTransactionMessageInstructions([...buyIxs(w), drain], m),
      (m) => compressTransactionMessageUsingAddressLookupTables(m, { [table]: [w.walletWeth, strangerWeth] }),
    );
    const wire = new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
    expect(decodeTransaction(wire).staticAccounts).not.toContain(w.walletWeth);
    await expectRefused(w, () => sign(w, wire, buyPurpose()), /losing 1 WETH, a token this swap does not trade/);
  });

  test('output below the minimum', async () => {
    const w = await world();
    await expectRefused(
      w,
      () => sign(w, buy(w, { out: 149_999_999n }), buyPurpose()),
      /receiving 149\.999999 USDC, less than the minimum output of 150 USDC/,
    );
  });

  test('SOL output below the minimum', async () => {
    const w = await world({ usdc: 500n * UNITS_USDC });
    await expectRefused(
      w,
      () => sign(w, sell(w, { out: 549_999_999n }), sellPurpose()),
      /receiving 0\.549999999 SOL net of the fee, less than the minimum output of 0\.55 SOL/,
    );
  });

  test('spending more of an SPL input than ordered', async () => {
    const w = await world({ usdc: 500n * UNITS_USDC });
    await expectRefused(
      w,
      () => sign(w, sell(w, { inAmount: 100n * UNITS_USDC + 1n }), sellPurpose()),
      /losing 100\.000001 USDC, more than the order’s input of 100 USDC/,
    );
  });

  test('a failed simulation', async () => {
    const w = await world();
    w.node.swapError = { InstructionError: [4, { Custom: 6001 }] };
    await expectRefused(
      w,
      () => sign(w, buy(w), buyPurpose()),
      /the simulation of the swap failed \(\{"InstructionError":\[4,\{"Custom":6001\}\]\}\)/,
    );
  });

  test('a simulator that throws', async () => {
    const w = await world();
    const broken: SimulateTransaction = () => Promise.reject(new Error('socket hang up'));
    await expectRefused(w, () => sign(w, buy(w), buyPurpose(), broken), /could not be simulated \(socket hang up\)/);
  });

  test('no simulate capability: fail closed', async () => {
    const w = await world();
    await expectRefused(w, () => sign(w, buy(w), buyPurpose(), null), /no simulator was given/);
  });

  test('per-transaction cap: the default, and a lower one from the user’s settings', async () => {
    const w = await world({ sol: 500n * SOL });
    await expectRefused(
      w,
      () => sign(w, buy(w, { inAmount: 100n * SOL + 1n }), buyPurpose(100n * SOL + 1n)),
      /above the per-transaction trading cap of 100 SOL/,
    );
    expect(w.node.calls).toEqual([]);
    const s = engine.store.settings.get(w.userId)!;
    const settings = { ...(s.settings as object), tradingCaps: { perTransaction: { SOL: '500000000' }, daily: {} } };
    expect(engine.store.settings.update(w.userId, s.version, settings, isoTime(engine.clock))).toBe(true);
    await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /above the per-transaction trading cap of 0\.5 SOL/);
    await sign(w, buy(w, { inAmount: SOL / 2n }), buyPurpose(SOL / 2n));
    // SOL may also be keyed by the wrapped-SOL mint.
    const s2 = engine.store.settings.get(w.userId)!;
    const byMint = {
      ...(s2.settings as object),
      tradingCaps: { perTransaction: { [WRAPPED_SOL_MINT]: '2000000000' }, daily: {} },
    };
    expect(engine.store.settings.update(w.userId, s2.version, byMint, isoTime(engine.clock))).toBe(true);
    await sign(w, buy(w, { inAmount: 2n * SOL }), buyPurpose(2n * SOL));
    await expectRefused(
      w,
      () => sign(w, buy(w, { inAmount: 2n * SOL + 1n }), buyPurpose(2n * SOL + 1n)),
      /cap of 2 SOL/,
    );
    // Settings that cannot be read allow nothing.
    const s3 = engine.store.settings.get(w.userId)!;
    const broken = { ...(s3.settings as object), tradingCaps: { perTransaction: { SOL: 'lots' }, daily: {} } };
    expect(engine.store.settings.update(w.userId, s3.version, broken, isoTime(engine.clock))).toBe(true);
    await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /settings cannot be read/);
  });

  test('a token without a cap cannot be sold (fail closed)', async () => {
    const w = await world();
    const mint = randomAddress();
    const purpose: SwapPurpose = { ...sellPurpose(), inputMint: mint };
    await expectRefused(
      w,
      () => sign(w, sell(w), purpose),
      new RegExp(
        `the trading cap for ${mint} is 0, so it cannot be sold .* Set tradingCaps.perTransaction\\["${mint}"\\]`,
      ),
    );
  });

  test('rolling 24 h cap: signed and confirmed orders of the last 24 h count, pending and older ones do not', async () => {
    const w = await world({ sol: 2_000n * SOL });
    const clock = engine.clock as ManualClock;
    const now = clock.now();
    let n = 0;
    const journal = (
      amount: bigint,
      status: 'pending' | 'signed' | 'confirmed',
      agoMs: number,
      inputMint: string = WRAPPED_SOL_MINT,
    ) => {
      const at = new Date(now - agoMs).toISOString();
      const id = engine.store.intents.insert({
        userId: w.userId,
        clientId: `c${++n}`,
        network: 'sandbox',
        venue: 'jupiter',
        context: 'manual',
        side: 'buy',
        inputMint,
        outputMint: USDC.mint,
        amount,
        slippageBps: 50,
        exits: null,
        at,
      });
      if (status !== 'pending') engine.store.intents.markSigned(id, `sig-${w.userId}-${n}`, 'AA==', 1n, at);
      if (status === 'confirmed') engine.store.intents.finish(id, 'confirmed', null, null, at);
    };
    journal(90n * SOL, 'confirmed', 23 * 3600_000);
    journal(90n * SOL, 'signed', 3600_000, 'SOL'); // journaled as 'SOL' rather than the wrapped-SOL mint: still SOL
    for (let i = 0; i < 8; i++) journal(90n * SOL, 'confirmed', 60_000);
    journal(10n * SOL, 'signed', 0);
    journal(100n * SOL, 'pending', 0); // the order being signed may already be journaled: not counted
    journal(500n * SOL, 'confirmed', 24 * 3600_000 + 1); // just outside the window
    journal(500n * SOL, 'confirmed', 0, USDC.mint); // another asset
    // 910 SOL in the window: 90 more reach the 1000 SOL cap exactly; 91 pass it.
    await expectRefused(
      w,
      () => sign(w, buy(w, { inAmount: 91n * SOL }), buyPurpose(91n * SOL)),
      /last 24 h of trading outflow to 1001 SOL \(910 SOL already signed \+ 91 SOL now\), above the 24 h cap of 1000 SOL/,
    );
    expect(w.node.calls).toEqual([]);
    await sign(w, buy(w, { inAmount: 90n * SOL }), buyPurpose(90n * SOL));
    // Just over an hour later the oldest 90 SOL have left the window (the 90 just signed was never journaled here).
    clock.advance(3600_000 + 1);
    await sign(w, buy(w, { inAmount: 91n * SOL }), buyPurpose(91n * SOL));
  });

  test('the fee payer is not the wallet', async () => {
    const w = await world();
    w.node.system(w.stranger, 10n * SOL);
    await expectRefused(
      w,
      () => sign(w, buy(w, { feePayer: w.stranger }), buyPurpose()),
      new RegExp(`the fee payer ${w.stranger} is not this user's wallet`),
    );
  });

  test('a top-level token approval is never part of a swap', async () => {
    const w = await world();
    const approve = getApproveInstruction({
      source: w.walletWeth,
      delegate: w.stranger,
      owner: createNoopSigner(w.wallet),
      amount: 1n,
    });
    await expectRefused(
      w,
      () => sign(w, buy(w, { extra: [approve] }), buyPurpose()),
      /instruction of the Token program .* that a swap never needs/,
    );
  });

  test('a delegate set on the wallet’s token account inside the route', async () => {
    const w = await world();
    w.node.jupiter = (s) => editToken(s, w.walletWeth, (t) => ({ ...t, delegate: w.stranger, delegatedAmount: 1n }));
    await expectRefused(
      w,
      () => sign(w, buy(w, { routeAccounts: [w.walletWeth] }), buyPurpose()),
      new RegExp(`would let ${w.stranger} spend 0\\.00000001 WETH`),
    );
  });

  test('the wallet account handed to another program inside the route', async () => {
    const w = await world();
    w.node.jupiter = (s) => {
      s.get(w.wallet)!.owner = w.stranger;
    };
    await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /hand the wallet account to/);
  });

  test('rent of a created token account counts only if the wallet can get it back', async () => {
    const w = await world();
    // The route makes a stranger the close authority of the USDC account the swap created (and paid rent for).
    w.node.jupiter = (s) => editToken(s, w.walletUsdc, (t) => ({ ...t, closeAuthority: w.stranger }));
    await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /losing 1\.00203928 SOL besides/);
  });

  test('swapping an asset for itself, or for nothing', async () => {
    const w = await world();
    await expectRefused(
      w,
      () => sign(w, buy(w), { ...buyPurpose(), outputMint: WRAPPED_SOL_MINT, outputTokenProgram: null }),
      /same/,
    );
    await expectRefused(w, () => sign(w, buy(w), buyPurpose(SOL, 0n)), /positive minimum output/);
  });
});

describe('signing policy: the halt gate', () => {
  test('is checked first, synchronously, when sign() is called', async () => {
    const w = await world();
    const calls = gateCalls;
    const p = sign(w, buy(w), buyPurpose());
    expect(gateCalls).toBe(calls + 1);
    await p;
  });

  test('a halt in force refuses before anything is decoded or simulated', async () => {
    const w = await world();
    haltReason = 'trading is halted (test)';
    try {
      await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /trading is halted \(test\)/);
      expect(w.node.calls).toEqual([]);
    } finally {
      haltReason = null;
    }
  });

  test('a halt acknowledged while the policy is simulating: nothing is signed', async () => {
    const w = await world();
    let simulations = 0;
    w.node.onSimulate = () => {
      if (++simulations === 2) haltReason = 'halted during simulation';
    };
    const keyReads = vi.spyOn(engine.wallets, 'keypair');
    try {
      await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /halted during simulation/);
      // Refused before the key was even opened.
      expect(keyReads).not.toHaveBeenCalled();
    } finally {
      haltReason = null;
      keyReads.mockRestore();
    }
    await sign(w, buy(w), buyPurpose());
  });

  test('a halt acknowledged while the key is signing: the signature is dropped, never handed out', async () => {
    const w = await world();
    const original = engine.wallets.keypair.bind(engine.wallets);
    const keyReads = vi.spyOn(engine.wallets, 'keypair').mockImplementation((userId) => {
      haltReason = 'halted while signing';
      return original(userId);
    });
    try {
      await expectRefused(w, () => sign(w, buy(w), buyPurpose()), /halted while signing/);
      expect(keyReads).toHaveBeenCalledTimes(1);
    } finally {
      haltReason = null;
      keyReads.mockRestore();
    }
  });
});
