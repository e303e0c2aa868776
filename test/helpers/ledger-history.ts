/**
 * The sandbox ledger's own transaction history, read from its SQLite file: the chain's list of what
 * each wallet paid for, kept apart from the engine's journal. Used by the crash test and the soak to
 * check Harvest from the outside.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface ChainTx {
  signature: string;
  err: unknown;
  fee: bigint;
  /** What the transaction did to the wallet's token balances, by mint. */
  tokenDelta: Map<string, bigint>;
}

function bigintReviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$bigint' in v) return BigInt((v as { $bigint: string }).$bigint);
  return v;
}

/**
 * Every transaction each of `wallets` paid for (fee payer), in chain order, with what it did to that
 * wallet's token balances. The faucet's transactions (`faucet`) are left out.
 */
export function readChainHistory(dataDir: string, wallets: ReadonlySet<string>, faucet: ReadonlySet<string>) {
  const db = new Database(join(dataDir, 'sandbox', 'ledger.db'), { readonly: true, fileMustExist: true });
  const byWallet = new Map<string, ChainTx[]>();
  try {
    const rows = db.prepare('SELECT record FROM transactions ORDER BY slot, rowid').all() as { record: string }[];
    for (const { record } of rows) {
      const r = JSON.parse(record, bigintReviver) as {
        signature: string;
        err: unknown;
        fee: bigint;
        accountKeys: string[];
        preTokenBalances: { accountIndex: number; mint: string; owner: string; amount: bigint }[];
        postTokenBalances: { accountIndex: number; mint: string; owner: string; amount: bigint }[];
      };
      const payer = r.accountKeys[0]!;
      if (!wallets.has(payer) || faucet.has(r.signature)) continue;
      const delta = new Map<string, bigint>();
      for (const p of r.postTokenBalances) {
        if (p.owner !== payer) continue;
        const pre = r.preTokenBalances.find((b) => b.accountIndex === p.accountIndex)?.amount ?? 0n;
        delta.set(p.mint, (delta.get(p.mint) ?? 0n) + p.amount - pre);
      }
      byWallet.set(payer, [
        ...(byWallet.get(payer) ?? []),
        { signature: r.signature, err: r.err, fee: r.fee, tokenDelta: delta },
      ]);
    }
    return byWallet;
  } finally {
    db.close();
  }
}
