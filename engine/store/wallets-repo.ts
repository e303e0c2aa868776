import type { Db } from './database';
import { statementCache } from './statements';

export type WalletOrigin = 'created' | 'imported';
export type SecretKind = 'mnemonic' | 'secret_key';

export interface SealedSecret {
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
  keyId: string;
}

export interface WalletRow {
  id: number;
  userId: number;
  address: string;
  origin: WalletOrigin;
  secretKind: SecretKind;
  sealed: SealedSecret;
  createdAt: string;
  exportedAt: string | null;
}

interface RawWallet {
  id: number;
  user_id: number;
  address: string;
  origin: WalletOrigin;
  secret_kind: SecretKind;
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
  key_id: string;
  created_at: string;
  exported_at: string | null;
}

const toWallet = (r: RawWallet): WalletRow => ({
  id: r.id,
  userId: r.user_id,
  address: r.address,
  origin: r.origin,
  secretKind: r.secret_kind,
  sealed: { ciphertext: r.ciphertext, nonce: r.nonce, tag: r.tag, keyId: r.key_id },
  createdAt: r.created_at,
  exportedAt: r.exported_at,
});

export class WalletsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(w: Omit<WalletRow, 'id' | 'exportedAt'>): WalletRow {
    const info = this.statements
      .prepare(
        'INSERT INTO wallets (user_id, address, origin, secret_kind, ciphertext, nonce, tag, key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        w.userId,
        w.address,
        w.origin,
        w.secretKind,
        w.sealed.ciphertext,
        w.sealed.nonce,
        w.sealed.tag,
        w.sealed.keyId,
        w.createdAt,
      );
    return { ...w, id: Number(info.lastInsertRowid), exportedAt: null };
  }

  byUser(userId: number): WalletRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, address, origin, secret_kind, ciphertext, nonce, tag, key_id, created_at, exported_at FROM wallets WHERE user_id = ?',
      )
      .get(userId) as RawWallet | undefined;
    return r ? toWallet(r) : null;
  }

  byAddress(address: string): WalletRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, address, origin, secret_kind, ciphertext, nonce, tag, key_id, created_at, exported_at FROM wallets WHERE address = ?',
      )
      .get(address) as RawWallet | undefined;
    return r ? toWallet(r) : null;
  }

  all(): WalletRow[] {
    return (
      this.statements
        .prepare(
          'SELECT id, user_id, address, origin, secret_kind, ciphertext, nonce, tag, key_id, created_at, exported_at FROM wallets ORDER BY id',
        )
        .all() as RawWallet[]
    ).map(toWallet);
  }

  count(): number {
    return (this.statements.prepare('SELECT COUNT(*) AS n FROM wallets').get() as { n: number }).n;
  }

  reseal(id: number, sealed: SealedSecret): void {
    this.statements
      .prepare('UPDATE wallets SET ciphertext = ?, nonce = ?, tag = ?, key_id = ? WHERE id = ?')
      .run(sealed.ciphertext, sealed.nonce, sealed.tag, sealed.keyId, id);
  }

  markExported(id: number, at: string): void {
    this.statements.prepare('UPDATE wallets SET exported_at = ? WHERE id = ?').run(at, id);
  }
}
