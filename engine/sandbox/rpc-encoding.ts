/**
 * The JSON shapes Solana's RPC uses for accounts (UiAccount, including jsonParsed SPL Token
 * and Token-2022 data), token amounts, transaction token balances and transactions.
 */
import { getBase58Decoder, getBase64Decoder, type Address, type Transaction } from '@solana/kit';
import { RPC_INVALID_REQUEST, RpcError } from './errors';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM, type AccountState, type DecodedMessage, type TokenBalance } from './ledger';
import { F64 } from './rpc-json';
import { invalidParams, U64_MAX } from './rpc-params';

const base58 = getBase58Decoder();
const base64 = getBase64Decoder();

/** Accounts no longer pay rent, so every account reports the maximum rent epoch. */
export const RENT_EPOCH = U64_MAX;
/** Solana refuses base-58 account data longer than this. */
export const MAX_BASE58_BYTES = 128;

export type AccountEncoding = 'binary' | 'base58' | 'base64' | 'base64+zstd' | 'jsonParsed';
export const ACCOUNT_ENCODINGS: readonly AccountEncoding[] = [
  'binary',
  'base58',
  'base64',
  'base64+zstd',
  'jsonParsed',
];

export interface DataSlice {
  offset: number;
  length: number;
}

/** Looks up an account (the mint of a token account, for its decimals). */
export type AccountLookup = (address: Address) => AccountState | null;

/** A UiAccount: {data, executable, lamports, owner, rentEpoch, space}. */
export function encodeAccount(
  acc: AccountState,
  encoding: AccountEncoding,
  slice: DataSlice | undefined,
  lookup: AccountLookup,
): Record<string, unknown> {
  return {
    data: encodeAccountData(acc, encoding, slice, lookup),
    executable: acc.executable,
    lamports: acc.lamports,
    owner: acc.owner,
    rentEpoch: RENT_EPOCH,
    space: acc.space,
  };
}

function encodeAccountData(
  acc: AccountState,
  encoding: AccountEncoding,
  slice: DataSlice | undefined,
  lookup: AccountLookup,
): unknown {
  if (encoding === 'jsonParsed') {
    const parsed = parseTokenProgramAccount(acc, lookup);
    if (parsed) return parsed;
    return [base64.decode(acc.data), 'base64'];
  }
  const data = slice ? acc.data.subarray(slice.offset, slice.offset + slice.length) : acc.data;
  switch (encoding) {
    case 'binary':
    case 'base58':
      if (data.length > MAX_BASE58_BYTES) {
        throw new RpcError(
          RPC_INVALID_REQUEST,
          `Encoded binary (base 58) data should be less than ${MAX_BASE58_BYTES} bytes, please use Base64 encoding.`,
        );
      }
      return encoding === 'binary' ? base58.decode(data) : [base58.decode(data), 'base58'];
    case 'base64':
      return [base64.decode(data), 'base64'];
    case 'base64+zstd':
      throw invalidParams('Invalid params: the sandbox RPC does not support "base64+zstd"; use "base64"');
  }
}

// ---- SPL Token / Token-2022 ----------------------------------------------

const MINT_LEN = 82;
const ACCOUNT_LEN = 165;
const MULTISIG_LEN = 355;
const ACCOUNT_TYPE_MINT = 1;
const ACCOUNT_TYPE_ACCOUNT = 2;

function isTokenProgram(owner: string): boolean {
  return owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM;
}

function view(d: Uint8Array): DataView {
  return new DataView(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Base58 of the keys inside account data, remembered: the same mints and owners come back in every
 * token balance, and base58 by big-integer division is the costliest step of encoding one.
 */
const keyNames = new Map<string, Address>();
const KEY_NAMES_MAX = 65_536;

function key(d: Uint8Array, at: number): Address {
  const raw = Buffer.from(d.buffer, d.byteOffset + at, 32).toString('latin1');
  let name = keyNames.get(raw);
  if (name === undefined) {
    name = base58.decode(d.subarray(at, at + 32)) as Address;
    if (keyNames.size >= KEY_NAMES_MAX) keyNames.clear();
    keyNames.set(raw, name);
  }
  return name;
}

/** COption<Pubkey>: a 4-byte tag then the key. */
function optionKey(d: Uint8Array, at: number): Address | null {
  return view(d).getUint32(at, true) === 1 ? key(d, at + 4) : null;
}

export function isMintData(owner: string, d: Uint8Array): boolean {
  if (!isTokenProgram(owner)) return false;
  if (d.length === MINT_LEN) return true;
  return owner === TOKEN_2022_PROGRAM && d.length > ACCOUNT_LEN && d[ACCOUNT_LEN] === ACCOUNT_TYPE_MINT;
}

export function isTokenAccountData(owner: string, d: Uint8Array): boolean {
  if (!isTokenProgram(owner)) return false;
  if (d.length === ACCOUNT_LEN) return true;
  return owner === TOKEN_2022_PROGRAM && d.length > ACCOUNT_LEN && d[ACCOUNT_LEN] === ACCOUNT_TYPE_ACCOUNT;
}

export interface ParsedMint {
  mintAuthority: Address | null;
  supply: bigint;
  decimals: number;
  isInitialized: boolean;
  freezeAuthority: Address | null;
}

export function parseMint(acc: AccountState): ParsedMint | null {
  const d = acc.data;
  if (!isMintData(acc.owner, d)) return null;
  return {
    mintAuthority: optionKey(d, 0),
    supply: view(d).getBigUint64(36, true),
    decimals: d[44] ?? 0,
    isInitialized: d[45] === 1,
    freezeAuthority: optionKey(d, 46),
  };
}

export interface ParsedTokenAccount {
  mint: Address;
  owner: Address;
  amount: bigint;
  delegate: Address | null;
  state: 'uninitialized' | 'initialized' | 'frozen';
  isNative: boolean;
  rentExemptReserve: bigint | null;
  delegatedAmount: bigint;
  closeAuthority: Address | null;
}

export function parseFullTokenAccount(acc: AccountState): ParsedTokenAccount | null {
  const d = acc.data;
  if (!isTokenAccountData(acc.owner, d)) return null;
  const v = view(d);
  const native = v.getUint32(109, true) === 1;
  const state = d[108] === 2 ? 'frozen' : d[108] === 1 ? 'initialized' : 'uninitialized';
  return {
    mint: key(d, 0),
    owner: key(d, 32),
    amount: v.getBigUint64(64, true),
    delegate: optionKey(d, 72),
    state,
    isNative: native,
    rentExemptReserve: native ? v.getBigUint64(113, true) : null,
    delegatedAmount: v.getBigUint64(121, true),
    closeAuthority: optionKey(d, 129),
  };
}

/** Solana's uiAmountString: the amount with `decimals` places, trailing zeros trimmed. */
export function uiAmountString(amount: bigint, decimals: number): string {
  if (decimals === 0) return amount.toString();
  const s = amount.toString().padStart(decimals + 1, '0');
  const whole = s.slice(0, s.length - decimals);
  const frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

function uiAmount(amount: bigint, decimals: number): F64 | null {
  // Solana computes `amount as f64 / 10^decimals` and gives null when 10^decimals overflows usize.
  return decimals <= 19 ? new F64(Number(amount) / 10 ** decimals) : null;
}

/** UiTokenAmount as getTokenAccountBalance and jsonParsed accounts return it. */
export function tokenAmount(amount: bigint, decimals: number): Record<string, unknown> {
  return {
    amount: amount.toString(),
    decimals,
    uiAmount: uiAmount(amount, decimals),
    uiAmountString: uiAmountString(amount, decimals),
  };
}

/**
 * A transaction's pre/post token balance. Solana stores transaction metadata in protobuf,
 * which turns a zero uiAmount into null, so zero balances read back as `uiAmount: null`.
 */
export function encodeTokenBalance(b: TokenBalance): Record<string, unknown> {
  const amount = tokenAmount(b.amount, b.decimals);
  if (b.amount === 0n) amount['uiAmount'] = null;
  return { accountIndex: b.accountIndex, mint: b.mint, uiTokenAmount: amount, owner: b.owner, programId: b.programId };
}

/** Token-2022 extensions, as far as Solana's parser renders them without program-specific state. */
function parseExtensions(d: Uint8Array): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const v = view(d);
  let at = ACCOUNT_LEN + 1;
  while (at + 4 <= d.length) {
    const type = v.getUint16(at, true);
    const len = v.getUint16(at + 2, true);
    const body = d.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    if (type === 0) break;
    out.push(extension(type, body));
  }
  return out;
}

function nonZeroKey(body: Uint8Array): Address | null {
  return body.length >= 32 && body.subarray(0, 32).some((b) => b !== 0) ? key(body, 0) : null;
}

function extension(type: number, body: Uint8Array): Record<string, unknown> {
  switch (type) {
    case 3:
      return { extension: 'mintCloseAuthority', state: { closeAuthority: nonZeroKey(body) } };
    case 6:
      return {
        extension: 'defaultAccountState',
        state: { accountState: body[0] === 2 ? 'frozen' : body[0] === 1 ? 'initialized' : 'uninitialized' },
      };
    case 7:
      return { extension: 'immutableOwner' };
    case 8:
      return { extension: 'memoTransfer', state: { requireIncomingTransferMemos: body[0] === 1 } };
    case 9:
      return { extension: 'nonTransferable' };
    case 11:
      return { extension: 'cpiGuard', state: { lockCpi: body[0] === 1 } };
    case 12:
      return { extension: 'permanentDelegate', state: { delegate: nonZeroKey(body) } };
    case 13:
      return { extension: 'nonTransferableAccount' };
    case 15:
      return { extension: 'transferHookAccount', state: { transferring: body[0] === 1 } };
    default:
      return { extension: 'unparseableExtension' };
  }
}

/** jsonParsed data of a Token / Token-2022 account, mint or multisig; null if it is none of them. */
export function parseTokenProgramAccount(acc: AccountState, lookup: AccountLookup): Record<string, unknown> | null {
  if (!isTokenProgram(acc.owner)) return null;
  const program = acc.owner === TOKEN_2022_PROGRAM ? 'spl-token-2022' : 'spl-token';
  const extended = acc.owner === TOKEN_2022_PROGRAM && acc.data.length > ACCOUNT_LEN;
  const wrap = (type: string, info: Record<string, unknown>) => ({ parsed: { info, type }, program, space: acc.space });

  const account = parseFullTokenAccount(acc);
  if (account) {
    const mint = lookup(account.mint);
    const decimals = mint ? parseMint(mint)?.decimals : undefined;
    // Solana needs the mint's decimals; without them it falls back to base64.
    if (decimals === undefined) return null;
    const info: Record<string, unknown> = {
      closeAuthority: account.closeAuthority ?? undefined,
      delegate: account.delegate ?? undefined,
      delegatedAmount: account.delegate ? tokenAmount(account.delegatedAmount, decimals) : undefined,
      extensions: extended ? parseExtensions(acc.data) : undefined,
      isNative: account.isNative,
      mint: account.mint,
      owner: account.owner,
      rentExemptReserve:
        account.rentExemptReserve !== null ? tokenAmount(account.rentExemptReserve, decimals) : undefined,
      state: account.state,
      tokenAmount: tokenAmount(account.amount, decimals),
    };
    if (Array.isArray(info['extensions']) && (info['extensions'] as unknown[]).length === 0) delete info['extensions'];
    return wrap('account', info);
  }
  const mint = parseMint(acc);
  if (mint) {
    const info: Record<string, unknown> = {
      decimals: mint.decimals,
      extensions: extended ? parseExtensions(acc.data) : undefined,
      freezeAuthority: mint.freezeAuthority,
      isInitialized: mint.isInitialized,
      mintAuthority: mint.mintAuthority,
      supply: mint.supply.toString(),
    };
    if (Array.isArray(info['extensions']) && (info['extensions'] as unknown[]).length === 0) delete info['extensions'];
    return wrap('mint', info);
  }
  if (acc.data.length === MULTISIG_LEN) {
    const d = acc.data;
    const n = d[1] ?? 0;
    return wrap('multisig', {
      isInitialized: d[2] === 1,
      numRequiredSigners: d[0] ?? 0,
      numValidSigners: n,
      signers: Array.from({ length: Math.min(n, 11) }, (_, i) => key(d, 3 + i * 32)),
    });
  }
  return null;
}

// ---- transactions -----------------------------------------------------

const ZERO_SIGNATURE = '1'.repeat(64);

/** The `json` encoding of a transaction (UiTransaction with a raw message). */
export function encodeTransactionJson(tx: Transaction, message: DecodedMessage): Record<string, unknown> {
  return {
    signatures: Object.values(tx.signatures).map((s) => (s ? base58.decode(s) : ZERO_SIGNATURE)),
    message: {
      header: {
        numRequiredSignatures: message.header.numSignerAccounts,
        numReadonlySignedAccounts: message.header.numReadonlySignerAccounts,
        numReadonlyUnsignedAccounts: message.header.numReadonlyNonSignerAccounts,
      },
      accountKeys: message.staticAccounts,
      recentBlockhash: message.lifetimeToken,
      instructions: message.instructions.map((ix) => ({
        programIdIndex: ix.programAddressIndex,
        accounts: ix.accountIndices ?? [],
        data: base58.decode(ix.data ?? new Uint8Array()),
        stackHeight: null,
      })),
      // Only versioned (v0) messages carry address table lookups.
      addressTableLookups:
        message.version === 'legacy'
          ? undefined
          : message.addressTableLookups.map((l) => ({
              accountKey: l.lookupTableAddress,
              writableIndexes: [...l.writableIndexes],
              readonlyIndexes: [...l.readonlyIndexes],
            })),
    },
  };
}

/** Which of a message's accounts (static, then loaded from its lookup tables) the transaction locks for writing. */
export function writableAccounts(message: DecodedMessage): Address[] {
  const { numSignerAccounts, numReadonlySignerAccounts, numReadonlyNonSignerAccounts } = message.header;
  const total = message.staticAccounts.length;
  const writableStatic = message.staticAccounts.filter((_, i) =>
    i < numSignerAccounts
      ? i < numSignerAccounts - numReadonlySignerAccounts
      : i < total - numReadonlyNonSignerAccounts,
  );
  return [...writableStatic, ...message.loadedAddresses.writable];
}

/** The compute-unit price (micro-lamports) a message's compute-budget instructions set, or 0. */
export function computeUnitPrice(message: DecodedMessage): bigint {
  let price = 0n;
  for (const ix of message.instructions) {
    const d = ix.data;
    if (message.staticAccounts[ix.programAddressIndex] !== 'ComputeBudget111111111111111111111111111111' || !d)
      continue;
    if (d[0] === 3 && d.length >= 9) price = view(d).getBigUint64(1, true);
  }
  return price;
}
