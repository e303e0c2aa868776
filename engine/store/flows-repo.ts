import type { Db } from './database';
import { statementCache } from './statements';

/** Where a transaction touching a wallet comes from: one of Harvest's own, an outside flow, or nothing that moved. */
export type WalletTxSource = 'intent' | 'withdrawal' | 'faucet' | 'flow' | 'none';

export interface WalletTxRow {
  network: string;
  userId: number;
  wallet: string;
  signature: string;
  slot: bigint;
  blockTime: number | null;
  source: WalletTxSource;
  /** Asset ('SOL' or a mint) -> change in base units, as the balance reads measure the wallet. */
  deltas: Map<string, bigint>;
  /** Network fee the wallet paid (0 when another account paid it). */
  fee: bigint;
  /** Lamports the wallet put into accounts created by this transaction (rent deposits); negative when refunded. */
  rent: bigint;
  /** Lamports the wallet put into token accounts it created for others (a recipient's account). */
  rentOut: bigint;
  failed: boolean;
  seenAt: string;
}

export interface FaucetGrantRow {
  userId: number;
  network: string;
  mint: string;
  amount: bigint;
  signature: string;
  createdAt: string;
}

export interface LedgerCheckRow {
  id: number;
  userId: number;
  network: string;
  ts: string;
  ok: boolean;
  discrepancies: unknown[];
  ackedAt: string | null;
  ackedBy: string | null;
}

interface RawWalletTx {
  network: string;
  user_id: number;
  wallet: string;
  signature: string;
  slot: string;
  block_time: string | null;
  source: WalletTxSource;
  deltas: string;
  fee: string;
  rent: string;
  rent_out: string;
  failed: number;
  seen_at: string;
}

const toWalletTx = (r: RawWalletTx): WalletTxRow => ({
  network: r.network,
  userId: r.user_id,
  wallet: r.wallet,
  signature: r.signature,
  slot: BigInt(r.slot),
  blockTime: r.block_time === null ? null : Number(r.block_time),
  source: r.source,
  deltas: new Map(Object.entries(JSON.parse(r.deltas) as Record<string, string>).map(([k, v]) => [k, BigInt(v)])),
  fee: BigInt(r.fee),
  rent: BigInt(r.rent),
  rentOut: BigInt(r.rent_out),
  failed: r.failed === 1,
  seenAt: r.seen_at,
});

/**
 * What the flow scanner and the ledger check keep: per-address cursors, every
 * transaction seen touching a wallet, the faucet's grants, and check results.
 */
export class FlowsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  // ---- cursors ------------------------------------------------------------

  cursor(network: string, address: string): string | null {
    const r = this.statements
      .prepare('SELECT last_signature FROM flow_cursors WHERE network = ? AND address = ?')
      .get(network, address) as { last_signature: string } | undefined;
    return r?.last_signature ?? null;
  }

  setCursor(network: string, address: string, userId: number, signature: string, slot: bigint, at: string): void {
    this.statements
      .prepare(
        `INSERT INTO flow_cursors (network, address, user_id, last_signature, last_slot, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(network, address) DO UPDATE SET user_id = excluded.user_id, last_signature = excluded.last_signature,
           last_slot = excluded.last_slot, updated_at = excluded.updated_at`,
      )
      .run(network, address, userId, signature, slot.toString(), at);
  }

  // ---- transactions seen ----------------------------------------------------

  hasTx(network: string, wallet: string, signature: string): boolean {
    return (
      this.statements
        .prepare('SELECT 1 FROM wallet_txs WHERE network = ? AND wallet = ? AND signature = ?')
        .get(network, wallet, signature) !== undefined
    );
  }

  /** Records a transaction once; false when it was already recorded. */
  insertTx(t: WalletTxRow): boolean {
    const deltas = Object.fromEntries([...t.deltas].map(([k, v]) => [k, v.toString()]));
    const info = this.statements
      .prepare(
        'INSERT OR IGNORE INTO wallet_txs (network, user_id, wallet, signature, slot, block_time, source, deltas, fee, rent, rent_out, failed, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        t.network,
        t.userId,
        t.wallet,
        t.signature,
        t.slot.toString(),
        t.blockTime === null ? null : String(t.blockTime),
        t.source,
        JSON.stringify(deltas),
        t.fee.toString(),
        t.rent.toString(),
        t.rentOut.toString(),
        t.failed ? 1 : 0,
        t.seenAt,
      );
    return info.changes === 1;
  }

  txs(userId: number, network: string): WalletTxRow[] {
    return (
      this.statements
        .prepare(
          'SELECT network, user_id, wallet, signature, slot, block_time, source, deltas, fee, rent, rent_out, failed, seen_at FROM wallet_txs WHERE user_id = ? AND network = ? ORDER BY CAST(slot AS INTEGER), rowid',
        )
        .all(userId, network) as RawWalletTx[]
    ).map(toWalletTx);
  }

  tx(network: string, wallet: string, signature: string): WalletTxRow | null {
    const r = this.statements
      .prepare(
        'SELECT network, user_id, wallet, signature, slot, block_time, source, deltas, fee, rent, rent_out, failed, seen_at FROM wallet_txs WHERE network = ? AND wallet = ? AND signature = ?',
      )
      .get(network, wallet, signature) as RawWalletTx | undefined;
    return r ? toWalletTx(r) : null;
  }

  // ---- what explains a signature ----------------------------------------------

  /** Which of Harvest's own journals holds this signature, if any. */
  ownSource(network: string, signature: string): 'intent' | 'withdrawal' | 'faucet' | null {
    if (this.statements.prepare('SELECT 1 FROM intents WHERE network = ? AND signature = ?').get(network, signature))
      return 'intent';
    if (this.statements.prepare('SELECT 1 FROM trades WHERE network = ? AND signature = ?').get(network, signature))
      return 'intent';
    if (
      this.statements.prepare('SELECT 1 FROM withdrawals WHERE network = ? AND signature = ?').get(network, signature)
    )
      return 'withdrawal';
    if (
      this.statements.prepare('SELECT 1 FROM faucet_grants WHERE network = ? AND signature = ?').get(network, signature)
    )
      return 'faucet';
    return null;
  }

  /** When the user's first order on a network was journalled (the risk engine measured equity then). */
  firstIntentAt(userId: number, network: string): string | null {
    const r = this.statements
      .prepare('SELECT MIN(created_at) AS t FROM intents WHERE user_id = ? AND network = ?')
      .get(userId, network) as { t: string | null };
    return r.t;
  }

  // ---- faucet -----------------------------------------------------------------

  insertGrant(g: FaucetGrantRow): void {
    this.statements
      .prepare(
        'INSERT OR IGNORE INTO faucet_grants (user_id, network, mint, amount, signature, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(g.userId, g.network, g.mint, g.amount.toString(), g.signature, g.createdAt);
  }

  grants(userId: number, network: string): FaucetGrantRow[] {
    return (
      this.statements
        .prepare(
          'SELECT user_id, network, mint, amount, signature, created_at FROM faucet_grants WHERE user_id = ? AND network = ? ORDER BY id',
        )
        .all(userId, network) as {
        user_id: number;
        network: string;
        mint: string;
        amount: string;
        signature: string;
        created_at: string;
      }[]
    ).map((r) => ({
      userId: r.user_id,
      network: r.network,
      mint: r.mint,
      amount: BigInt(r.amount),
      signature: r.signature,
      createdAt: r.created_at,
    }));
  }

  // ---- ledger checks ------------------------------------------------------------

  insertCheck(c: Omit<LedgerCheckRow, 'id' | 'ackedAt' | 'ackedBy'>): number {
    const info = this.statements
      .prepare('INSERT INTO ledger_checks (user_id, network, ts, ok, discrepancies) VALUES (?, ?, ?, ?, ?)')
      .run(c.userId, c.network, c.ts, c.ok ? 1 : 0, JSON.stringify(c.discrepancies));
    return Number(info.lastInsertRowid);
  }

  lastCheck(userId: number, network: string): LedgerCheckRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, network, ts, ok, discrepancies, acked_at, acked_by FROM ledger_checks WHERE user_id = ? AND network = ? ORDER BY id DESC LIMIT 1',
      )
      .get(userId, network) as
      | {
          id: number;
          user_id: number;
          network: string;
          ts: string;
          ok: number;
          discrepancies: string;
          acked_at: string | null;
          acked_by: string | null;
        }
      | undefined;
    return r
      ? {
          id: r.id,
          userId: r.user_id,
          network: r.network,
          ts: r.ts,
          ok: r.ok === 1,
          discrepancies: JSON.parse(r.discrepancies) as unknown[],
          ackedAt: r.acked_at,
          ackedBy: r.acked_by,
        }
      : null;
  }

  ack(id: number, at: string, by: string): void {
    this.statements
      .prepare('UPDATE ledger_checks SET acked_at = ?, acked_by = ? WHERE id = ? AND acked_at IS NULL')
      .run(at, by, id);
  }
}
