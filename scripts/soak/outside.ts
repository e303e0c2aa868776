/**
 * The soak's outside view, independent of the engine's own reasoning: the
 * engine's database opened read-only, the chain over its JSON-RPC endpoint
 * (directly, never through the fault proxy) and the sandbox ledger's own
 * transaction history. The invariants return violations instead of throwing,
 * so one run reports every broken figure at once.
 */
import type { Address } from '@solana/kit';
import Database from 'better-sqlite3';
import { findAssociatedTokenAddress } from '../../engine/chain/programs';
import { dataDirLayout } from '../../engine/kernel/paths';
import { tokenBySymbol, type TokenInfo } from '../../engine/market';
import { readChainHistory } from '../../test/helpers/ledger-history';

export const USDC = tokenBySymbol('USDC')!;
/** The tokens friends trade: SPL tokens against USDC, so the SOL balance moves only by fees and rent. */
export const TRADED: readonly TokenInfo[] = [tokenBySymbol('WETH')!, tokenBySymbol('WBTC')!];

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

export interface IntentRow {
  id: number;
  user_id: number;
  client_id: string;
  context: string;
  side: 'buy' | 'sell';
  status: string;
  signature: string | null;
  last_valid_block_height: string | null;
  slippage_bps: number;
  created_at: string;
  /** When the intent last changed (its outcome, for a finished one). */
  updated_at: string;
  reason_code: string | null;
}

export interface TradeRow {
  id: number;
  intent_id: number;
  user_id: number;
  context: string;
  side: 'buy' | 'sell';
  base_mint: string;
  quote_mint: string;
  base_amount: string;
  quote_amount: string;
  fee_lamports: string;
  signature: string | null;
  executed_at: string;
}

export interface DbView {
  users: { id: number; name: string; address: string }[];
  intents: IntentRow[];
  trades: TradeRow[];
  /** Open position quantity by user id and mint. */
  open: Map<string, bigint>;
  events: Map<string, number>;
  /** The engine's own price.stale / price.restored events (a token lost or got back its trusted price), oldest first. */
  priceEvents: { at: number; type: 'price.stale' | 'price.restored'; mint: string }[];
  /** Closed 1-minute candles the engine stored (built from live ticks; history seeds only 5 minutes and up). */
  candles1m: number;
}

export function readDb(dataDir: string): DbView {
  const db = new Database(dataDirLayout(dataDir).db, { readonly: true, fileMustExist: true });
  try {
    const users = db
      .prepare('SELECT u.id, u.name, w.address FROM users u JOIN wallets w ON w.user_id = u.id ORDER BY u.id')
      .all() as DbView['users'];
    const intents = db
      .prepare(
        'SELECT id, user_id, client_id, context, side, status, signature, last_valid_block_height, slippage_bps, created_at, updated_at, reason_code FROM intents ORDER BY id',
      )
      .all() as IntentRow[];
    const trades = db
      .prepare(
        'SELECT id, intent_id, user_id, context, side, base_mint, quote_mint, base_amount, quote_amount, fee_lamports, signature, executed_at FROM trades ORDER BY id',
      )
      .all() as TradeRow[];
    const open = new Map<string, bigint>();
    const rows = db.prepare("SELECT user_id, mint, quantity FROM positions WHERE status = 'open'").all() as {
      user_id: number;
      mint: string;
      quantity: string;
    }[];
    for (const p of rows) {
      const k = `${p.user_id}:${p.mint}`;
      open.set(k, (open.get(k) ?? 0n) + BigInt(p.quantity));
    }
    const events = new Map<string, number>();
    for (const e of db.prepare('SELECT type, COUNT(*) AS n FROM events GROUP BY type').all() as {
      type: string;
      n: number;
    }[])
      events.set(e.type, e.n);
    const priceEvents = (
      db
        .prepare(
          "SELECT ts, type, json_extract(payload, '$.mint') AS mint FROM events WHERE type IN ('price.stale', 'price.restored') ORDER BY id",
        )
        .all() as { ts: string; type: 'price.stale' | 'price.restored'; mint: string }[]
    ).map((e) => ({ at: Date.parse(e.ts), type: e.type, mint: e.mint }));
    const candles1m = (
      db.prepare("SELECT COUNT(*) AS n FROM candles WHERE timeframe = '1m' AND source = 'live'").get() as { n: number }
    ).n;
    return { users, intents, trades, open, events, priceEvents, candles1m };
  } finally {
    db.close();
  }
}

export interface WalletChain {
  lamports: bigint;
  /** Token amount and the lamports held by the token account, by mint (0 / 0 when it does not exist). */
  tokens: Map<string, { amount: bigint; lamports: bigint }>;
}

export async function readWallet(rpcUrl: string, wallet: string): Promise<WalletChain> {
  const lamports = BigInt((await rpc<{ value: number }>(rpcUrl, 'getBalance', [wallet])).value);
  const tokens = new Map<string, { amount: bigint; lamports: bigint }>();
  for (const t of [USDC, ...TRADED]) {
    const ata = await findAssociatedTokenAddress(wallet as Address, t.mint as Address, t.tokenProgram!);
    const info = await rpc<{ value: { lamports: number } | null }>(rpcUrl, 'getAccountInfo', [
      ata,
      { encoding: 'base64' },
    ]);
    if (info.value === null) {
      tokens.set(t.mint, { amount: 0n, lamports: 0n });
      continue;
    }
    const b = await rpc<{ value: { amount: string } }>(rpcUrl, 'getTokenAccountBalance', [ata]);
    tokens.set(t.mint, { amount: BigInt(b.value.amount), lamports: BigInt(info.value.lamports) });
  }
  return { lamports, tokens };
}

export interface SigStatus {
  err: unknown;
  confirmationStatus: string | null;
}

export async function signatureStatuses(
  rpcUrl: string,
  sigs: readonly string[],
): Promise<Map<string, SigStatus | null>> {
  const out = new Map<string, SigStatus | null>();
  for (let i = 0; i < sigs.length; i += 200) {
    const chunk = sigs.slice(i, i + 200);
    const r = await rpc<{ value: (SigStatus | null)[] }>(rpcUrl, 'getSignatureStatuses', [
      chunk,
      { searchTransactionHistory: true },
    ]);
    chunk.forEach((s, j) => out.set(s, r.value[j] ?? null));
  }
  return out;
}

export interface Funding {
  lamports: bigint;
  usdc: bigint;
}

export interface LedgerCheck {
  violations: string[];
  wallets: number;
  walletsBalanced: number;
  swapsOnChain: number;
  failedOnChain: number;
  trades: number;
  feesLamports: bigint;
}

/**
 * No duplicate or lost swap, and ledger = chain for every wallet, to the base unit:
 *  - one intent per (friend, client id); at most one trade per intent, only for a confirmed one;
 *  - nothing left pending; 'signed' only while its blockhash can still land;
 *  - every journaled signature: landed without error ⇔ a trade row;
 *  - every transaction the wallet paid for that landed ⇔ exactly one trade with the same amounts and fee;
 *  - USDC, WETH, WBTC on chain = faucet + Σ trades; SOL = faucet − Σ fees − rent held by the
 *    token accounts its swaps created; each open position's quantity = that token on chain.
 */
export async function checkLedger(dataDir: string, rpcUrl: string, funding: Funding, faucet: ReadonlySet<string>) {
  const v: string[] = [];
  const db = readDb(dataDir);
  const height = BigInt(await rpc<number>(rpcUrl, 'getBlockHeight'));
  const statuses = await signatureStatuses(
    rpcUrl,
    db.intents.map((i) => i.signature).filter((s): s is string => s !== null),
  );
  const history = readChainHistory(dataDir, new Set(db.users.map((u) => u.address)), faucet);
  const out: LedgerCheck = {
    violations: v,
    wallets: db.users.length,
    walletsBalanced: 0,
    swapsOnChain: 0,
    failedOnChain: 0,
    trades: db.trades.length,
    feesLamports: 0n,
  };

  const seen = new Set<string>();
  for (const i of db.intents) {
    const k = `${i.user_id}:${i.client_id}`;
    if (seen.has(k)) v.push(`client id ${i.client_id} of user ${i.user_id} has two intents`);
    seen.add(k);
    if (i.status === 'pending') v.push(`intent ${i.id} is still pending`);
    if (i.status === 'signed' && !(i.last_valid_block_height && BigInt(i.last_valid_block_height) >= height))
      v.push(`intent ${i.id} is still 'signed' although its blockhash expired`);
  }
  const intentById = new Map(db.intents.map((i) => [i.id, i]));
  const tradesByIntent = new Map<number, TradeRow[]>();
  for (const t of db.trades) tradesByIntent.set(t.intent_id, [...(tradesByIntent.get(t.intent_id) ?? []), t]);
  for (const [id, ts] of tradesByIntent) {
    const i = intentById.get(id);
    if (ts.length > 1) v.push(`intent ${id} has ${ts.length} trades (duplicate)`);
    if (i?.status !== 'confirmed') v.push(`trade ${ts[0]!.id} belongs to intent ${id}, which is ${i?.status}`);
    if (i && ts[0]!.signature !== i.signature) v.push(`trade ${ts[0]!.id} and intent ${id} name different swaps`);
  }
  for (const i of db.intents) {
    if (i.status === 'confirmed' && !tradesByIntent.has(i.id)) v.push(`confirmed intent ${i.id} has no trade (lost)`);
    if (!i.signature) continue;
    const st = statuses.get(i.signature) ?? null;
    const landedOk = st !== null && st.err === null && st.confirmationStatus !== 'processed';
    if (landedOk !== tradesByIntent.has(i.id))
      v.push(`intent ${i.id} (${i.status}): landed=${landedOk}, trade=${tradesByIntent.has(i.id)}`);
  }

  for (const u of db.users) {
    const before = v.length;
    const txs = history.get(u.address) ?? [];
    const mine = db.trades.filter((t) => t.user_id === u.id);
    const bySig = new Map<string, TradeRow>();
    for (const t of mine) {
      if (!t.signature) v.push(`${u.name}: trade ${t.id} has no signature`);
      else if (bySig.has(t.signature)) v.push(`${u.name}: two trades name ${t.signature} (duplicate)`);
      else bySig.set(t.signature, t);
    }
    const landed = txs.filter((t) => t.err === null);
    out.swapsOnChain += landed.length;
    out.failedOnChain += txs.length - landed.length;
    for (const tx of landed) {
      const t = bySig.get(tx.signature);
      if (!t) {
        v.push(`${u.name}: swap ${tx.signature} landed on chain but has no trade row (lost)`);
        continue;
      }
      const q = tx.tokenDelta.get(t.quote_mint) ?? 0n;
      const b = tx.tokenDelta.get(t.base_mint) ?? 0n;
      const [quote, base] = t.side === 'buy' ? [-q, b] : [q, -b];
      if (quote !== BigInt(t.quote_amount) || base !== BigInt(t.base_amount))
        v.push(`${u.name}: trade ${t.id} says ${t.quote_amount}/${t.base_amount}, the swap moved ${quote}/${base}`);
      if (BigInt(t.fee_lamports) !== tx.fee) v.push(`${u.name}: trade ${t.id} fee ${t.fee_lamports} ≠ ${tx.fee}`);
    }
    const landedSigs = new Set(landed.map((t) => t.signature));
    for (const t of mine)
      if (t.signature && !landedSigs.has(t.signature))
        v.push(`${u.name}: trade ${t.id} has no landed swap ${t.signature} (phantom)`);

    // Money, to the base unit.
    const expect = new Map<string, bigint>([[USDC.mint, funding.usdc]]);
    for (const t of mine) {
      const sign = t.side === 'buy' ? 1n : -1n;
      expect.set(t.quote_mint, (expect.get(t.quote_mint) ?? 0n) - sign * BigInt(t.quote_amount));
      expect.set(t.base_mint, (expect.get(t.base_mint) ?? 0n) + sign * BigInt(t.base_amount));
    }
    const chain = await readWallet(rpcUrl, u.address);
    for (const [mint, want] of expect) {
      const have = chain.tokens.get(mint)?.amount ?? 0n;
      if (have !== want) v.push(`${u.name}: ${mint} on chain ${have}, ledger says ${want}`);
    }
    for (const t of TRADED) {
      const have = chain.tokens.get(t.mint)!.amount;
      const pos = db.open.get(`${u.id}:${t.mint}`) ?? 0n;
      if (pos !== have) v.push(`${u.name}: open ${t.symbol} position ${pos}, on chain ${have}`);
    }
    const fees = txs.reduce((a, t) => a + t.fee, 0n);
    out.feesLamports += fees;
    const rent = TRADED.reduce((a, t) => a + chain.tokens.get(t.mint)!.lamports, 0n);
    if (chain.lamports !== funding.lamports - fees - rent)
      v.push(`${u.name}: SOL on chain ${chain.lamports}, faucet − fees − rent = ${funding.lamports - fees - rent}`);
    if (v.length === before) out.walletsBalanced++;
  }
  return { check: out, db, statuses };
}
