import type { Db } from './database';
import { statementCache } from './statements';

export interface WhitelistEntry {
  id: number;
  userId: number;
  address: string;
  label: string;
  addedAt: string;
  usableAt: string;
}

export type WithdrawalStatus = 'pending' | 'signed' | 'confirmed' | 'failed' | 'expired';

export interface WithdrawalRow {
  id: number;
  userId: number;
  network: string;
  mint: string;
  amount: bigint;
  destination: string;
  status: WithdrawalStatus;
  signature: string | null;
  lastValidBlockHeight: bigint | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

interface RawWithdrawal {
  id: number;
  user_id: number;
  network: string;
  mint: string;
  amount: string;
  destination: string;
  status: WithdrawalStatus;
  signature: string | null;
  last_valid_block_height: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const toWithdrawal = (r: RawWithdrawal): WithdrawalRow => ({
  id: r.id,
  userId: r.user_id,
  network: r.network,
  mint: r.mint,
  amount: BigInt(r.amount),
  destination: r.destination,
  status: r.status,
  signature: r.signature,
  lastValidBlockHeight: r.last_valid_block_height === null ? null : BigInt(r.last_valid_block_height),
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Withdrawal whitelists and the withdrawal journal. */
export class FundsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  whitelist(userId: number): WhitelistEntry[] {
    const rows = this.statements
      .prepare(
        'SELECT id, user_id, address, label, added_at, usable_at FROM whitelist WHERE user_id = ? AND removed_at IS NULL ORDER BY id',
      )
      .all(userId) as {
      id: number;
      user_id: number;
      address: string;
      label: string;
      added_at: string;
      usable_at: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      address: r.address,
      label: r.label,
      addedAt: r.added_at,
      usableAt: r.usable_at,
    }));
  }

  whitelistEntry(userId: number, address: string): WhitelistEntry | null {
    return this.whitelist(userId).find((e) => e.address === address) ?? null;
  }

  addWhitelist(userId: number, address: string, label: string, addedAt: string, usableAt: string): void {
    this.statements
      .prepare('INSERT INTO whitelist (user_id, address, label, added_at, usable_at) VALUES (?, ?, ?, ?, ?)')
      .run(userId, address, label, addedAt, usableAt);
  }

  removeWhitelist(userId: number, address: string, removedAt: string): boolean {
    return (
      this.statements
        .prepare('UPDATE whitelist SET removed_at = ? WHERE user_id = ? AND address = ? AND removed_at IS NULL')
        .run(removedAt, userId, address).changes > 0
    );
  }

  insertWithdrawal(w: {
    userId: number;
    network: string;
    mint: string;
    amount: bigint;
    destination: string;
    at: string;
  }): number {
    const info = this.statements
      .prepare(
        "INSERT INTO withdrawals (user_id, network, mint, amount, destination, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
      )
      .run(w.userId, w.network, w.mint, w.amount.toString(), w.destination, w.at, w.at);
    return Number(info.lastInsertRowid);
  }

  markWithdrawalSigned(id: number, signature: string, lastValidBlockHeight: bigint, at: string): void {
    this.statements
      .prepare(
        "UPDATE withdrawals SET status = 'signed', signature = ?, last_valid_block_height = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
      )
      .run(signature, lastValidBlockHeight.toString(), at, id);
  }

  finishWithdrawal(id: number, status: 'confirmed' | 'failed' | 'expired', error: string | null, at: string): void {
    this.statements
      .prepare(
        "UPDATE withdrawals SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'signed')",
      )
      .run(status, error, at, id);
  }

  withdrawal(id: number): WithdrawalRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, network, mint, amount, destination, status, signature, last_valid_block_height, error, created_at, updated_at FROM withdrawals WHERE id = ?',
      )
      .get(id) as RawWithdrawal | undefined;
    return r ? toWithdrawal(r) : null;
  }

  withdrawals(userId: number, limit = 100): WithdrawalRow[] {
    const rows = this.statements
      .prepare(
        'SELECT id, user_id, network, mint, amount, destination, status, signature, last_valid_block_height, error, created_at, updated_at FROM withdrawals WHERE user_id = ? ORDER BY id DESC LIMIT ?',
      )
      .all(userId, limit) as RawWithdrawal[];
    return rows.map(toWithdrawal);
  }

  /** Withdrawals that count against a cap: everything not known to have failed or expired. */
  withdrawnSince(userId: number, network: string, mint: string, sinceIso: string): bigint {
    const rows = this.statements
      .prepare(
        "SELECT amount FROM withdrawals WHERE user_id = ? AND network = ? AND mint = ? AND created_at >= ? AND status IN ('pending', 'signed', 'confirmed')",
      )
      .all(userId, network, mint, sinceIso) as { amount: string }[];
    return rows.reduce((sum, r) => sum + BigInt(r.amount), 0n);
  }

  unfinishedWithdrawals(): WithdrawalRow[] {
    const rows = this.statements
      .prepare(
        "SELECT id, user_id, network, mint, amount, destination, status, signature, last_valid_block_height, error, created_at, updated_at FROM withdrawals WHERE status IN ('pending', 'signed') ORDER BY id",
      )
      .all() as RawWithdrawal[];
    return rows.map(toWithdrawal);
  }
}
