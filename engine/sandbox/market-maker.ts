import { createHash } from 'node:crypto';
import {
  address as toAddress,
  createNoopSigner,
  getBase58Encoder,
  getAddressEncoder,
  getBase64Decoder,
  getProgramDerivedAddress,
  isAddress,
  type Address,
  type Instruction,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import { getAddMemoInstruction, MEMO_PROGRAM_ADDRESS } from '@solana-program/memo';
import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import {
  getApproveInstruction,
  getCloseAccountInstruction,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeAccount3Instruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import { FailedTransactionMetadata } from 'litesvm';
import {
  ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS,
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  JITO_TIP_ACCOUNTS,
  SYSTEM_PROGRAM_ADDRESS,
  TOKEN_PROGRAM_ADDRESS,
} from '../chain/programs';
import { decodeLookupTableAddresses, encodeLookupTable } from './lookup-tables';
import { apiInstruction, type ApiInstruction } from './api-instruction';
import { silentLogger, type Logger } from '../kernel/logger';
import { describeTransactionError, transactionErrorJson } from './errors';
import { SandboxFaucet } from './faucet';
import { parseTokenAccount, type LandedTransaction, type SandboxLedger } from './ledger';
import { PlayKey } from './play-keys';
import type { PriceReplay } from './price-replay';
import {
  NATIVE_MINT,
  SANDBOX_TOKENS,
  associatedTokenAddress,
  tokenByMint,
  tokenBySymbol,
  type SandboxToken,
} from './tokens';
import { compile, memoWorks, sendAs, signWith, toWire } from './tx-build';
import { decodeMint, type MintFacts } from '../tokens/mint-layout';
import { TOKEN_2022_PROGRAM } from './token-programs';
import { grossForNet, harvestWithheldInstruction, netOfFee, tokenAccountSize } from './token-2022-fees';

/**
 * The sandbox market maker: the liquidity behind the Jupiter-compatible swap
 * API. It quotes at the replayed price with a fee and a size-dependent price
 * impact, and settles each swap in ONE real transaction: the user pays the
 * input to the market maker and the market maker releases the output to the
 * user.
 *
 * No custom on-chain program is available, so the minimum output is enforced
 * with a per-swap ESCROW instead of a program check:
 *
 * 1. buildSwap moves exactly outAmount of the output token out of inventory
 *    into a fresh escrow account the market maker controls (a real,
 *    MM-signed transaction), and returns a v0 transaction, fee payer the
 *    user, partially signed by the market maker, that moves outAmount out of
 *    that escrow to the user.
 * 2. The ledger calls the market maker (beforeExecution) right before any
 *    transaction touching a live escrow is simulated or executed. It re-marks
 *    the quote at the current price; if the fair output now is below the
 *    quote's otherAmountThreshold, it pulls the escrow back to inventory with
 *    a real transaction, so the user's swap fails ON CHAIN (Token
 *    InsufficientFunds, or System ResultWithNegativeLamports for native SOL)
 *    and moves nothing. With preflight the user's swap is refused and never
 *    lands; with skipPreflight it lands failed and the user pays only the fee.
 * 3. Escrows whose blockhash expired unused are swept back to inventory, and
 *    spent ones are closed (maintain(), also run on every quote, swap build
 *    and executed transaction).
 *
 * SANDBOX-ONLY PLAY KEYS: the market maker's authority and its native-SOL
 * escrow keys are play keys stored in the ledger's meta table (see
 * play-keys.ts). They hold play money on the local chain only.
 */

export const MM_LABEL = 'Harvest Sandbox MM';
const META_AUTHORITY = 'mm.authority.seed';
const META_GENESIS = 'mm.genesis';
const META_ESCROWS = 'mm.escrows';
const META_LOOKUP_TABLE = 'mm.lookupTable';
const LAMPORTS_PER_SOL = 1_000_000_000n;
const U64_MAX = 2n ** 64n - 1n;
/** Slots an issued quote stays usable for POST /swap (10 minutes at 400 ms a slot). */
const QUOTE_TTL_SLOTS = 1_500;
const MAX_COMPUTE_UNITS = 1_400_000;

/** Genesis inventory, in whole tokens, by symbol. */
export const DEFAULT_INVENTORY: Readonly<Record<string, bigint>> = Object.freeze({
  SOL: 50_000n,
  USDC: 100_000_000n,
  wETH: 10_000n,
  wBTC: 500n,
  PYUSD: 10_000_000n,
});

/** Market depth in USD by symbol: impact = notional / (notional + min(depth of the two sides)). */
export const DEFAULT_DEPTH_USD: Readonly<Record<string, number>> = Object.freeze({
  SOL: 20_000_000,
  USDC: 200_000_000,
  wETH: 15_000_000,
  wBTC: 15_000_000,
  PYUSD: 5_000_000,
});

/** Sandbox priority-fee estimates (there is no fee market here), in lamports per transaction. */
const PRIORITY_ESTIMATE: Record<string, number> = { medium: 10_000, high: 50_000, veryHigh: 100_000 };
const AUTO_PRIORITY_LAMPORTS = 10_000;

/** An error in Jupiter's shape: HTTP 400 with {error, errorCode}. */
export class MarketError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'MarketError';
  }

  toJSON(): { error: string; errorCode: string } {
    return { error: this.message, errorCode: this.errorCode };
  }
}

export interface QuoteRequest {
  inputMint: string;
  outputMint: string;
  /** Base units of the input token (ExactIn). */
  amount: bigint;
  slippageBps: number;
  swapMode?: 'ExactIn' | 'ExactOut';
}

export interface SwapInfo {
  ammKey: string;
  label: string;
  inputMint: string;
  outputMint: string;
  inAmount: string;
  outAmount: string;
  feeAmount: string;
  feeMint: string;
}

/** Jupiter's GET /swap/v1/quote response. */
export interface QuoteResponse {
  inputMint: string;
  inAmount: string;
  outputMint: string;
  outAmount: string;
  otherAmountThreshold: string;
  swapMode: 'ExactIn';
  slippageBps: number;
  platformFee: null;
  /** Fraction, not percent: "0.0005" is 0.05 %. */
  priceImpactPct: string;
  routePlan: { swapInfo: SwapInfo; percent: number }[];
  contextSlot: number;
  timeTaken: number;
}

export type PrioritizationFee =
  | number
  | 'auto'
  | { priorityLevelWithMaxLamports: { priorityLevel: string; maxLamports: number; global?: boolean } }
  | { jitoTipLamports: number };

/** The fields of Jupiter's POST /swap/v1/swap body that the sandbox acts on. */
export interface SwapRequest {
  quoteResponse: Pick<QuoteResponse, 'inputMint' | 'inAmount' | 'outputMint' | 'outAmount' | 'otherAmountThreshold'> & {
    swapMode: string;
    contextSlot?: number;
    slippageBps?: number;
  };
  userPublicKey: string;
  wrapAndUnwrapSol?: boolean;
  prioritizationFeeLamports?: PrioritizationFee;
  computeUnitPriceMicroLamports?: number;
  dynamicComputeUnitLimit?: boolean;
  asLegacyTransaction?: boolean;
  destinationTokenAccount?: string;
  blockhashSlotsToExpiry?: number;
}

/** Jupiter's POST /swap/v1/swap response. */
export interface SwapResponse {
  swapTransaction: string;
  lastValidBlockHeight: number;
  prioritizationFeeLamports: number;
  computeUnitLimit: number;
  prioritizationType: { computeBudget: { microLamports: number; estimatedMicroLamports: number } };
  simulationSlot: number | null;
  dynamicSlippageReport: null;
  simulationError: { errorCode: string; error: string } | null;
}

/** The query of GET /swap/v2/build that the sandbox acts on. */
export interface BuildRequest {
  inputMint: string;
  outputMint: string;
  amount: bigint;
  taker: string;
  slippageBps: number;
  /** Lamports of a SOL tip (the response's tipInstruction). */
  tipAmount?: bigint;
}

/** Jupiter's GET /swap/v2/build response (openapi-spec/swap/v2/swap.yaml). */
export interface BuildResponse extends Omit<QuoteResponse, 'routePlan'> {
  routePlan: { swapInfo: SwapInfo; percent: number; bps: number }[];
  computeBudgetInstructions: ApiInstruction[];
  setupInstructions: ApiInstruction[];
  swapInstruction: ApiInstruction;
  cleanupInstruction: ApiInstruction | null;
  otherInstructions: ApiInstruction[];
  tipInstruction: ApiInstruction | null;
  addressesByLookupTableAddress: Record<string, string[]> | null;
  blockhashWithMetadata: {
    blockhash: number[];
    lastValidBlockHeight: number;
    fetchedAt: { secs_since_epoch: number; nanos_since_epoch: number };
  };
}

/** The compute-unit price the sandbox's /build suggests (Jupiter estimates one; callers may set their own). */
const BUILD_CU_PRICE = 1_000n;
const base58Bytes = getBase58Encoder();

export type EscrowStatus = 'open' | 'filled' | 'pulled';

/** One swap's escrow, persisted in ledger meta until it is closed. */
export interface EscrowRecord {
  quoteId: string;
  /** 'spl': a token account owned by the MM authority (also wrapped SOL); 'sol': a system account. */
  kind: 'spl' | 'sol';
  address: string;
  /** Hex seed of a 'sol' escrow's play key (it signs the user's swap). */
  seed?: string;
  mint: string;
  user: string;
  inputMint: string;
  inAmount: string;
  outAmount: string;
  otherAmountThreshold: string;
  lastValidBlockHeight: string;
  status: EscrowStatus;
  createdAtSlot: number;
  /** The user's swap, once it landed successfully. */
  fillSignature?: string;
  /** When (slot) and at what fair output the market maker pulled it. */
  pulled?: { atSlot: number; fairOut: string };
}

interface IssuedQuote {
  id: string;
  /** Slot. */
  issuedAt: number;
  inputMint: string;
  outputMint: string;
  inAmount: bigint;
  outAmount: bigint;
}

export interface MarketMakerOptions {
  ledger: SandboxLedger;
  replay: PriceReplay;
  /** Reused to mint genesis inventory; one is created when omitted. */
  faucet?: SandboxFaucet;
  /** Fee in basis points of the input, reported as swapInfo.feeAmount. Default 25. */
  feeBps?: number;
  /** USD depth by symbol (see DEFAULT_DEPTH_USD). */
  depthUsd?: Record<string, number>;
  /** Genesis inventory in whole tokens by symbol (see DEFAULT_INVENTORY); used only on a fresh ledger. */
  inventory?: Record<string, bigint>;
  /** Lamports the MM keeps for its own fees and escrow rent, never quoted. Default 10 SOL. */
  solReserveLamports?: bigint;
  /** Whether /swap/v2/build names the market maker's lookup table, as Jupiter's routes do. Default true. */
  lookupTable?: boolean;
  log?: Logger;
}

export interface Quoted {
  outAmount: bigint;
  feeAmount: bigint;
  /** Fraction of the output lost to size (0..1). */
  impact: number;
}

/** Exact bigint rational of a positive float, to 16 significant digits. */
export function toRational(x: number): [bigint, bigint] {
  if (!(x > 0) || !Number.isFinite(x)) throw new Error(`not a positive finite number: ${x}`);
  const [mant, exp] = x.toExponential(15).split('e') as [string, string];
  const digits = BigInt(mant.replace('.', ''));
  const e = Number(exp) - 15;
  return e >= 0 ? [digits * 10n ** BigInt(e), 1n] : [digits, 10n ** BigInt(-e)];
}

/**
 * The pricing model, pure: output for `amount` of `input` at the given USD
 * prices, after the fee and a price impact of notional / (notional + depth).
 * Rounds down; the output per input unit never increases with size.
 */
export function priceSwap(
  input: SandboxToken,
  output: SandboxToken,
  amount: bigint,
  prices: { input: number; output: number },
  model: { feeBps: number; depthUsd: number },
): Quoted {
  const notional = (Number(amount) / 10 ** input.decimals) * prices.input;
  const impact = notional / (notional + model.depthUsd);
  const impactPpb = BigInt(Math.round(impact * 1e9));
  const [rn, rd] = toRational(prices.input / prices.output);
  const fee = BigInt(model.feeBps);
  const num = amount * (10_000n - fee) * rn * 10n ** BigInt(output.decimals) * (1_000_000_000n - impactPpb);
  const den = 10_000n * rd * 10n ** BigInt(input.decimals) * 1_000_000_000n;
  return { outAmount: num / den, feeAmount: (amount * fee) / 10_000n, impact: Number(impactPpb) / 1e9 };
}

function pct(fraction: number): string {
  if (fraction === 0) return '0';
  return fraction.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
}

function quoteId(q: {
  inputMint: string;
  inAmount: string;
  outputMint: string;
  outAmount: string;
  contextSlot?: number;
}): string {
  return createHash('sha256')
    .update(JSON.stringify([q.inputMint, q.inAmount, q.outputMint, q.outAmount, q.contextSlot ?? null]))
    .digest('hex')
    .slice(0, 24);
}

function parseAmount(s: string, what: string): bigint {
  if (!/^\d{1,20}$/.test(s)) throw new MarketError('INVALID_QUOTE', `${what} is not an unsigned integer`);
  const v = BigInt(s);
  if (v > U64_MAX) throw new MarketError('INVALID_QUOTE', `${what} does not fit in a u64`);
  return v;
}

export class SandboxMarketMaker {
  readonly authority: PlayKey;
  readonly feeBps: number;
  private readonly ledger: SandboxLedger;
  private readonly replay: PriceReplay;
  private readonly faucet: SandboxFaucet;
  private readonly log: Logger;
  private readonly depth: Record<string, number>;
  private readonly solReserve: bigint;
  /** Inventory token accounts by mint (the MM authority's ATAs; wrapped SOL's too). */
  private readonly inventoryAta = new Map<string, Address>();
  private readonly quotes = new Map<string, IssuedQuote>();
  private escrows: EscrowRecord[];
  /** True while the MM sends its own transactions: its hooks and listeners stand aside. */
  private busy = false;
  /** Whether swaps carry a Memo with the quote id (only if the Memo program runs on this ledger). */
  private memo = false;
  /** The address lookup table holding the route's accounts that are not the taker's (made once, on a fresh ledger). */
  private lookupTableAddress: Address | null = null;
  /** Whether /build names the lookup table (false: `addressesByLookupTableAddress: null`, every account static). */
  useLookupTable: boolean;
  private readonly unsubscribe: (() => void)[] = [];

  private constructor(opts: MarketMakerOptions, faucet: SandboxFaucet) {
    this.ledger = opts.ledger;
    this.replay = opts.replay;
    this.faucet = faucet;
    this.log = (opts.log ?? silentLogger).child({ component: 'sandbox-mm' });
    this.feeBps = opts.feeBps ?? 25;
    if (!Number.isInteger(this.feeBps) || this.feeBps < 0 || this.feeBps >= 10_000)
      throw new Error('feeBps out of range');
    this.depth = { ...DEFAULT_DEPTH_USD, ...opts.depthUsd };
    this.solReserve = opts.solReserveLamports ?? 10n * LAMPORTS_PER_SOL;
    this.authority = PlayKey.persisted(this.ledger, META_AUTHORITY);
    this.escrows = JSON.parse(this.ledger.getMeta(META_ESCROWS) ?? '[]') as EscrowRecord[];
    this.useLookupTable = opts.lookupTable ?? true;
  }

  /** Opens the market maker, running genesis (inventory) on a fresh ledger, and registers its ledger hooks. */
  static async open(opts: MarketMakerOptions): Promise<SandboxMarketMaker> {
    const faucet = opts.faucet ?? new SandboxFaucet(opts.ledger, opts.log);
    const mm = new SandboxMarketMaker(opts, faucet);
    for (const t of SANDBOX_TOKENS) mm.inventoryAta.set(t.mint, await associatedTokenAddress(mm.authority.address, t));
    if (opts.ledger.getMeta(META_GENESIS) === null) await mm.genesis(opts.inventory ?? { ...DEFAULT_INVENTORY });
    mm.lookupTableAddress = await mm.openLookupTable();
    mm.busy = true;
    try {
      mm.memo = memoWorks(opts.ledger, mm.authority);
    } finally {
      mm.busy = false;
    }
    if (!mm.memo) mm.log.warn('the Memo program does not execute on this ledger; swaps carry no quote memo');
    mm.unsubscribe.push(opts.ledger.beforeExecution((accounts) => mm.beforeExecution(accounts)));
    mm.unsubscribe.push(opts.ledger.onTransaction((tx) => mm.onTransaction(tx)));
    mm.upkeep();
    return mm;
  }

  /**
   * The market maker's lookup table, written once in the on-chain layout (owner: the Address
   * Lookup Table program, authority: the market maker) at the address the program derives from
   * the authority and a recent slot: the accounts every route shares that are not the taker's.
   */
  private async openLookupTable(): Promise<Address> {
    const known = this.ledger.getMeta(META_LOOKUP_TABLE);
    if (known !== null) return toAddress(known);
    const slot = this.ledger.currentSlot();
    const seed = new Uint8Array(8);
    new DataView(seed.buffer).setBigUint64(0, slot, true);
    const [table] = await getProgramDerivedAddress({
      programAddress: ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS,
      seeds: [getAddressEncoder().encode(this.authority.address), seed],
    });
    const entries = [
      SYSTEM_PROGRAM_ADDRESS,
      TOKEN_PROGRAM_ADDRESS,
      TOKEN_2022_PROGRAM,
      ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
      MEMO_PROGRAM_ADDRESS,
      this.authority.address,
      ...SANDBOX_TOKENS.flatMap((t) => [t.mint, this.inventoryAta.get(t.mint)!]),
    ];
    // Last extended now, but with every entry already in place before it: all usable at once
    // (the sandbox clock may stand still in tests, and a table made minutes ago behaves so).
    const data = encodeLookupTable(this.authority.address, entries, slot, entries.length);
    this.ledger.setAccount({
      address: table,
      lamports: this.ledger.minimumBalanceForRentExemption(BigInt(data.length)),
      owner: ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS,
      data,
      executable: false,
    });
    this.ledger.setMeta(META_LOOKUP_TABLE, table);
    this.log.info({ table, entries: entries.length }, 'sandbox market maker lookup table created');
    return table;
  }

  /** What /build puts in addressesByLookupTableAddress: the table as the chain holds it now. */
  private lookupTables(): Record<string, string[]> | null {
    if (!this.useLookupTable || this.lookupTableAddress === null) return null;
    const acc = this.ledger.account(this.lookupTableAddress);
    if (!acc) return null;
    return { [this.lookupTableAddress]: decodeLookupTableAddresses(acc.data) };
  }

  private async genesis(inventory: Record<string, bigint>): Promise<void> {
    const tokens: { mint: string; amount: bigint }[] = [];
    let lamports = this.solReserve;
    for (const [symbol, whole] of Object.entries(inventory)) {
      const t = tokenBySymbol(symbol);
      if (!t) throw new Error(`unknown inventory token ${symbol}`);
      const amount = whole * 10n ** BigInt(t.decimals);
      if (t.native) lamports += amount;
      else if (amount > 0n) tokens.push({ mint: t.mint, amount });
    }
    await this.faucet.fund(this.authority.address, { lamports, tokens });
    // Every inventory account exists from genesis on, so swaps never have to create the MM's side.
    const me = createNoopSigner(this.authority.address);
    const ixs = SANDBOX_TOKENS.map((t) =>
      getCreateAssociatedTokenIdempotentInstruction({
        payer: me,
        ata: this.inventoryAta.get(t.mint)!,
        owner: this.authority.address,
        mint: t.mint,
        tokenProgram: t.tokenProgram,
      }),
    );
    this.send(ixs);
    this.ledger.setMeta(
      META_GENESIS,
      JSON.stringify({ inventory: Object.fromEntries(Object.entries(inventory).map(([k, v]) => [k, v.toString()])) }),
    );
    this.log.info({ authority: this.authority.address }, 'sandbox market maker genesis done');
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Makes a test token (test-tokens.ts) quotable: its inventory account and its USD depth. */
  async listToken(t: SandboxToken, depthUsd: number): Promise<void> {
    this.inventoryAta.set(t.mint, await associatedTokenAddress(this.authority.address, t));
    this.depth[t.symbol] = depthUsd;
  }

  // ---- pricing ----------------------------------------------------------

  private depthFor(t: SandboxToken): number {
    return this.depth[t.symbol] ?? 1_000_000;
  }

  /** USD depth used for a token's impact (also the Price API's liquidity). */
  liquidityUsd(mint: string): number | null {
    const t = tokenByMint(mint);
    return t ? this.depthFor(t) : null;
  }

  /** The fair output right now for `amount` of input (same model as quotes). Throws MarketError. */
  fairOutput(inputMint: string, outputMint: string, amount: bigint): Quoted {
    const input = tokenByMint(inputMint);
    const output = tokenByMint(outputMint);
    if (!input) throw new MarketError('TOKEN_NOT_TRADABLE', `The token ${inputMint} is not tradable`);
    if (!output) throw new MarketError('TOKEN_NOT_TRADABLE', `The token ${outputMint} is not tradable`);
    const pIn = this.replay.price(input.mint);
    const pOut = this.replay.price(output.mint);
    if (!pIn || !pOut) throw new MarketError('NO_ROUTES_FOUND', 'No routes found');
    // A Token-2022 transfer fee is paid by whoever sends: the market maker prices what reaches its
    // inventory, and quotes what reaches the user (so the quote is what the user receives).
    const q = priceSwap(
      input,
      output,
      netOfFee(this.mintFacts(input), amount),
      { input: pIn, output: pOut },
      {
        feeBps: this.feeBps,
        depthUsd: Math.min(this.depthFor(input), this.depthFor(output)),
      },
    );
    return { ...q, outAmount: netOfFee(this.mintFacts(output), q.outAmount) };
  }

  /** The mint's Token-2022 facts (transfer fee, account extensions); null for SOL and SPL Token mints. */
  private mintFacts(t: SandboxToken): MintFacts | null {
    if (t.native || t.tokenProgram !== TOKEN_2022_PROGRAM) return null;
    const acct = this.ledger.account(t.mint);
    return acct ? decodeMint(acct.data) : null;
  }

  /**
   * What leaves inventory so that `net` reaches the user through the escrow: the escrow's funding
   * and the user's leg each withhold the mint's transfer fee. Null when no amount can (a 100 % fee).
   */
  private escrowAmounts(t: SandboxToken, net: bigint): { swap: bigint; funding: bigint } | null {
    const facts = this.mintFacts(t);
    const swap = grossForNet(facts, net);
    const funding = swap === null ? null : grossForNet(facts, swap);
    return swap === null || funding === null ? null : { swap, funding };
  }

  /** Inventory needed to pay `net` out (the transfer fees on top). */
  private inventoryNeeded(t: SandboxToken, net: bigint): bigint {
    return this.escrowAmounts(t, net)?.funding ?? U64_MAX;
  }

  /** What the MM can give out now, in base units (SOL: lamports above its reserve). */
  available(mint: string): bigint {
    const t = tokenByMint(mint);
    if (!t) return 0n;
    if (t.native) {
      const lamports = this.ledger.account(this.authority.address)?.lamports ?? 0n;
      return lamports > this.solReserve ? lamports - this.solReserve : 0n;
    }
    return this.tokenAmount(this.inventoryAta.get(t.mint)!) ?? 0n;
  }

  private tokenAmount(account: Address): bigint | null {
    const a = this.ledger.account(account);
    return a ? (parseTokenAccount(a)?.amount ?? null) : null;
  }

  /** GET /swap/v1/quote. Throws MarketError with Jupiter's error codes. */
  quote(req: QuoteRequest): QuoteResponse {
    const started = performance.now();
    this.upkeep();
    if ((req.swapMode ?? 'ExactIn') !== 'ExactIn') {
      throw new MarketError(
        'COULD_NOT_FIND_ANY_ROUTE',
        'Could not find any route (the sandbox market maker quotes ExactIn only)',
      );
    }
    if (!tokenByMint(req.inputMint))
      throw new MarketError('TOKEN_NOT_TRADABLE', `The token ${req.inputMint} is not tradable`);
    if (!tokenByMint(req.outputMint))
      throw new MarketError('TOKEN_NOT_TRADABLE', `The token ${req.outputMint} is not tradable`);
    if (req.inputMint === req.outputMint) {
      throw new MarketError('CIRCULAR_ARBITRAGE_IS_DISABLED', 'Input and output mints are not allowed to be equal');
    }
    if (!Number.isInteger(req.slippageBps) || req.slippageBps < 0 || req.slippageBps > 10_000) {
      throw new MarketError('INVALID_SLIPPAGE', 'slippageBps must be an integer from 0 to 10000');
    }
    if (req.amount <= 0n || req.amount > U64_MAX) {
      throw new MarketError('INVALID_AMOUNT', 'amount must be a positive u64');
    }
    const q = this.fairOutput(req.inputMint, req.outputMint, req.amount);
    if (
      q.outAmount <= 0n ||
      this.inventoryNeeded(tokenByMint(req.outputMint)!, q.outAmount) > this.available(req.outputMint)
    ) {
      throw new MarketError('COULD_NOT_FIND_ANY_ROUTE', 'Could not find any route');
    }
    const contextSlot = Number(this.ledger.currentSlot());
    const inAmount = req.amount.toString();
    const outAmount = q.outAmount.toString();
    const threshold = (q.outAmount * BigInt(10_000 - req.slippageBps)) / 10_000n;
    const id = quoteId({ inputMint: req.inputMint, inAmount, outputMint: req.outputMint, outAmount, contextSlot });
    this.remember({
      id,
      issuedAt: contextSlot,
      inputMint: req.inputMint,
      outputMint: req.outputMint,
      inAmount: req.amount,
      outAmount: q.outAmount,
    });
    return {
      inputMint: req.inputMint,
      inAmount,
      outputMint: req.outputMint,
      outAmount,
      otherAmountThreshold: threshold.toString(),
      swapMode: 'ExactIn',
      slippageBps: req.slippageBps,
      platformFee: null,
      priceImpactPct: pct(q.impact),
      routePlan: [
        {
          swapInfo: {
            ammKey: this.authority.address,
            label: MM_LABEL,
            inputMint: req.inputMint,
            outputMint: req.outputMint,
            inAmount,
            outAmount,
            feeAmount: q.feeAmount.toString(),
            feeMint: req.inputMint,
          },
          percent: 100,
        },
      ],
      contextSlot,
      timeTaken: (performance.now() - started) / 1000,
    };
  }

  private remember(q: IssuedQuote): void {
    for (const [k, v] of this.quotes) if (q.issuedAt - v.issuedAt > QUOTE_TTL_SLOTS) this.quotes.delete(k);
    this.quotes.set(q.id, q);
  }

  // ---- swaps ------------------------------------------------------------

  /** The quote a swap request carries, checked against the quotes this market maker issued. */
  private issuedSwap(qr: SwapRequest['quoteResponse'], userPublicKey: string) {
    if (!isAddress(userPublicKey))
      throw new MarketError('INVALID_USER_PUBLIC_KEY', 'userPublicKey is not a valid public key');
    const user = toAddress(userPublicKey);
    const inAmount = parseAmount(qr.inAmount, 'quoteResponse.inAmount');
    const outAmount = parseAmount(qr.outAmount, 'quoteResponse.outAmount');
    const threshold = parseAmount(qr.otherAmountThreshold, 'quoteResponse.otherAmountThreshold');
    if (threshold > outAmount) throw new MarketError('INVALID_QUOTE', 'otherAmountThreshold is above outAmount');
    if (qr.swapMode !== 'ExactIn')
      throw new MarketError('INVALID_QUOTE', 'the sandbox market maker quotes ExactIn only');
    const id = quoteId({
      inputMint: qr.inputMint,
      inAmount: qr.inAmount,
      outputMint: qr.outputMint,
      outAmount: qr.outAmount,
      contextSlot: qr.contextSlot,
    });
    const issued = this.quotes.get(id);
    const slot = Number(this.ledger.currentSlot());
    if (
      !issued ||
      issued.inAmount !== inAmount ||
      issued.outAmount !== outAmount ||
      slot - issued.issuedAt > QUOTE_TTL_SLOTS
    ) {
      throw new MarketError(
        'INVALID_QUOTE',
        'This quote was not issued by the sandbox market maker or has expired; request a new quote',
      );
    }
    const input = tokenByMint(qr.inputMint)!;
    const output = tokenByMint(qr.outputMint)!;
    for (const t of [input, output]) {
      // A transfer hook's program must run in every transfer; the sandbox has none deployed for it.
      if (this.mintFacts(t)?.transferHookProgram) {
        throw new MarketError(
          'TOKEN_NOT_TRADABLE',
          `${t.symbol} has a transfer hook: every transfer must run the issuer's hook program, which the sandbox does not have, so a swap of it cannot land here`,
        );
      }
    }
    this.upkeep();
    if (this.inventoryNeeded(output, outAmount) > this.available(output.mint))
      throw new MarketError('COULD_NOT_FIND_ANY_ROUTE', 'Could not find any route');
    return { user, inAmount, outAmount, threshold, id, slot, input, output };
  }

  /**
   * A fresh token-account escrow (wrapped SOL for SOL), owned by the MM, from which `swapAmount` can
   * be moved: sized for the mint's account extensions, and funded with the transfer fee on top.
   */
  private splEscrowFunding(escrow: PlayKey, output: SandboxToken, swapAmount: bigint): Instruction[] {
    const me = createNoopSigner(this.authority.address);
    const facts = this.mintFacts(output);
    const space = tokenAccountSize(facts);
    const rentToken = this.ledger.minimumBalanceForRentExemption(space);
    const funding = grossForNet(facts, swapAmount);
    if (funding === null) throw new MarketError('COULD_NOT_FIND_ANY_ROUTE', 'Could not find any route');
    const fund: Instruction[] = [
      getCreateAccountInstruction({
        payer: me,
        newAccount: createNoopSigner(escrow.address),
        lamports: rentToken + (output.native ? swapAmount : 0n),
        space,
        programAddress: output.tokenProgram,
      }),
      getInitializeAccount3Instruction(
        { account: escrow.address, mint: output.mint, owner: this.authority.address },
        { programAddress: output.tokenProgram },
      ),
    ];
    if (!output.native) {
      fund.push(
        getTransferCheckedInstruction(
          {
            source: this.inventoryAta.get(output.mint)!,
            mint: output.mint,
            destination: escrow.address,
            authority: me,
            amount: funding,
            decimals: output.decimals,
          },
          { programAddress: output.tokenProgram },
        ),
      );
    }
    return fund;
  }

  /**
   * The taker's payment into the market maker's inventory: native lamports, or the token from their
   * account. `payer` is the transaction's own signer object for the taker (@solana/kit refuses two
   * distinct signers for one address).
   */
  private async paymentLeg(
    payer: ReturnType<typeof createNoopSigner>,
    input: SandboxToken,
    inAmount: bigint,
    inSol: boolean,
  ): Promise<Instruction> {
    if (inSol)
      return getTransferSolInstruction({ source: payer, destination: this.authority.address, amount: inAmount });
    return getTransferCheckedInstruction(
      {
        source: await associatedTokenAddress(payer.address, input),
        mint: input.mint,
        destination: this.inventoryAta.get(input.mint)!,
        authority: payer,
        amount: inAmount,
        decimals: input.decimals,
      },
      { programAddress: input.tokenProgram },
    );
  }

  private recordEscrow(e: EscrowRecord): void {
    this.escrows.push(e);
    this.persist();
  }

  /** POST /swap/v1/swap: escrows the output and returns the user's partially signed swap transaction. */
  async buildSwap(req: SwapRequest): Promise<SwapResponse> {
    const { user, inAmount, outAmount, threshold, id, slot, input, output } = this.issuedSwap(
      req.quoteResponse,
      req.userPublicKey,
    );
    const wrap = req.wrapAndUnwrapSol ?? true;
    if (req.destinationTokenAccount !== undefined && !isAddress(req.destinationTokenAccount)) {
      throw new MarketError('INVALID_DESTINATION_TOKEN_ACCOUNT', 'destinationTokenAccount is not a valid public key');
    }

    const me = createNoopSigner(this.authority.address);
    const userSigner = createNoopSigner(user);
    const solOut = output.native && wrap && req.destinationTokenAccount === undefined;
    const solIn = input.native && wrap;

    // 1. Escrow the output with a real MM transaction (a Token-2022 transfer fee on top of outAmount).
    const swapAmount = solOut ? outAmount : this.escrowAmounts(output, outAmount)!.swap;
    const escrowKey = PlayKey.generate();
    const escrowSigner = createNoopSigner(escrowKey.address);
    const rentSystem = this.ledger.minimumBalanceForRentExemption(0n);
    const fund: Instruction[] = solOut
      ? [getTransferSolInstruction({ source: me, destination: escrowKey.address, amount: outAmount + rentSystem })]
      : this.splEscrowFunding(escrowKey, output, swapAmount);
    const latest = this.ledger.latestBlockhash();
    const expiry = req.blockhashSlotsToExpiry
      ? BigInt(Math.min(Number(latest.lastValidBlockHeight), Number(latest.slot) + req.blockhashSlotsToExpiry))
      : latest.lastValidBlockHeight;
    this.send(fund, solOut ? [] : [escrowKey]);
    const escrow: EscrowRecord = {
      quoteId: id,
      kind: solOut ? 'sol' : 'spl',
      address: escrowKey.address,
      ...(solOut ? { seed: Buffer.from(escrowKey.seed).toString('hex') } : {}),
      mint: output.mint,
      user,
      inputMint: input.mint,
      inAmount: inAmount.toString(),
      outAmount: outAmount.toString(),
      otherAmountThreshold: threshold.toString(),
      lastValidBlockHeight: expiry.toString(),
      status: 'open',
      createdAtSlot: slot,
    };
    this.recordEscrow(escrow);

    // 2. The user's swap.
    const legs: Instruction[] = [await this.paymentLeg(userSigner, input, inAmount, solIn)];
    if (solOut) {
      legs.push(getTransferSolInstruction({ source: escrowSigner, destination: user, amount: outAmount }));
    } else {
      let destination: Address;
      if (req.destinationTokenAccount !== undefined) {
        destination = toAddress(req.destinationTokenAccount);
      } else {
        destination = await associatedTokenAddress(user, output);
        legs.unshift(
          getCreateAssociatedTokenIdempotentInstruction({
            payer: userSigner,
            ata: destination,
            owner: user,
            mint: output.mint,
            tokenProgram: output.tokenProgram,
          }),
        );
      }
      legs.push(
        getTransferCheckedInstruction(
          {
            source: escrowKey.address,
            mint: output.mint,
            destination,
            authority: me,
            amount: swapAmount,
            decimals: output.decimals,
          },
          { programAddress: output.tokenProgram },
        ),
      );
    }
    if (this.memo) legs.push(getAddMemoInstruction({ memo: `${MM_LABEL} quote ${id}` }));
    const mmSigners = solOut ? [escrowKey] : [this.authority];

    // 3. Compute budget: simulate for the limit when asked (Jupiter: 140 % of the units used).
    let unitLimit = MAX_COMPUTE_UNITS;
    let simulationError: SwapResponse['simulationError'] = null;
    let simulationSlot: number | null = null;
    const priority = this.priorityLamports(req);
    const build = (limit: number, microLamports: bigint) =>
      compile({
        feePayer: user,
        instructions: [
          getSetComputeUnitLimitInstruction({ units: limit }),
          getSetComputeUnitPriceInstruction({ microLamports }),
          ...legs,
        ],
        blockhash: latest.blockhash,
        lastValidBlockHeight: expiry,
        legacy: req.asLegacyTransaction === true,
      });
    if (req.dynamicComputeUnitLimit) {
      const sim = this.simulateUnsigned(signWith(build(MAX_COMPUTE_UNITS, 0n), mmSigners));
      simulationSlot = Number(this.ledger.currentSlot());
      if (sim.err === null) unitLimit = Math.min(MAX_COMPUTE_UNITS, Math.ceil(Number(sim.units) * 1.4));
      else simulationError = { errorCode: 'TRANSACTION_SIMULATION_FAILED', error: describeTransactionError(sim.err) };
    }
    const microLamports =
      req.computeUnitPriceMicroLamports !== undefined
        ? BigInt(req.computeUnitPriceMicroLamports)
        : (BigInt(priority) * 1_000_000n) / BigInt(unitLimit);
    const tx = signWith(build(unitLimit, microLamports), mmSigners);
    const priorityPaid = (microLamports * BigInt(unitLimit) + 999_999n) / 1_000_000n;
    this.log.info(
      {
        quote: id,
        user,
        inputMint: input.mint,
        outputMint: output.mint,
        inAmount: inAmount.toString(),
        outAmount: outAmount.toString(),
        escrow: escrow.address,
      },
      'sandbox swap built',
    );
    return {
      swapTransaction: getBase64Decoder().decode(toWire(tx)),
      lastValidBlockHeight: Number(expiry),
      prioritizationFeeLamports: Number(priorityPaid),
      computeUnitLimit: unitLimit,
      prioritizationType: {
        computeBudget: { microLamports: Number(microLamports), estimatedMicroLamports: Number(microLamports) },
      },
      simulationSlot,
      dynamicSlippageReport: null,
      simulationError,
    };
  }

  /**
   * GET /swap/v2/build: a fresh quote and the raw instructions of the swap, for the caller to
   * assemble, sign and send itself (Jupiter's /build shape). No custom program runs on the sandbox,
   * so the market maker's leg cannot carry its signature: it escrows the output in a token account
   * (wrapped SOL for SOL) and APPROVES the taker as delegate of exactly outAmount, so the swap
   * instruction is the taker moving the escrowed output to itself. The re-mark before execution
   * still pulls an escrow whose price moved beyond slippage (the swap then fails on chain).
   */
  async buildInstructions(req: BuildRequest): Promise<BuildResponse> {
    const quote = this.quote({
      inputMint: req.inputMint,
      outputMint: req.outputMint,
      amount: req.amount,
      slippageBps: req.slippageBps,
    });
    const { user, inAmount, outAmount, threshold, id, slot, input, output } = this.issuedSwap(
      { ...quote, swapMode: 'ExactIn' },
      req.taker,
    );
    const me = createNoopSigner(this.authority.address);
    const taker = createNoopSigner(user);
    const escrowKey = PlayKey.generate();
    const latest = this.ledger.latestBlockhash();
    // What the taker moves out of the escrow: outAmount plus the transfer fee the move withholds.
    const swapAmount = this.escrowAmounts(output, outAmount)!.swap;
    this.send(
      [
        ...this.splEscrowFunding(escrowKey, output, swapAmount),
        getApproveInstruction(
          { source: escrowKey.address, delegate: user, owner: me, amount: swapAmount },
          { programAddress: output.tokenProgram },
        ),
      ],
      [escrowKey],
    );
    this.recordEscrow({
      quoteId: id,
      kind: 'spl',
      address: escrowKey.address,
      mint: output.mint,
      user,
      inputMint: input.mint,
      inAmount: inAmount.toString(),
      outAmount: outAmount.toString(),
      otherAmountThreshold: threshold.toString(),
      lastValidBlockHeight: latest.lastValidBlockHeight.toString(),
      status: 'open',
      createdAtSlot: slot,
    });

    const outAta = await associatedTokenAddress(user, output);
    const setup: Instruction[] = [
      getCreateAssociatedTokenIdempotentInstruction({
        payer: taker,
        ata: outAta,
        owner: user,
        mint: output.mint,
        tokenProgram: output.tokenProgram,
      }),
      await this.paymentLeg(taker, input, inAmount, input.native),
    ];
    const swap = getTransferCheckedInstruction(
      {
        source: escrowKey.address,
        mint: output.mint,
        destination: outAta,
        authority: taker,
        amount: swapAmount,
        decimals: output.decimals,
      },
      { programAddress: output.tokenProgram },
    );
    // SOL out arrives as wrapped SOL in the taker's account; closing it unwraps (Jupiter's cleanup).
    const cleanup = output.native
      ? getCloseAccountInstruction(
          { account: outAta, destination: user, owner: taker },
          { programAddress: output.tokenProgram },
        )
      : null;
    const tip =
      req.tipAmount !== undefined && req.tipAmount > 0n
        ? getTransferSolInstruction({
            source: taker,
            destination: JITO_TIP_ACCOUNTS[slot % JITO_TIP_ACCOUNTS.length]!,
            amount: req.tipAmount,
          })
        : null;
    this.log.info({ quote: id, user, escrow: escrowKey.address }, 'sandbox swap instructions built');
    const now = Date.now();
    return {
      ...quote,
      routePlan: quote.routePlan.map((r) => ({ ...r, bps: r.percent * 100 })),
      computeBudgetInstructions: [apiInstruction(getSetComputeUnitPriceInstruction({ microLamports: BUILD_CU_PRICE }))],
      setupInstructions: setup.map(apiInstruction),
      swapInstruction: apiInstruction(swap),
      cleanupInstruction: cleanup ? apiInstruction(cleanup) : null,
      otherInstructions: this.memo ? [apiInstruction(getAddMemoInstruction({ memo: `${MM_LABEL} quote ${id}` }))] : [],
      tipInstruction: tip ? apiInstruction(tip) : null,
      addressesByLookupTableAddress: this.lookupTables(),
      blockhashWithMetadata: {
        blockhash: [...base58Bytes.encode(latest.blockhash)],
        lastValidBlockHeight: Number(latest.lastValidBlockHeight),
        fetchedAt: { secs_since_epoch: Math.floor(now / 1000), nanos_since_epoch: (now % 1000) * 1_000_000 },
      },
    };
  }

  private priorityLamports(req: SwapRequest): number {
    const p = req.prioritizationFeeLamports ?? 'auto';
    if (typeof p === 'number') return p;
    if (p === 'auto') return AUTO_PRIORITY_LAMPORTS;
    if ('priorityLevelWithMaxLamports' in p) {
      const { priorityLevel, maxLamports } = p.priorityLevelWithMaxLamports;
      return Math.min(maxLamports, PRIORITY_ESTIMATE[priorityLevel] ?? AUTO_PRIORITY_LAMPORTS);
    }
    // A Jito tip has no meaning on the local chain: no tip, no priority fee.
    return 0;
  }

  /** Simulates without the user's signature (sigverify off), for the compute-unit estimate. */
  private simulateUnsigned(tx: ReturnType<typeof compile>): {
    err: ReturnType<typeof transactionErrorJson> | null;
    units: bigint;
  } {
    const svm = this.ledger.svm.withSigverify(false);
    try {
      const sim = svm.simulateTransaction(tx);
      if (sim instanceof FailedTransactionMetadata) {
        return { err: transactionErrorJson(sim.err()), units: sim.meta().computeUnitsConsumed() };
      }
      return { err: null, units: sim.meta().computeUnitsConsumed() };
    } finally {
      this.ledger.svm.withSigverify(true);
    }
  }

  // ---- enforcement and upkeep -------------------------------------------

  /** The ledger calls this right before a transaction with these accounts is simulated or executed. */
  private beforeExecution(accounts: readonly Address[]): void {
    if (this.busy) return;
    const touched = new Set<string>(accounts);
    // A failed pull propagates: the transaction is refused rather than run at a stale price (fail closed).
    this.remark(touched);
    this.upkeep(touched);
  }

  /** maintain() that never fails its caller (a quote, a swap build, someone else's transaction); retried next call. */
  private upkeep(skip?: ReadonlySet<string>): void {
    try {
      this.maintain(skip);
    } catch (err) {
      this.log.error({ err }, 'sandbox market maker upkeep failed');
    }
  }

  /** Re-marks every live escrow the transaction touches at the current price; pulls those now beyond slippage. */
  private remark(touched: ReadonlySet<string>): void {
    const height = this.ledger.blockHeight();
    for (const e of this.escrows) {
      if (e.status !== 'open' || !touched.has(e.address)) continue;
      if (height > BigInt(e.lastValidBlockHeight)) continue; // cannot land any more; maintain() sweeps it
      let fair: bigint;
      try {
        fair = this.fairOutput(e.inputMint, e.mint, BigInt(e.inAmount)).outAmount;
      } catch {
        fair = 0n; // no price: fail closed
      }
      if (fair < BigInt(e.otherAmountThreshold)) {
        this.returnEscrow(e);
        e.status = 'pulled';
        e.pulled = { atSlot: Number(height), fairOut: fair.toString() };
        this.persist();
        this.log.info(
          { quote: e.quoteId, escrow: e.address, fairOut: fair.toString(), threshold: e.otherAmountThreshold },
          'sandbox market maker pulled a quote: price moved beyond slippage',
        );
      }
    }
  }

  private onTransaction(tx: LandedTransaction): void {
    if (this.busy || tx.err !== null) return;
    const keys = new Set(tx.accountKeys);
    let changed = false;
    for (const e of this.escrows) {
      if (e.status === 'open' && keys.has(e.address)) {
        e.status = 'filled';
        e.fillSignature = tx.signature;
        changed = true;
      }
    }
    if (changed) this.persist();
  }

  /**
   * Upkeep, safe to call any time (the lead may also schedule it): sweeps
   * escrows whose blockhash expired back to inventory, closes spent and pulled
   * escrows once their swap can no longer land, and unwraps wrapped SOL the MM
   * received. Escrows in `skip` (a transaction about to run) are left alone.
   */
  maintain(skip: ReadonlySet<string> = new Set()): void {
    if (this.busy) return;
    const height = this.ledger.blockHeight();
    let changed = false;
    for (const e of [...this.escrows]) {
      if (skip.has(e.address)) continue;
      const expired = height > BigInt(e.lastValidBlockHeight);
      if (e.status === 'open' && !expired) {
        // A fill we did not see (e.g. state restored from disk): the escrow is empty.
        if (this.escrowBalance(e) === 0n) e.status = 'filled';
        else continue;
      }
      if (e.status === 'open' || expired || e.status === 'filled') {
        this.closeEscrow(e);
        this.escrows = this.escrows.filter((x) => x !== e);
        changed = true;
        if (e.status === 'open')
          this.log.info({ quote: e.quoteId, escrow: e.address }, 'sandbox market maker swept an expired escrow');
      }
    }
    if (changed) this.persist();
    const wsol = this.inventoryAta.get(NATIVE_MINT)!;
    if ((this.tokenAmount(wsol) ?? 0n) > 0n) {
      const me = createNoopSigner(this.authority.address);
      this.send(
        [
          getCloseAccountInstruction({ account: wsol, destination: this.authority.address, owner: me }),
          getCreateAssociatedTokenIdempotentInstruction({
            payer: me,
            ata: wsol,
            owner: this.authority.address,
            mint: NATIVE_MINT,
          }),
        ],
        [],
        { unique: true },
      );
    }
  }

  /** The escrow's remaining output (SOL escrow: lamports above its rent reserve). */
  private escrowBalance(e: EscrowRecord): bigint {
    if (e.kind === 'sol') {
      const lamports = this.ledger.account(toAddress(e.address))?.lamports ?? 0n;
      const rent = this.ledger.minimumBalanceForRentExemption(0n);
      return lamports > rent ? lamports - rent : 0n;
    }
    return this.tokenAmount(toAddress(e.address)) ?? 0n;
  }

  /** Moves whatever the escrow holds back to inventory (the account stays, empty, so the swap fails on it). */
  private returnEscrow(e: EscrowRecord): void {
    const acct = toAddress(e.address);
    if (e.kind === 'sol') {
      const lamports = this.ledger.account(acct)?.lamports ?? 0n;
      if (lamports === 0n) return;
      const key = PlayKey.fromSeed(Buffer.from(e.seed!, 'hex'));
      this.send(
        [
          getTransferSolInstruction({
            source: createNoopSigner(key.address),
            destination: this.authority.address,
            amount: lamports,
          }),
        ],
        [key],
      );
      return;
    }
    const token = tokenByMint(e.mint)!;
    const amount = this.tokenAmount(acct) ?? 0n;
    if (amount === 0n) return;
    this.send([
      getTransferCheckedInstruction(
        {
          source: acct,
          mint: token.mint,
          destination: this.inventoryAta.get(token.mint)!,
          authority: createNoopSigner(this.authority.address),
          amount,
          decimals: token.decimals,
        },
        { programAddress: token.tokenProgram },
      ),
    ]);
  }

  /** Returns the escrow's funds and rent to the MM and closes the account. */
  private closeEscrow(e: EscrowRecord): void {
    if (e.kind === 'sol') {
      this.returnEscrow(e);
      return;
    }
    const acct = toAddress(e.address);
    if (!this.ledger.account(acct)) return;
    this.returnEscrow(e);
    const token = tokenByMint(e.mint)!;
    // Token-2022 refuses to close an account holding withheld transfer fees: move them to the mint first.
    const feeBps = this.mintFacts(token)?.transferFeeBps ?? null;
    const withheld = feeBps !== null ? [harvestWithheldInstruction(token.mint, [acct])] : [];
    this.send([
      ...withheld,
      getCloseAccountInstruction(
        { account: acct, destination: this.authority.address, owner: createNoopSigner(this.authority.address) },
        { programAddress: token.tokenProgram },
      ),
    ]);
  }

  private send(instructions: Instruction[], extraSigners: PlayKey[] = [], opts: { unique?: boolean } = {}): string {
    this.busy = true;
    try {
      return sendAs(this.ledger, this.authority, instructions, extraSigners, opts);
    } finally {
      this.busy = false;
    }
  }

  private persist(): void {
    this.ledger.setMeta(META_ESCROWS, JSON.stringify(this.escrows));
  }

  // ---- sandbox status ---------------------------------------------------

  /** Live escrows (copies). */
  openEscrows(): EscrowRecord[] {
    return this.escrows.map((e) => ({ ...e }));
  }

  /** Inventory by mint in base units (what could be quoted now), for the sandbox status endpoint. */
  inventory(): Record<string, string> {
    return Object.fromEntries(SANDBOX_TOKENS.map((t) => [t.mint, this.available(t.mint).toString()]));
  }
}
