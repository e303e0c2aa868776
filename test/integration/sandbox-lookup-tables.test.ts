/**
 * Address lookup tables end to end, as on mainnet: the sandbox's swap API names
 * the market maker's real lookup table in /swap/v2/build, Harvest assembles a v0
 * transaction that loads accounts from it, the keystore's policy judges it, and
 * the sandbox ledger (LiteSVM behind real HTTP JSON-RPC) resolves it and reports
 * it back (getTransaction's addressTableLookups and loadedAddresses). Bad lookups
 * get the errors a mainnet RPC node gives; tables that hide a theft from the
 * static keys are still refused by the signing policy.
 */
import { randomBytes } from 'node:crypto';
import {
  createNoopSigner,
  getAddressDecoder,
  getBase64Decoder,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getTransactionDecoder,
  getTransactionEncoder,
  type Address,
  type Transaction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssociatedTokenAddress, type ChainClient } from '../../engine/chain';
import {
  assembleSwap,
  JupiterClient,
  type JupiterBuild,
  type LandingPlan,
  type OrderOutcome,
} from '../../engine/execution';
import type { SwapPurpose } from '../../engine/keystore';
import { tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import type { Sandbox } from '../../engine/sandbox';
import { decodeLookupTableAddresses, encodeLookupTable } from '../../engine/sandbox/lookup-tables';
import { PlayKey } from '../../engine/sandbox/play-keys';
import { compile, signWith, toWire } from '../../engine/sandbox/tx-build';
import { addLiveFriend, openSandboxEngine } from '../helpers/sandbox-engine';

const ALT_PROGRAM = 'AddressLookupTab1e1111111111111111111111111' as Address;
const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const LAMPORTS = 1_000_000_000n;
const usdc = (whole: number): bigint => BigInt(Math.round(whole * 1e6));
const randomAddress = (): Address => getAddressDecoder().decode(randomBytes(32));

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
let sandbox: Sandbox;
let chain: ChainClient;

beforeAll(async () => {
  ({ dir, engine, funds, sandbox, chain } = await openSandboxEngine('hv-alt-'));
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

const user = (name: string): Promise<{ id: number; address: Address }> => addLiveFriend(engine, name);

interface RpcAnswer<T> {
  result?: T;
  error?: { code: number; message: string };
}

async function rpc<T>(method: string, params: unknown[]): Promise<RpcAnswer<T>> {
  const res = await fetch(sandbox.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as RpcAnswer<T>;
}

interface JsonTransaction {
  version: number | 'legacy';
  transaction: {
    message: {
      accountKeys: string[];
      addressTableLookups?: { accountKey: string; writableIndexes: number[]; readonlyIndexes: number[] }[];
    };
  };
  meta: {
    preBalances: number[];
    loadedAddresses: { writable: string[]; readonly: string[] };
    preTokenBalances: { accountIndex: number; mint: string; owner: string; uiTokenAmount: { amount: string } }[];
    postTokenBalances: { accountIndex: number; mint: string; owner: string; uiTokenAmount: { amount: string } }[];
  };
}

async function landed(signature: string): Promise<JsonTransaction> {
  const r = await rpc<JsonTransaction>('getTransaction', [
    signature,
    { encoding: 'json', maxSupportedTransactionVersion: 0, commitment: 'confirmed' },
  ]);
  expect(r.error).toBeUndefined();
  return r.result!;
}

async function tableEntries(table: string): Promise<string[]> {
  const acc = (await chain.getMultipleAccounts([table as Address]))[0]!;
  expect(acc.owner).toBe(ALT_PROGRAM);
  return decodeLookupTableAddresses(acc.data);
}

/** Each lookup's indexes resolve, through the table on chain, to loadedAddresses in mainnet order. */
async function expectResolved(tx: JsonTransaction): Promise<void> {
  const lookups = tx.transaction.message.addressTableLookups ?? [];
  const writable: string[] = [];
  const readonly: string[] = [];
  for (const l of lookups) {
    const entries = await tableEntries(l.accountKey);
    writable.push(...l.writableIndexes.map((i) => entries[i]!));
    readonly.push(...l.readonlyIndexes.map((i) => entries[i]!));
  }
  expect(tx.meta.loadedAddresses).toEqual({ writable, readonly });
  // Balances cover every account the transaction used: static keys, then the loaded ones.
  expect(tx.meta.preBalances).toHaveLength(
    tx.transaction.message.accountKeys.length + writable.length + readonly.length,
  );
}

/** The owner's change in one mint over a landed transaction, from its token balances. */
function tokenDelta(tx: JsonTransaction, owner: string, mint: string): bigint {
  const sum = (list: JsonTransaction['meta']['preTokenBalances']): bigint =>
    list.filter((b) => b.owner === owner && b.mint === mint).reduce((s, b) => s + BigInt(b.uiTokenAmount.amount), 0n);
  return sum(tx.meta.postTokenBalances) - sum(tx.meta.preTokenBalances);
}

let seq = 0;
function submit(
  userId: number,
  side: 'buy' | 'sell',
  inputMint: Address,
  outputMint: Address,
  amount: bigint,
): Promise<OrderOutcome> {
  return funds.exec.submit({
    userId,
    side,
    inputMint,
    outputMint,
    amount,
    context: 'manual',
    clientId: `alt-${++seq}`,
    slippageBps: 50,
    ...(side === 'buy' ? { stopLossPrice: 0.000001 } : {}),
  });
}

function confirmed(o: OrderOutcome): Extract<OrderOutcome, { status: 'confirmed' }> {
  expect(
    o.status,
    JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
  ).toBe('confirmed');
  return o as Extract<OrderOutcome, { status: 'confirmed' }>;
}

describe('a live swap through the ordinary execution path loads accounts from the swap API’s lookup table', () => {
  it('buy and sell land as v0 transactions using the table; trades equal the chain; no outside flow', async () => {
    const u = await user('tess');
    const buy = confirmed(await submit(u.id, 'buy', USDC.mint, WETH.mint, usdc(25)));
    const sell = confirmed(await submit(u.id, 'sell', WETH.mint, USDC.mint, buy.outAmount / 2n));
    const mmTable = Object.keys(
      (
        await new JupiterClient({ baseUrl: sandbox.swapApiUrl }).build({
          inputMint: USDC.mint,
          outputMint: WETH.mint,
          amount: usdc(1),
          slippageBps: 50,
          taker: u.address,
        })
      ).addressesByLookupTableAddress!,
    )[0]!;
    const trades = engine.store.portfolio.trades(u.id, { limit: 10 });
    for (const o of [buy, sell]) {
      const tx = await landed(o.signature!);
      expect(tx.version).toBe(0);
      const lookups = tx.transaction.message.addressTableLookups!;
      expect(lookups.map((l) => l.accountKey)).toEqual([mmTable]);
      expect(tx.meta.loadedAddresses.writable.length + tx.meta.loadedAddresses.readonly.length).toBeGreaterThan(0);
      await expectResolved(tx);
      // The market maker's inventory account (loaded, writable) is where the input went.
      expect(tx.meta.loadedAddresses.writable.length).toBeGreaterThan(0);
      // The chain client sees the full key list, in mainnet order.
      const details = (await chain.getTransaction(o.signature as never))!;
      expect(details.accountKeys).toEqual([
        ...tx.transaction.message.accountKeys,
        ...tx.meta.loadedAddresses.writable,
        ...tx.meta.loadedAddresses.readonly,
      ]);
      // The trade row is what the chain says, to the base unit.
      const t = trades.find((x) => x.id === o.tradeId)!;
      expect(t.signature).toBe(o.signature);
      const [inMint, outMint] = t.side === 'buy' ? [USDC.mint, WETH.mint] : [WETH.mint, USDC.mint];
      const [inAmount, outAmount] = t.side === 'buy' ? [t.quoteAmount, t.baseAmount] : [t.baseAmount, t.quoteAmount];
      expect(tokenDelta(tx, u.address, inMint)).toBe(-inAmount);
      expect(tokenDelta(tx, u.address, outMint)).toBe(outAmount);
    }
    // getSignaturesForAddress indexes loaded accounts too (the market maker's table entries).
    const loadedOne = (await landed(buy.signature!)).meta.loadedAddresses.writable[0]!;
    const sigs = await rpc<{ signature: string }[]>('getSignaturesForAddress', [
      loadedOne,
      { limit: 1000, commitment: 'confirmed' },
    ]);
    expect(sigs.result!.map((s) => s.signature)).toContain(buy.signature);

    const scan = await funds.flows.scan([u.id]);
    expect(scan.flows).toBe(0);
    const seen = engine.store.flows.txs(u.id, 'sandbox');
    for (const o of [buy, sell]) expect(seen.find((s) => s.signature === o.signature)?.source).toBe('intent');
    const rec = await engine.execute('ledger.reconcile', { user: 'tess' });
    expect(rec.results[0]!.discrepancies).toEqual([]);
  });

  it('with the knob off the swap API answers without tables and swaps still land, all keys static', async () => {
    const u = await user('nora');
    sandbox.market.useLookupTable = false;
    try {
      const b = await new JupiterClient({ baseUrl: sandbox.swapApiUrl }).build({
        inputMint: USDC.mint,
        outputMint: WETH.mint,
        amount: usdc(5),
        slippageBps: 50,
        taker: u.address,
      });
      expect(b.addressesByLookupTableAddress).toBeNull();
      const o = confirmed(await submit(u.id, 'buy', USDC.mint, WETH.mint, usdc(5)));
      const tx = await landed(o.signature!);
      expect(tx.transaction.message.addressTableLookups).toEqual([]);
      expect(tx.meta.loadedAddresses).toEqual({ writable: [], readonly: [] });
    } finally {
      sandbox.market.useLookupTable = true;
    }
  });
});

describe('the sandbox resolves lookups as a mainnet node does', () => {
  const payer = PlayKey.generate();
  const recipient = randomAddress();

  beforeAll(async () => {
    await sandbox.fund(payer.address, { lamports: LAMPORTS, tokens: [] });
  });

  /** A SOL transfer to `recipient`, loaded (writable) from `table` at `index`. */
  function transferVia(table: Address, index = 0, lamports = 1_000_000n): string {
    const { blockhash, lastValidBlockHeight } = sandbox.ledger.latestBlockhash();
    const tx = compile({
      feePayer: payer.address,
      instructions: [
        getTransferSolInstruction({
          source: createNoopSigner(payer.address),
          destination: recipient,
          amount: lamports,
        }),
      ],
      blockhash,
      lastValidBlockHeight,
    });
    const msg = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (msg.version !== 0) throw new Error('expected v0');
    // The recipient leaves the static keys for entry `index` of the table.
    const at = msg.staticAccounts.indexOf(recipient);
    const staticAccounts = msg.staticAccounts.filter((a) => a !== recipient);
    const instructions = msg.instructions.map((ix) => ({
      ...ix,
      programAddressIndex: ix.programAddressIndex > at ? ix.programAddressIndex - 1 : ix.programAddressIndex,
      accountIndices: ix.accountIndices?.map((i) => (i === at ? staticAccounts.length : i > at ? i - 1 : i)),
    }));
    const messageBytes = getCompiledTransactionMessageEncoder().encode({
      ...msg,
      staticAccounts,
      instructions,
      addressTableLookups: [{ lookupTableAddress: table, writableIndexes: [index], readonlyIndexes: [] }],
    }) as unknown as Transaction['messageBytes'];
    const signed = signWith({ messageBytes, signatures: { [payer.address]: null } } as unknown as Transaction, [payer]);
    return getBase64Decoder().decode(toWire(signed));
  }

  function table(address: Address, entries: Address[], owner: Address = ALT_PROGRAM, data?: Uint8Array): void {
    const bytes = data ?? encodeLookupTable(payer.address, entries, 0n, entries.length);
    sandbox.ledger.setAccount({ address, lamports: LAMPORTS, owner, data: bytes, executable: false });
  }

  it('a transfer to an address loaded from a table lands; getTransaction reports the lookup and what it loaded', async () => {
    const t = randomAddress();
    table(t, [randomAddress(), recipient]);
    const r = await rpc<string>('sendTransaction', [transferVia(t, 1), { encoding: 'base64' }]);
    expect(r.error).toBeUndefined();
    await sandbox.ledger.save();
    const tx = await landed(r.result!);
    expect(tx.transaction.message.addressTableLookups).toEqual([
      { accountKey: t, writableIndexes: [1], readonlyIndexes: [] },
    ]);
    expect(tx.transaction.message.accountKeys).not.toContain(recipient);
    expect(tx.meta.loadedAddresses).toEqual({ writable: [recipient], readonly: [] });
    await expectResolved(tx);
    expect((await chain.getMultipleAccounts([recipient]))[0]!.lamports).toBe(1_000_000n);
  });

  const refusals: [string, () => Address, number, RegExp][] = [
    [
      'a missing table',
      () => randomAddress(),
      0,
      /^invalid transaction: Transaction loads an address table account that doesn't exist$/,
    ],
    [
      'a table not owned by the lookup-table program',
      () => {
        const t = randomAddress();
        table(t, [recipient], '11111111111111111111111111111111' as Address);
        return t;
      },
      0,
      /^invalid transaction: Transaction loads an address table account with an invalid owner$/,
    ],
    [
      'a table whose data is not a lookup table',
      () => {
        const t = randomAddress();
        table(t, [], ALT_PROGRAM, new Uint8Array(57));
        return t;
      },
      0,
      /^invalid transaction: Transaction loads an address table account with invalid data$/,
    ],
    [
      'an index past the table’s end',
      () => {
        const t = randomAddress();
        table(t, [recipient]);
        return t;
      },
      1,
      /^invalid transaction: Transaction address table lookup uses an invalid index$/,
    ],
    [
      'an entry added in the current slot',
      () => {
        const t = randomAddress();
        // Extended in this slot, from index 0: nothing is usable before the next slot.
        table(t, [recipient], ALT_PROGRAM, encodeLookupTable(null, [recipient], sandbox.ledger.currentSlot(), 0));
        return t;
      },
      0,
      /^invalid transaction: Transaction address table lookup uses an invalid index$/,
    ],
  ];

  for (const [what, make, index, message] of refusals) {
    it(`${what} is refused by sendTransaction and simulateTransaction (-32602), nothing lands`, async () => {
      const wire = transferVia(make(), index, 7_777n);
      for (const method of ['simulateTransaction', 'sendTransaction']) {
        const r = await rpc(method, [wire, { encoding: 'base64' }]);
        expect(r.error?.code, method).toBe(-32602);
        expect(r.error?.message, method).toMatch(message);
      }
      const skip = await rpc('sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }]);
      expect(skip.error?.message).toMatch(message);
    });
  }
});

describe('the signing policy judges what real tables resolve to', () => {
  let u: { id: number; address: Address };
  const stranger = randomAddress();
  const PLAN: LandingPlan = {
    priorityLevel: 'medium',
    customMicroLamports: 0n,
    maxPriorityFeeLamports: 1_000_000n,
    tipLamports: null,
  };

  beforeAll(async () => {
    u = await user('vera');
    await engine.execute('settings.set', { user: 'vera', key: 'breakerFailures', value: '100', confirm: true });
    await sandbox.fund(stranger, {
      lamports: LAMPORTS,
      tokens: [
        { mint: USDC.mint, amount: 1n },
        { mint: WETH.mint, amount: 1n },
      ],
    });
  });

  const build = (): Promise<JupiterBuild> =>
    new JupiterClient({ baseUrl: sandbox.swapApiUrl }).build({
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      amount: usdc(20),
      slippageBps: 50,
      taker: u.address,
    });

  const purposeOf = (b: JupiterBuild): SwapPurpose => ({
    kind: 'swap',
    inputMint: USDC.mint,
    inAmount: BigInt(b.inAmount),
    outputMint: WETH.mint,
    minOut: BigInt(b.otherAmountThreshold),
    inputTokenProgram: USDC.tokenProgram,
    outputTokenProgram: WETH.tokenProgram,
    landing: { maxPriorityFeeLamports: 1_000_000n, maxTipLamports: 0n },
  });

  const simulate = async (wire: Uint8Array, accounts: Address[]) => {
    const sim = await chain.simulateTransaction(wire, { accounts, sigVerify: false });
    return { err: sim.err, accounts: sim.accounts };
  };

  /** A lookup table the (hostile) swap API controls, really on the sandbox chain. */
  function hostileTable(entries: Address[]): Address {
    const t = randomAddress();
    const data = encodeLookupTable(stranger, entries, 0n, entries.length);
    sandbox.ledger.setAccount({ address: t, lamports: LAMPORTS, owner: ALT_PROGRAM, data, executable: false });
    return t;
  }

  function staticKeys(wire: Uint8Array): Address[] {
    const msg = getCompiledTransactionMessageDecoder().decode(getTransactionDecoder().decode(wire).messageBytes);
    return [...msg.staticAccounts];
  }

  /** A build whose output account (the wallet's WETH account) is loaded from a table the API controls. */
  async function outputLoadedFromATable() {
    const b = await build();
    const mine = await findAssociatedTokenAddress(u.address, WETH.mint as Address, WETH.tokenProgram!);
    const theirs = await findAssociatedTokenAddress(stranger, WETH.mint as Address, WETH.tokenProgram!);
    const t = hostileTable([mine]);
    const a = await assembleSwap(
      chain,
      { ...b, addressesByLookupTableAddress: { ...b.addressesByLookupTableAddress, [t]: [mine] } },
      u.address,
      PLAN,
    );
    return { b, mine, theirs, t, a };
  }

  /** The table's authority rewrites its one entry to `to`. */
  function pointTableAt(t: Address, to: Address): void {
    sandbox.ledger.setAccount({
      address: t,
      lamports: LAMPORTS,
      owner: ALT_PROGRAM,
      data: encodeLookupTable(stranger, [to], 0n, 1),
      executable: false,
    });
  }

  async function refused(wire: Uint8Array, b: JupiterBuild, reason: RegExp, sim = simulate): Promise<void> {
    const before = engine.signer.signedCount;
    await expect(engine.signer.sign(u.id, wire, purposeOf(b), 'test', { simulate: sim })).rejects.toThrow(reason);
    expect(engine.signer.signedCount).toBe(before);
  }

  it('the honest build with the market maker’s table is signed and lands', async () => {
    const b = await build();
    const a = await assembleSwap(chain, b, u.address, PLAN);
    const signed = await engine.signer.sign(u.id, a.wire, purposeOf(b), 'test', { simulate });
    const outcome = await chain.sendAndConfirm(signed, a.lastValidBlockHeight, { pollIntervalMs: 10 });
    expect(outcome.status).toBe('confirmed');
  });

  it('a drain of the wallet’s own token account to a stranger, both loaded from a table, is refused', async () => {
    const b = await build();
    const mine = await findAssociatedTokenAddress(u.address, USDC.mint as Address, USDC.tokenProgram!);
    const theirs = await findAssociatedTokenAddress(stranger, USDC.mint as Address, USDC.tokenProgram!);
    const t = hostileTable([theirs, mine]);
    const data = new Uint8Array(10);
    data[0] = 12; // TransferChecked
    new DataView(data.buffer).setBigUint64(1, usdc(5), true);
    data[9] = USDC.decimals;
    const drain: JupiterBuild['swapInstruction'] = {
      programId: USDC.tokenProgram!,
      accounts: [
        { pubkey: mine, isSigner: false, isWritable: true },
        { pubkey: USDC.mint, isSigner: false, isWritable: false },
        { pubkey: theirs, isSigner: false, isWritable: true },
        { pubkey: u.address, isSigner: true, isWritable: false },
      ],
      data: getBase64Decoder().decode(data),
    };
    const hostile: JupiterBuild = {
      ...b,
      otherInstructions: [...b.otherInstructions, drain],
      addressesByLookupTableAddress: { ...b.addressesByLookupTableAddress, [t]: [theirs, mine] },
    };
    const a = await assembleSwap(chain, hostile, u.address, PLAN);
    expect(staticKeys(a.wire)).not.toContain(theirs);
    await refused(a.wire, b, /losing 25 USDC, more than the order’s input of 20 USDC/);
  });

  it('a table rewritten after assembly (the output now resolves to a stranger’s account) is judged as it now resolves', async () => {
    const { b, mine, theirs, t, a } = await outputLoadedFromATable();
    expect(staticKeys(a.wire)).not.toContain(mine);
    // The table's authority swaps the entry between the quote and the signature.
    pointTableAt(t, theirs);
    await refused(a.wire, b, /simulat|less than the minimum output/);
  });

  it('a table the policy has read before, rewritten since: judged as it now resolves, not as remembered', async () => {
    const { b, mine, theirs, t, a } = await outputLoadedFromATable();
    // The policy reads (and remembers) the honest table: the preview is clean.
    const preview = await engine.signer.previewSwap(u.id, a.wire, simulate);
    expect(preview.err).toBeNull();
    pointTableAt(t, theirs);
    // The baseline and the swap start over the remembered accounts, the baseline reading the table afresh; it
    // resolves differently now, so the table is read alone and the pair runs again over what it now says.
    const asked: Address[][] = [];
    const recording = (wire: Uint8Array, accounts: Address[]) => {
      asked.push(accounts);
      return simulate(wire, accounts);
    };
    await refused(a.wire, b, /simulat|less than the minimum output/, recording);
    expect(asked.some((acc) => acc.includes(mine))).toBe(true);
    expect(asked.some((acc) => acc.includes(theirs))).toBe(true);
  });

  it('a program id reachable only through a real table is refused before any simulation', async () => {
    const b = await build();
    const a = await assembleSwap(chain, b, u.address, PLAN);
    const rogue = randomAddress();
    const t = hostileTable([rogue]);
    const tx = getTransactionDecoder().decode(a.wire);
    const msg = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    if (msg.version !== 0) throw new Error('expected v0');
    const loadedCount = (msg.addressTableLookups ?? []).reduce(
      (n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length,
      0,
    );
    // The swap instruction names its program by index into the loaded addresses: the rogue table's entry.
    const last = msg.instructions.length - 1;
    const instructions = msg.instructions.map((ix, i) =>
      i === last ? { ...ix, programAddressIndex: msg.staticAccounts.length + loadedCount } : ix,
    );
    const messageBytes = getCompiledTransactionMessageEncoder().encode({
      ...msg,
      instructions,
      addressTableLookups: [
        ...(msg.addressTableLookups ?? []),
        { lookupTableAddress: t, writableIndexes: [], readonlyIndexes: [0] },
      ],
    }) as unknown as Transaction['messageBytes'];
    const wire = new Uint8Array(getTransactionEncoder().encode({ messageBytes, signatures: tx.signatures }));
    await refused(wire, b, /names a program outside the static account keys/);
  });

  it('a build naming a table that is not one on chain is refused before anything is signed', async () => {
    const b = await build();
    const fake = randomAddress();
    await expect(
      assembleSwap(chain, { ...b, addressesByLookupTableAddress: { [fake]: [USDC.mint] } }, u.address, PLAN),
    ).rejects.toThrow(/is not an address lookup table/);
  });
});
