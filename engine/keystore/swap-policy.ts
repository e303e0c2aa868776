import { type Address, type Transaction } from '@solana/kit';
import { AccountState, getTokenDecoder } from '@solana-program/token';
import { unitLimitOffset } from '../chain/compute-budget-layout';
import { lookupTableEntry, lookupTableLength, LOOKUP_TABLE_META_SIZE } from '../chain/lookup-table-layout';
import { isJitoTipAccount } from '../chain/programs';
import { HarvestError } from '../kernel/errors';
import { NATIVE_SOL } from '../market/tokens';
import {
  ADDRESS_LOOKUP_TABLE_PROGRAM,
  COMPUTE_BUDGET_PROGRAM,
  JUPITER_V6_PROGRAM,
  SYSTEM_PROGRAM,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
  type DecodedInstruction,
} from './instructions';
import { describeAmount, outflowAsset, type OutflowAsset } from './outflow';
import { messageDecoder, messageEncoder, transactionDecoder, transactionEncoder } from '../chain/wire-codecs';

/**
 * The signing policy for swaps (issue #4, item 3). A swap transaction comes
 * from a swap API the engine does not control, so it is judged by what it
 * DOES, not by what it says: a simulation of the exact bytes must show the
 * wallet giving up at most the order's input and receiving at least the
 * order's minimum output, and nothing else of the wallet's going anywhere.
 */

/** What a swap is for: the order as the engine (not the swap API) understands it. */
export interface SwapPurpose {
  kind: 'swap';
  /** 'SOL' for native SOL (the wrapped-SOL mint is read as 'SOL' too), else the mint. */
  inputMint: Address | 'SOL';
  /** Base units of the input the order spends (ExactIn). */
  inAmount: bigint;
  outputMint: Address | 'SOL';
  /** The quote's minimum output (otherAmountThreshold), base units. */
  minOut: bigint;
  /** Token or Token-2022 for an SPL input; null for SOL. */
  inputTokenProgram: Address | null;
  outputTokenProgram: Address | null;
  /**
   * Landing control (issue #14): the most the priority fee (compute-unit price × limit) may cost,
   * and the most one Jito tip may be (0 = no tip allowed). Absent: no tip, and only the keystore's
   * overall fee limit.
   */
  landing?: { maxPriorityFeeLamports: bigint; maxTipLamports: bigint };
}

/** An account's state as a simulation reports it. */
export interface SimulatedAccount {
  lamports: bigint;
  owner: Address;
  data: Uint8Array;
}

export interface SimulationOutcome {
  /** null (or undefined) when the transaction succeeded. */
  err: unknown;
  /** State AFTER the simulated transaction of each requested account, in the order asked; null = does not exist. */
  accounts: (SimulatedAccount | null)[];
  /** Compute units the transaction consumed, when the simulator reports them. */
  unitsConsumed?: bigint | null;
}

/**
 * Simulates a wire transaction without verifying signatures and reports the
 * given accounts' post-state, e.g. ChainClient.simulateTransaction(wire,
 * {accounts, sigVerify: false}) (see simulatorFor). Accounts that the
 * transaction does not load are reported as they are now.
 */
export type SimulateTransaction = (wire: Uint8Array, accounts: Address[]) => Promise<SimulationOutcome>;

/** The part of a ChainClient a simulator needs. */
export interface SimulatingChain {
  simulateTransaction(
    wire: Uint8Array,
    opts: { accounts: readonly Address[]; sigVerify: boolean },
  ): Promise<{
    err: unknown;
    accounts: ({ lamports: bigint; owner: Address; data: Uint8Array } | null)[];
    unitsConsumed?: bigint | null;
  }>;
}

/** The simulate capability the signer wants, backed by a chain client. */
export function simulatorFor(chain: SimulatingChain): SimulateTransaction {
  return async (wire, accounts) => {
    const r = await chain.simulateTransaction(wire, { accounts, sigVerify: false });
    return {
      err: r.err,
      accounts: r.accounts.map((a) => (a ? { lamports: a.lamports, owner: a.owner, data: a.data } : null)),
      unitsConsumed: r.unitsConsumed ?? null,
    };
  };
}

export function refusal(reason: string): HarvestError {
  return new HarvestError('REFUSED', `Signing refused: ${reason}`);
}

const UNTRUSTED = 'The swap API may be faulty or malicious; nothing was signed.';

/** The pieces of the decoded transaction the swap policy reads (see signer.ts decodeTransaction). */
export interface SwapTxView {
  feePayer: Address;
  fee: bigint;
  staticAccounts: Address[];
  writableStatic: Address[];
  lookups: { table: Address; writableIndexes: number[]; readonlyIndexes: number[] }[];
  instructions: DecodedInstruction[];
}

// ---------------------------------------------------------------------------
// Static checks: the order itself, and which instructions a swap may contain.

/** Refuses an order that makes no sense as a swap, before anything is simulated. */
export function checkSwapPurpose(purpose: SwapPurpose): { input: OutflowAsset; output: OutflowAsset } {
  const input = outflowAsset(purpose.inputMint);
  const output = outflowAsset(purpose.outputMint);
  if (purpose.inAmount <= 0n) throw refusal('a swap must spend a positive input amount.');
  if (purpose.minOut <= 0n)
    throw refusal('a swap must name a positive minimum output (the quote’s otherAmountThreshold).');
  if (input === output) throw refusal('a swap must change one asset into another; input and output are the same.');
  for (const [asset, program, side] of [
    [input, purpose.inputTokenProgram, 'input'],
    [output, purpose.outputTokenProgram, 'output'],
  ] as const) {
    if (asset === NATIVE_SOL && program !== null) throw refusal(`the ${side} is SOL, which has no token program.`);
    if (asset !== NATIVE_SOL && program !== TOKEN_PROGRAM && program !== TOKEN_2022_PROGRAM) {
      throw refusal(`the ${side} token ${asset} needs its token program (Token or Token-2022).`);
    }
  }
  return { input, output };
}

/**
 * Top-level instructions a swap may contain: compute budget, memo, creating
 * token accounts, wrapping / unwrapping SOL and moving tokens (all of which the
 * simulation then judges), and Jupiter. Anything else of an allowed program is
 * refused outright: a durable-nonce advance (a signature that never expires),
 * Assign / Allocate of the wallet, Approve / SetAuthority / Burn of its tokens
 * are never part of a swap.
 */
export function checkSwapInstructions(instructions: DecodedInstruction[]): void {
  for (const ix of instructions) {
    switch (ix.kind) {
      case 'computeBudget.limit':
      case 'computeBudget.price':
      case 'memo':
      case 'ata.create':
      case 'system.transfer':
      case 'token.transfer':
      case 'token.transferChecked':
      case 'token.closeAccount':
      case 'token.syncNative':
        continue;
      case 'unknown':
        if (ix.program === JUPITER_V6_PROGRAM || ix.program === COMPUTE_BUDGET_PROGRAM) continue;
        throw refusal(`it contains an instruction of ${programName(ix.program)} that a swap never needs. ${UNTRUSTED}`);
    }
  }
}

/**
 * The landing costs a swap may carry: at most one SOL transfer from the wallet to a known Jito tip
 * account, no larger than the order's tip, and a priority fee within the friend's cap. Returns the
 * tip (which the effects check then allows the wallet to lose, like the fee). A transfer to any
 * other account is not a tip: the simulation judges it as a loss.
 */
export function checkSwapLanding(tx: SwapTxView, purpose: SwapPurpose, wallet: Address, signatures: number): bigint {
  const maxTip = purpose.landing?.maxTipLamports ?? 0n;
  const tips = tx.instructions.filter(
    (ix): ix is Extract<DecodedInstruction, { kind: 'system.transfer' }> =>
      ix.kind === 'system.transfer' && isJitoTipAccount(ix.to),
  );
  if (tips.length > 1) throw refusal(`it pays ${tips.length} Jito tips; a swap pays at most one. ${UNTRUSTED}`);
  const tip = tips[0];
  if (tip) {
    if (tip.from !== wallet) throw refusal(`its Jito tip is paid from ${tip.from}, not the wallet. ${UNTRUSTED}`);
    if (maxTip === 0n)
      throw refusal(
        `it pays a Jito tip of ${describeAmount(NATIVE_SOL, tip.lamports)}, but MEV protection is off for this friend. ${UNTRUSTED}`,
      );
    if (tip.lamports > maxTip) {
      throw refusal(
        `its Jito tip of ${describeAmount(NATIVE_SOL, tip.lamports)} is above this friend’s tip of ${describeAmount(NATIVE_SOL, maxTip)}. ${UNTRUSTED}`,
      );
    }
  }
  const cap = purpose.landing?.maxPriorityFeeLamports;
  const priority = tx.fee - BigInt(signatures) * 5000n;
  if (cap !== undefined && priority > cap) {
    throw refusal(
      `its priority fee of ${describeAmount(NATIVE_SOL, priority)} is above this friend’s cap of ${describeAmount(NATIVE_SOL, cap)}.`,
    );
  }
  return tip?.lamports ?? 0n;
}

function programName(program: Address): string {
  if (program === SYSTEM_PROGRAM) return 'the System program (e.g. a nonce advance or an account reassignment)';
  if (program === TOKEN_PROGRAM || program === TOKEN_2022_PROGRAM)
    return 'the Token program (e.g. an approval or an authority change)';
  return program;
}

// ---------------------------------------------------------------------------
// Effects: what a simulation of the exact transaction does to the wallet.

/** The wallet's holdings among a set of accounts, as the policy counts them. */
interface Holdings {
  /**
   * Lamports the wallet controls: the wallet account itself plus every token
   * account it owns that it can close to get the lamports back (initialized,
   * close authority none or the wallet). For a wrapped-SOL account these
   * lamports include the wrapped amount, so SOL and wrapped SOL are one asset.
   */
  sol: bigint;
  /** Amount per mint held in the wallet's usable (not frozen), non-native token accounts. */
  tokens: Map<Address, bigint>;
  /** The wallet's token accounts among the accounts read, by address. */
  accounts: Map<Address, WalletTokenAccount>;
}

interface WalletTokenAccount {
  program: Address;
  mint: Address;
  amount: bigint;
  native: boolean;
  usable: boolean;
  recoverable: boolean;
  delegate: Address | null;
  delegatedAmount: bigint;
}

const TOKEN_ACCOUNT_LEN = 165;
/** A Token-2022 multisig has this length; a token account with extensions never does. */
const MULTISIG_LEN = 355;
const TOKEN_2022_ACCOUNT_TYPE_ACCOUNT = 2;
const tokenDecoder = getTokenDecoder();

/** The account as a token account owned by `wallet`, or null if it is anything else. */
function walletTokenAccount(acc: SimulatedAccount | null, wallet: Address): WalletTokenAccount | null {
  if (!acc) return null;
  const d = acc.data;
  if (acc.owner === TOKEN_PROGRAM) {
    if (d.length !== TOKEN_ACCOUNT_LEN) return null;
  } else if (acc.owner === TOKEN_2022_PROGRAM) {
    const plain = d.length === TOKEN_ACCOUNT_LEN;
    const extended =
      d.length > TOKEN_ACCOUNT_LEN &&
      d.length !== MULTISIG_LEN &&
      d[TOKEN_ACCOUNT_LEN] === TOKEN_2022_ACCOUNT_TYPE_ACCOUNT;
    if (!plain && !extended) return null;
  } else {
    return null;
  }
  const t = tokenDecoder.decode(d.subarray(0, TOKEN_ACCOUNT_LEN));
  if (t.owner !== wallet || t.state === AccountState.Uninitialized) return null;
  const closeAuthority = t.closeAuthority.__option === 'Some' ? t.closeAuthority.value : null;
  return {
    program: acc.owner,
    mint: t.mint,
    amount: t.amount,
    native: t.isNative.__option === 'Some',
    usable: t.state === AccountState.Initialized,
    recoverable: closeAuthority === null || closeAuthority === wallet,
    delegate: t.delegate.__option === 'Some' ? t.delegate.value : null,
    delegatedAmount: t.delegatedAmount,
  };
}

function holdingsOf(wallet: Address, addresses: Address[], accounts: (SimulatedAccount | null)[]): Holdings {
  const h: Holdings = { sol: 0n, tokens: new Map(), accounts: new Map() };
  addresses.forEach((address, i) => {
    const acc = accounts[i] ?? null;
    if (address === wallet) {
      h.sol += acc?.lamports ?? 0n;
      return;
    }
    const t = walletTokenAccount(acc, wallet);
    if (!t || !acc) return;
    h.accounts.set(address, t);
    if (t.usable && t.recoverable) h.sol += acc.lamports;
    if (!t.native && t.usable) h.tokens.set(t.mint, (h.tokens.get(t.mint) ?? 0n) + t.amount);
  });
  return h;
}

export interface SwapEffects {
  /** Change of the wallet's SOL (see Holdings.sol), EXCLUDING the transaction fee. */
  sol: bigint;
  /** Change per mint of the wallet's token holdings. */
  tokens: Map<Address, bigint>;
  /** The accounts read before and after. */
  accounts: Address[];
}

/**
 * Simulates the exact transaction and refuses unless the wallet gives up at
 * most the order's input and receives at least its minimum output, and
 * nothing else of the wallet's decreases.
 *
 * How pre- and post-state are read. A node's simulateTransaction reports the
 * requested accounts AFTER the transaction, and may only be asked about as
 * many accounts as the transaction loads. So the signer simulates twice, in
 * parallel, asking about the same accounts:
 *   - the BASELINE: the same message (same header, static keys, lookup
 *     tables, blockhash and compute-budget instructions, hence the same fee)
 *     with every other instruction removed: the state before the swap, less
 *     the fee;
 *   - the SWAP: the exact bytes to be signed: the state after, less the fee.
 * Post(swap) − post(baseline) is then exactly what the swap's instructions do
 * to the wallet, the fee cancelling out whether or not the node deducts it in
 * simulations (the fee itself is bounded separately: MAX_FEE_LAMPORTS).
 *
 * Which accounts. Only writable accounts can change, so the accounts read are
 * the wallet and every writable account of the transaction: the static keys'
 * writable section and the writable entries loaded from address lookup tables
 * (read from the tables themselves with one more baseline simulation). A swap
 * instruction's accounts may come from lookup tables, and a malicious table
 * could name another of the wallet's token accounts; reading every writable
 * account, not only static ones, is what catches that. The wallet's token
 * accounts are recognised from their data (owner field = the wallet) in the
 * pre- or post-state, so accounts the swap creates or closes count too.
 *
 * The SOL bound, precisely. Let V = the wallet account's lamports + the
 * lamports of every token account of the wallet's that it can get back by
 * closing it (initialized, close authority none or the wallet), among the
 * accounts read. Then with ΔV = V(after) − V(before), fee excluded:
 *   - SOL input:  −ΔV ≤ inAmount. Equivalently the wallet account's own
 *     lamports may drop by at most inAmount + the fee + the rent of token
 *     accounts the transaction creates for the wallet (and any wrapped SOL
 *     left in them), because that rent is still the wallet's (it comes back
 *     when the account is closed). Rent paid for anyone else's account, or
 *     for a token account whose close authority is someone else, is a loss.
 *   - SOL output: ΔV ≥ minOut (received SOL or wrapped SOL, net of the fee).
 *   - neither:    ΔV ≥ 0 (only the fee leaves).
 * Tokens: per mint, the sum over the wallet's usable token accounts read:
 *   - input mint: it decreases by at most inAmount;
 *   - output mint: it increases by at least minOut;
 *   - any other mint: it does not decrease.
 * Also refused: the wallet account handed to another program or given data
 * (System Assign / Allocate), and a token account of the wallet's gaining a
 * delegate or a larger delegated amount (another key could spend it later).
 *
 * What this cannot see: state changes between the simulation and the moment
 * the transaction lands (the blockhash bounds how long that is), and changes
 * no simulation shows. The program allow-list (static keys only) and the
 * instruction shape checks are what keep those to the allowed programs.
 */
export async function checkSwapEffects(
  wire: Uint8Array,
  tx: SwapTxView,
  purpose: SwapPurpose,
  wallet: Address,
  simulate: SimulateTransaction | undefined,
  /** The verified Jito tip (checkSwapLanding): SOL the wallet may lose besides the fee, like the fee. */
  tip = 0n,
  /** An earlier simulation of (almost) these bytes (see SwapSimulation): used only if it passes takeSimulation. */
  simulation?: SwapSimulation,
): Promise<SwapEffects> {
  if (!simulate) {
    throw refusal(
      'a swap is signed only after a simulation shows what it does, and no simulator was given. Nothing was signed.',
    );
  }
  const { input, output } = checkSwapPurpose(purpose);
  const { accounts, before, after } =
    takeSimulation(simulation, wire, wallet) ?? (await simulateSwapState(wire, tx, wallet, simulate));
  if (!ok(before))
    throw refusal(
      `the wallet’s balances before the swap could not be read (simulation error: ${describeErr(before.err)}). Nothing was signed.`,
    );
  if (!ok(after))
    throw refusal(
      `the simulation of the swap failed (${describeErr(after.err)}), so it would not do what was ordered. Nothing was signed.`,
    );
  for (const r of [before, after]) {
    if (r.accounts.length !== accounts.length) {
      throw refusal(
        `the simulator returned ${r.accounts.length} accounts for the ${accounts.length} asked. Nothing was signed.`,
      );
    }
  }

  // The wallet account must stay a plain System account the wallet's key controls.
  const walletAfter = after.accounts[0] ?? null;
  if (walletAfter && (walletAfter.owner !== SYSTEM_PROGRAM || walletAfter.data.length !== 0)) {
    throw refusal(`the swap would hand the wallet account to ${walletAfter.owner} or give it data. ${UNTRUSTED}`);
  }

  const pre = holdingsOf(wallet, accounts, before.accounts);
  const post = holdingsOf(wallet, accounts, after.accounts);

  for (const [address, t] of post.accounts) {
    if (t.delegate === null || t.delegate === wallet || t.delegatedAmount === 0n) continue;
    const was = pre.accounts.get(address);
    if (!was || was.delegate !== t.delegate || was.delegatedAmount < t.delegatedAmount) {
      throw refusal(
        `the swap would let ${t.delegate} spend ${describeAmount(outflowAsset(t.mint), t.delegatedAmount)} from the wallet’s token account ${address}. ${UNTRUSTED}`,
      );
    }
  }
  for (const [side, asset, program] of [
    ['input', input, purpose.inputTokenProgram],
    ['output', output, purpose.outputTokenProgram],
  ] as const) {
    if (asset === NATIVE_SOL) continue;
    for (const [address, t] of [...pre.accounts, ...post.accounts]) {
      if (t.mint === asset && t.program !== program) {
        throw refusal(
          `the ${side} token account ${address} belongs to ${t.program}, not the order’s token program ${program}. ${UNTRUSTED}`,
        );
      }
    }
  }

  // The tip is a landing cost like the fee: it is set apart before the order's bounds are applied.
  const sol = post.sol - pre.sol + tip;
  if (input === NATIVE_SOL) {
    if (-sol > purpose.inAmount) {
      throw refusal(
        `the simulation shows the wallet losing ${describeAmount(NATIVE_SOL, -sol)} besides the ${describeAmount(NATIVE_SOL, tx.fee)} fee, ` +
          `more than the order’s input of ${describeAmount(NATIVE_SOL, purpose.inAmount)}. ${UNTRUSTED}`,
      );
    }
  } else if (output === NATIVE_SOL) {
    if (sol < purpose.minOut) {
      throw refusal(
        `the simulation shows the wallet receiving ${describeAmount(NATIVE_SOL, sol)} net of the fee, less than the minimum output of ${describeAmount(NATIVE_SOL, purpose.minOut)}. ${UNTRUSTED}`,
      );
    }
  } else if (sol < 0n) {
    throw refusal(
      `the simulation shows the wallet losing ${describeAmount(NATIVE_SOL, -sol)} besides the ${describeAmount(NATIVE_SOL, tx.fee)} fee, though SOL is not what this swap sells. ${UNTRUSTED}`,
    );
  }

  const tokens = new Map<Address, bigint>();
  for (const mint of new Set([
    ...pre.tokens.keys(),
    ...post.tokens.keys(),
    ...(input !== NATIVE_SOL ? [input] : []),
    ...(output !== NATIVE_SOL ? [output] : []),
  ])) {
    tokens.set(mint, (post.tokens.get(mint) ?? 0n) - (pre.tokens.get(mint) ?? 0n));
  }
  for (const [mint, delta] of tokens) {
    if (mint === input) {
      if (-delta > purpose.inAmount) {
        throw refusal(
          `the simulation shows the wallet losing ${describeAmount(mint, -delta)}, more than the order’s input of ${describeAmount(mint, purpose.inAmount)}. ${UNTRUSTED}`,
        );
      }
    } else if (mint === output) {
      if (delta < purpose.minOut) {
        throw refusal(
          `the simulation shows the wallet receiving ${describeAmount(mint, delta)}, less than the minimum output of ${describeAmount(mint, purpose.minOut)}. ${UNTRUSTED}`,
        );
      }
    } else if (delta < 0n) {
      throw refusal(
        `the simulation shows the wallet losing ${describeAmount(mint, -delta)}, a token this swap does not trade. ${UNTRUSTED}`,
      );
    }
  }
  return { sol, tokens, accounts };
}

function ok(r: SimulationOutcome): boolean {
  return r.err === null || r.err === undefined;
}

function describeErr(err: unknown): string {
  try {
    return typeof err === 'string'
      ? err
      : JSON.stringify(err, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(err);
  }
}

async function runSimulation(
  simulate: SimulateTransaction,
  wire: Uint8Array,
  accounts: Address[],
  what: string,
): Promise<SimulationOutcome> {
  try {
    return await simulate(wire, accounts);
  } catch (e) {
    // No RPC endpoint answered: not a judgement on the transaction; the caller may retry. Nothing is signed.
    if (e instanceof HarvestError && e.code === 'RPC_UNAVAILABLE') throw e;
    throw refusal(`${what} could not be simulated (${(e as Error).message}). Nothing was signed.`);
  }
}

/** What the policy reads to judge a swap: the accounts asked about, their state without and with the swap. */
interface SwapState {
  accounts: Address[];
  before: SimulationOutcome;
  after: SimulationOutcome;
}

/**
 * The baseline and swap simulations of checkSwapEffects (see there for why two, and which accounts).
 *
 * A v0 swap names accounts by lookup-table index, so the policy needs the
 * tables (read through the same simulator, on the baseline) to know which
 * writable accounts to ask about. Read first, that is a second round of
 * simulations on every swap. Instead, when every table was read before, the
 * baseline also asks for the tables and both simulations ask for the accounts
 * the last reading of those tables resolves to; that guess is used only when
 * the tables, as this baseline reads them, resolve to exactly the same
 * accounts (an append-only table does). Otherwise the tables are read on
 * their own and the pair runs over what they say. So nothing is judged on the
 * remembered tables: they only decide whether one round is enough.
 */
async function simulateSwapState(
  wire: Uint8Array,
  tx: SwapTxView,
  wallet: Address,
  simulate: SimulateTransaction,
): Promise<SwapState> {
  const baseline = baselineOf(wire);
  const accountsWith = (loaded: Address[]): Address[] => [
    ...new Set<Address>([wallet, ...tx.writableStatic, ...loaded]),
  ];
  const guess = tx.lookups.length > 0 ? rememberedLoadedWritable(tx) : null;
  if (tx.lookups.length === 0 || guess) {
    const accounts = accountsWith(guess ?? []);
    const tables = tx.lookups.map((l) => l.table);
    const [withTables, after] = await Promise.all([
      runSimulation(simulate, baseline, [...accounts, ...tables], 'the wallet’s balances before the swap'),
      runSimulation(simulate, wire, accounts, 'the swap'),
    ]);
    const before = { ...withTables, accounts: withTables.accounts.slice(0, accounts.length) };
    if (!guess) return { accounts, before, after };
    const read = ok(withTables) && withTables.accounts.length === accounts.length + tables.length;
    const loaded = read ? tryLoadedWritable(tx, withTables.accounts.slice(accounts.length)) : null;
    if (loaded && sameAddresses(guess, loaded)) return { accounts, before, after };
  }
  const loaded = await loadedWritableAccounts(tx, baseline, simulate);
  const accounts = accountsWith(loaded);
  const [before, after] = await Promise.all([
    runSimulation(simulate, baseline, accounts, 'the wallet’s balances before the swap'),
    runSimulation(simulate, wire, accounts, 'the swap'),
  ]);
  return { accounts, before, after };
}

/**
 * The entries of the lookup tables the policy read last (a hint for simulateSwapState, never judged on),
 * at most REMEMBERED_TABLES of them, the oldest forgotten first.
 */
const rememberedTables = new Map<Address, Uint8Array>();
const REMEMBERED_TABLES = 256;

function rememberTable(table: Address, data: Uint8Array): void {
  rememberedTables.delete(table);
  rememberedTables.set(table, data);
  if (rememberedTables.size > REMEMBERED_TABLES) rememberedTables.delete(rememberedTables.keys().next().value!);
}

/** The writable accounts `tx` loads as the remembered tables resolve them; null when a table or an index is unknown. */
function rememberedLoadedWritable(tx: SwapTxView): Address[] | null {
  const out: Address[] = [];
  for (const lookup of tx.lookups) {
    const data = rememberedTables.get(lookup.table);
    if (!data) return null;
    for (const index of lookup.writableIndexes) {
      if (index >= lookupTableLength(data)) return null;
      out.push(lookupTableEntry(data, index));
    }
  }
  return out;
}

function sameAddresses(a: readonly Address[], b: readonly Address[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// ---------------------------------------------------------------------------
// One simulation for two purposes (issue 13, point 6).
//
// The engine simulates the assembled swap once to learn its compute units, then
// sets the compute-unit limit from them. That simulation is made by the policy's
// own reader (simulateSwapState: baseline and swap, the accounts the policy
// asks about), and the signer may judge the final bytes on it instead of
// simulating again, but only when the message to be signed is byte-identical to
// the simulated one except for the four bytes of the SetComputeUnitLimit value
// (same instructions, accounts, lookup tables, blockhash, compute-unit price).
// Anything else changed, and the policy simulates the exact bytes again.
//
// Why that is as strong as simulating the exact bytes:
//   - The effects judged are post(swap) − post(baseline) of the SIMULATED pair,
//     which share their compute budget, so the fee still cancels. The fee of the
//     bytes actually signed (price × the new limit) is checked from those bytes,
//     as always: MAX_FEE_LAMPORTS and the friend's priority-fee cap.
//   - A lower limit can make the transaction run out of compute units: it then
//     fails and moves nothing but the (bounded) fee.
//   - A program could read the limit (instructions sysvar, remaining compute
//     units) or the fee payer's balance (lower by the fee) and act differently.
//     That is the same kind of state as the slot, the clock or any account that
//     changes between a simulation and landing, which no simulation of the exact
//     bytes rules out either ("What this cannot see", checkSwapEffects); the
//     program allow-list and instruction checks bound it as before.
//   - The signature does not take part: every policy simulation runs with
//     sigVerify off on the unsigned bytes, before and now.
//   - The simulation's results never leave the keystore: the caller holds an
//     opaque handle, so it cannot hand in state of its own making (it already
//     supplies the simulate capability, so it is trusted no more than before).
//     A handle is good for one signature, and only as long as the blockhash it
//     names (the same bytes) lets the transaction land.

/** An earlier simulation of a swap, held by the keystore; the caller only passes it back to sign(). */
export interface SwapSimulation {
  /** The swap's compute units in that simulation (null: the simulator did not say, or it failed). */
  readonly unitsConsumed: bigint | null;
  /** The simulation's error (null: both the baseline and the swap ran). */
  readonly err: unknown;
}

const simulations = new WeakMap<SwapSimulation, { message: Uint8Array; wallet: Address; state: SwapState }>();

/** Simulates a swap the way the policy does and keeps the result for sign() (see the note above). */
export async function previewSwap(
  wire: Uint8Array,
  tx: SwapTxView,
  wallet: Address,
  simulate: SimulateTransaction,
): Promise<SwapSimulation> {
  const state = await simulateSwapState(wire, tx, wallet, simulate);
  const err = !ok(state.before) ? state.before.err : !ok(state.after) ? state.after.err : null;
  const handle: SwapSimulation = Object.freeze({
    unitsConsumed: err === null ? (state.after.unitsConsumed ?? null) : null,
    err,
  });
  if (err === null) simulations.set(handle, { message: messageBytesOf(wire), wallet, state });
  return handle;
}

/** The kept state of `simulation`, once, if `wire` differs from what it simulated only in its unit limit. */
function takeSimulation(simulation: SwapSimulation | undefined, wire: Uint8Array, wallet: Address): SwapState | null {
  const kept = simulation ? simulations.get(simulation) : undefined;
  if (!simulation || !kept) return null;
  simulations.delete(simulation);
  if (kept.wallet !== wallet) return null;
  return sameExceptUnitLimit(kept.message, messageBytesOf(wire)) ? kept.state : null;
}

function messageBytesOf(wire: Uint8Array): Uint8Array {
  return new Uint8Array(transactionDecoder.decode(wire).messageBytes);
}

/**
 * True when two compiled messages have the same length and the same bytes
 * everywhere except the u32 of their one SetComputeUnitLimit instruction.
 * The instruction is found by walking `b`'s own wire layout (the bytes before
 * it are identical in `a`, so it sits at the same place there); a message with
 * no such instruction, or more than one, never matches.
 */
export function sameExceptUnitLimit(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const at = unitLimitOffset(b);
  if (at === null) return false;
  for (let i = 0; i < b.length; i++) if ((i < at || i >= at + 4) && a[i] !== b[i]) return false;
  return true;
}

/**
 * The same message with only its compute-budget instructions: same accounts,
 * lookup tables, blockhash and fee, and no effect but the fee. Simulating it
 * reads the state before the swap through the same capability.
 */
export function baselineOf(wire: Uint8Array): Uint8Array {
  const tx = transactionDecoder.decode(wire);
  const message = messageDecoder.decode(tx.messageBytes);
  if (message.version === 1) throw refusal('version 1 transactions are not supported');
  const keys = message.staticAccounts;
  const stripped = {
    ...message,
    instructions: message.instructions.filter((ix) => keys[ix.programAddressIndex] === COMPUTE_BUDGET_PROGRAM),
  };
  const messageBytes = messageEncoder.encode(stripped) as unknown as Transaction['messageBytes'];
  return new Uint8Array(transactionEncoder.encode({ messageBytes, signatures: tx.signatures }));
}

/** The writable accounts a v0 transaction loads from its lookup tables, read from the tables' current state. */
async function loadedWritableAccounts(
  tx: SwapTxView,
  baseline: Uint8Array,
  simulate: SimulateTransaction,
): Promise<Address[]> {
  const tables = tx.lookups.map((l) => l.table);
  const r = await runSimulation(simulate, baseline, tables, 'the address lookup tables');
  if (!ok(r) || r.accounts.length !== tables.length) {
    throw refusal(
      `the transaction’s address lookup tables could not be read (${describeErr(r.err)}). Nothing was signed.`,
    );
  }
  return resolveLoadedWritable(tx, r.accounts);
}

/** The writable accounts `tx` loads, given its tables' accounts in lookup order; refuses what is not a table. */
function resolveLoadedWritable(tx: SwapTxView, tables: readonly (SimulatedAccount | null)[]): Address[] {
  const out: Address[] = [];
  tx.lookups.forEach((lookup, i) => {
    const acc = tables[i];
    if (!acc || acc.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM || acc.data.length < LOOKUP_TABLE_META_SIZE) {
      rememberedTables.delete(lookup.table);
      throw refusal(`${lookup.table} is not an address lookup table. ${UNTRUSTED}`);
    }
    rememberTable(lookup.table, acc.data.slice());
    const count = lookupTableLength(acc.data);
    for (const index of lookup.writableIndexes) {
      if (index >= count)
        throw refusal(`it loads entry ${index} of lookup table ${lookup.table}, which has ${count}. ${UNTRUSTED}`);
      out.push(lookupTableEntry(acc.data, index));
    }
  });
  return out;
}

/** resolveLoadedWritable, or null where it would refuse (the caller then reads the tables on their own). */
function tryLoadedWritable(tx: SwapTxView, tables: readonly (SimulatedAccount | null)[]): Address[] | null {
  try {
    return resolveLoadedWritable(tx, tables);
  } catch {
    return null;
  }
}
