/**
 * Numbered, forward-only migrations. A released migration is never edited;
 * changes come as a new, higher number. Every statement is a constant string.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL,
  name_key   TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE wallets (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id     INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  address     TEXT NOT NULL UNIQUE,
  origin      TEXT NOT NULL CHECK (origin IN ('created', 'imported')),
  secret_kind TEXT NOT NULL CHECK (secret_kind IN ('mnemonic', 'secret_key')),
  ciphertext  BLOB NOT NULL,
  nonce       BLOB NOT NULL CHECK (length(nonce) = 12),
  tag         BLOB NOT NULL CHECK (length(tag) = 16),
  key_id      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  exported_at TEXT
) STRICT;

CREATE TABLE user_settings (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  version    INTEGER NOT NULL DEFAULT 1,
  settings   TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

-- Last balances seen on chain, per wallet and mint ('SOL' for native lamports).
CREATE TABLE balances (
  address TEXT NOT NULL,
  mint    TEXT NOT NULL,
  amount  TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (address, mint)
) STRICT;

CREATE TABLE positions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  mint       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  quantity   TEXT NOT NULL,
  opened_at  TEXT NOT NULL,
  closed_at  TEXT
) STRICT;
CREATE INDEX positions_user_status ON positions(user_id, status);

-- Append-only and hash-chained: each row's hash covers its content and the previous hash.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  ts        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  user_id   INTEGER,
  details   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
