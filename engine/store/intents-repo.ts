import type { Db } from './database';
import { runFactNeutral } from './fact-changes';
import { statementCache } from './statements';

export type IntentStatus = 'pending' | 'signed' | 'confirmed' | 'failed' | 'expired' | 'rejected';

export interface IntentRow {
  id: number;
  userId: number;
  clientId: string;
  network: string;
  venue: 'jupiter' | 'paper';
  context: 'manual' | 'strategy' | 'exit' | 'copy' | 'emergency';
  side: 'buy' | 'sell';
  inputMint: string;
  outputMint: string;
  amount: bigint;
  slippageBps: number;
  status: IntentStatus;
  reasonCode: string | null;
  error: string | null;
  quote: unknown;
  signature: string | null;
  signedTx: string | null;
  lastValidBlockHeight: bigint | null;
  exits: { stopLossPrice: number | null; takeProfitPrice: number | null; trailingStopBps: number | null } | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

interface RawIntent {
  id: number;
  user_id: number;
  client_id: string;
  network: string;
  venue: IntentRow['venue'];
  context: IntentRow['context'];
  side: IntentRow['side'];
  input_mint: string;
  output_mint: string;
  amount: string;
  slippage_bps: number;
  status: IntentStatus;
  reason_code: string | null;
  error: string | null;
  quote: string | null;
  signature: string | null;
  signed_tx: string | null;
  last_valid_block_height: string | null;
  exits: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

const toIntent = (r: RawIntent): IntentRow => ({
  id: r.id,
  userId: r.user_id,
  clientId: r.client_id,
  network: r.network,
  venue: r.venue,
  context: r.context,
  side: r.side,
  inputMint: r.input_mint,
  outputMint: r.output_mint,
  amount: BigInt(r.amount),
  slippageBps: r.slippage_bps,
  status: r.status,
  reasonCode: r.reason_code,
  error: r.error,
  quote: r.quote === null ? null : (JSON.parse(r.quote) as unknown),
  signature: r.signature,
  signedTx: r.signed_tx,
  lastValidBlockHeight: r.last_valid_block_height === null ? null : BigInt(r.last_valid_block_height),
  exits: r.exits === null ? null : (JSON.parse(r.exits) as IntentRow['exits']),
  attempts: r.attempts,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface NewIntent {
  userId: number;
  clientId: string;
  network: string;
  venue: IntentRow['venue'];
  context: IntentRow['context'];
  side: IntentRow['side'];
  inputMint: string;
  outputMint: string;
  amount: bigint;
  slippageBps: number;
  exits: IntentRow['exits'];
  at: string;
}

/** The write-ahead order journal. */
export class IntentsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(i: NewIntent): number {
    const info = runFactNeutral(
      this.db,
      this.statements.prepare(
        "INSERT INTO intents (user_id, client_id, network, venue, context, side, input_mint, output_mint, amount, slippage_bps, status, exits, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
      ),
      i.userId,
      i.clientId,
      i.network,
      i.venue,
      i.context,
      i.side,
      i.inputMint,
      i.outputMint,
      i.amount.toString(),
      i.slippageBps,
      i.exits === null ? null : JSON.stringify(i.exits),
      i.at,
      i.at,
    );
    return Number(info.lastInsertRowid);
  }

  byClientId(userId: number, clientId: string): IntentRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, client_id, network, venue, context, side, input_mint, output_mint, amount, slippage_bps, status, reason_code, error, quote, signature, signed_tx, last_valid_block_height, exits, attempts, created_at, updated_at FROM intents WHERE user_id = ? AND client_id = ?',
      )
      .get(userId, clientId) as RawIntent | undefined;
    return r ? toIntent(r) : null;
  }

  byId(id: number): IntentRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, client_id, network, venue, context, side, input_mint, output_mint, amount, slippage_bps, status, reason_code, error, quote, signature, signed_tx, last_valid_block_height, exits, attempts, created_at, updated_at FROM intents WHERE id = ?',
      )
      .get(id) as RawIntent | undefined;
    return r ? toIntent(r) : null;
  }

  /** Orders whose outcome is not yet known: reconciled at start-up. */
  unfinished(): IntentRow[] {
    return (
      this.statements
        .prepare(
          "SELECT id, user_id, client_id, network, venue, context, side, input_mint, output_mint, amount, slippage_bps, status, reason_code, error, quote, signature, signed_tx, last_valid_block_height, exits, attempts, created_at, updated_at FROM intents WHERE status IN ('pending', 'signed') ORDER BY id",
        )
        .all() as RawIntent[]
    ).map(toIntent);
  }

  /** Execution failures (failed or expired, not risk rejections) of every user finished after `sinceIso`. */
  failuresSince(sinceIso: string): { id: number; userId: number }[] {
    return this.statements
      .prepare(
        "SELECT id, user_id AS userId FROM intents WHERE status IN ('failed', 'expired') AND updated_at > ? ORDER BY id",
      )
      .all(sinceIso) as { id: number; userId: number }[];
  }

  list(userId: number, limit = 100): IntentRow[] {
    return (
      this.statements
        .prepare(
          'SELECT id, user_id, client_id, network, venue, context, side, input_mint, output_mint, amount, slippage_bps, status, reason_code, error, quote, signature, signed_tx, last_valid_block_height, exits, attempts, created_at, updated_at FROM intents WHERE user_id = ? ORDER BY id DESC LIMIT ?',
        )
        .all(userId, limit) as RawIntent[]
    ).map(toIntent);
  }

  /** How many orders of a user have a client id starting with `prefix` (e.g. the attempts to exit one position). */
  countByClientPrefix(userId: number, prefix: string): number {
    // Escape LIKE's wildcards so the prefix is matched literally.
    const pattern = prefix.replace(/[\\%_]/gu, (c) => `\\${c}`) + '%';
    return (
      this.statements
        .prepare("SELECT COUNT(*) AS n FROM intents WHERE user_id = ? AND client_id LIKE ? ESCAPE '\\'")
        .get(userId, pattern) as {
        n: number;
      }
    ).n;
  }

  setQuote(id: number, quote: unknown, at: string): void {
    runFactNeutral(
      this.db,
      this.statements.prepare('UPDATE intents SET quote = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?'),
      JSON.stringify(quote),
      at,
      id,
    );
  }

  markSigned(id: number, signature: string, signedTx: string, lastValidBlockHeight: bigint, at: string): void {
    const info = runFactNeutral(
      this.db,
      this.statements.prepare(
        "UPDATE intents SET status = 'signed', signature = ?, signed_tx = ?, last_valid_block_height = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'signed')",
      ),
      signature,
      signedTx,
      lastValidBlockHeight.toString(),
      at,
      id,
    );
    if (info.changes !== 1) throw new Error(`intent ${id} is no longer pending`);
  }

  /** Back to pending after a signed attempt expired, before a fresh quote is signed. */
  reopen(id: number, at: string): void {
    runFactNeutral(
      this.db,
      this.statements.prepare(
        "UPDATE intents SET status = 'pending', signature = NULL, signed_tx = NULL, last_valid_block_height = NULL, updated_at = ? WHERE id = ? AND status = 'signed'",
      ),
      at,
      id,
    );
  }

  finish(
    id: number,
    status: 'confirmed' | 'failed' | 'expired' | 'rejected',
    reasonCode: string | null,
    error: string | null,
    at: string,
  ): boolean {
    return (
      runFactNeutral(
        this.db,
        this.statements.prepare(
          "UPDATE intents SET status = ?, reason_code = ?, error = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'signed')",
        ),
        status,
        reasonCode,
        error,
        at,
        id,
      ).changes === 1
    );
  }

  /** Input amounts of a user's orders that may have left or did leave the wallet since a time, by mint. */
  outflowSince(userId: number, mint: string, sinceIso: string): bigint {
    const rows = this.statements
      .prepare(
        "SELECT amount FROM intents WHERE user_id = ? AND input_mint = ? AND created_at >= ? AND status IN ('signed', 'confirmed') AND venue = 'jupiter'",
      )
      .all(userId, mint, sinceIso) as { amount: string }[];
    return rows.reduce((s, r) => s + BigInt(r.amount), 0n);
  }

  /** Consecutive failed orders, newest first, until the last success. */
  consecutiveFailures(userId: number): number {
    const rows = this.statements
      .prepare(
        "SELECT status FROM intents WHERE user_id = ? AND status IN ('confirmed', 'failed', 'expired') ORDER BY id DESC LIMIT 50",
      )
      .all(userId) as { status: string }[];
    let n = 0;
    for (const r of rows) {
      if (r.status === 'confirmed') break;
      n++;
    }
    return n;
  }
}
