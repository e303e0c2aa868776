/**
 * Numbered, forward-only migrations. A released migration is never edited;
 * changes come as a new, higher number. Every statement is a constant string.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS = [
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
  {
    version: 2,
    name: 'funds-and-events',
    sql: `
CREATE TABLE events (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  ts       TEXT NOT NULL,
  type     TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  user_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  payload  TEXT NOT NULL
) STRICT;
CREATE INDEX events_user ON events(user_id, id);

-- Whether the user's last seen SOL balance was at or above their trading minimum.
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1));

-- Balances are per network: a sandbox balance is never mistaken for a mainnet one.
DROP TABLE balances;
CREATE TABLE balances (
  network TEXT NOT NULL,
  address TEXT NOT NULL,
  mint    TEXT NOT NULL,
  amount  TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (network, address, mint)
) STRICT;

CREATE TABLE whitelist (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  address    TEXT NOT NULL,
  label      TEXT NOT NULL DEFAULT '',
  added_at   TEXT NOT NULL,
  usable_at  TEXT NOT NULL,
  removed_at TEXT
) STRICT;
CREATE UNIQUE INDEX whitelist_current ON whitelist(user_id, address) WHERE removed_at IS NULL;

-- Write-ahead journal of withdrawals: pending -> signed(signature) -> confirmed | failed | expired.
CREATE TABLE withdrawals (
  id                      INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id                 INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network                 TEXT NOT NULL,
  mint                    TEXT NOT NULL,
  amount                  TEXT NOT NULL,
  destination             TEXT NOT NULL,
  status                  TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'confirmed', 'failed', 'expired')),
  signature               TEXT,
  last_valid_block_height TEXT,
  error                   TEXT,
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL
) STRICT;
CREATE INDEX withdrawals_user_time ON withdrawals(user_id, created_at);
`,
  },
  {
    version: 3,
    name: 'execution',
    sql: `
-- Write-ahead journal of every order: pending -> signed(signature) -> confirmed | failed | expired;
-- an order the risk gate or a protection check turns away is 'rejected' with a reason code.
CREATE TABLE intents (
  id                      INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id                 INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  client_id               TEXT NOT NULL,
  network                 TEXT NOT NULL,
  venue                   TEXT NOT NULL CHECK (venue IN ('jupiter', 'paper')),
  context                 TEXT NOT NULL CHECK (context IN ('manual', 'strategy', 'exit', 'copy', 'emergency')),
  side                    TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  input_mint              TEXT NOT NULL,
  output_mint             TEXT NOT NULL,
  amount                  TEXT NOT NULL,
  slippage_bps            INTEGER NOT NULL,
  status                  TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'confirmed', 'failed', 'expired', 'rejected')),
  reason_code             TEXT,
  error                   TEXT,
  quote                   TEXT,
  signature               TEXT UNIQUE,
  signed_tx               TEXT,
  last_valid_block_height TEXT,
  exits                   TEXT,
  attempts                INTEGER NOT NULL DEFAULT 0,
  created_at              TEXT NOT NULL,
  updated_at              TEXT NOT NULL,
  UNIQUE (user_id, client_id)
) STRICT;
CREATE INDEX intents_status ON intents(status);
CREATE INDEX intents_user_time ON intents(user_id, created_at);

-- Exactly one trade per landed swap (or paper fill): intent_id is unique.
CREATE TABLE trades (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  intent_id     INTEGER NOT NULL UNIQUE REFERENCES intents(id),
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network       TEXT NOT NULL,
  venue         TEXT NOT NULL,
  context       TEXT NOT NULL,
  side          TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  base_mint     TEXT NOT NULL,
  quote_mint    TEXT NOT NULL,
  base_amount   TEXT NOT NULL,
  quote_amount  TEXT NOT NULL,
  fee_lamports  TEXT NOT NULL,
  price         REAL NOT NULL,
  realized_pnl  TEXT NOT NULL,
  position_id   INTEGER,
  signature     TEXT,
  executed_at   TEXT NOT NULL
) STRICT;
CREATE INDEX trades_user_time ON trades(user_id, executed_at);

-- Positions gain what execution and the exit monitor need.
ALTER TABLE positions ADD COLUMN network TEXT NOT NULL DEFAULT 'sandbox';
ALTER TABLE positions ADD COLUMN quote_mint TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN cost_basis TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN realized_pnl TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN fees_lamports TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN stop_loss REAL;
ALTER TABLE positions ADD COLUMN take_profit REAL;
ALTER TABLE positions ADD COLUMN trailing_stop_bps INTEGER;
ALTER TABLE positions ADD COLUMN high_water REAL;
ALTER TABLE positions ADD COLUMN stuck_since TEXT;
ALTER TABLE positions ADD COLUMN updated_at TEXT;

-- Pause and halt, global ('global') and per user ('user:<id>'); they survive restarts.
CREATE TABLE controls (
  scope      TEXT PRIMARY KEY,
  paused     INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  halted     INTEGER NOT NULL DEFAULT 0 CHECK (halted IN (0, 1)),
  reason     TEXT,
  updated_at TEXT NOT NULL
) STRICT;

-- The simulated ledger of paper users: what they would hold.
CREATE TABLE paper_balances (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  mint    TEXT NOT NULL,
  amount  TEXT NOT NULL,
  PRIMARY KEY (user_id, mint)
) STRICT;
`,
  },
  {
    version: 4,
    name: 'risk-and-performance',
    sql: `
-- Equity per user and network, per cycle, in micro-USD; deposits and withdrawals are cumulative,
-- high_water is the drawdown mark (deposits raise it 1:1, withdrawals lower it proportionally).
CREATE TABLE equity_snapshots (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network     TEXT NOT NULL,
  ts          TEXT NOT NULL,
  equity      TEXT NOT NULL,
  deposits    TEXT NOT NULL,
  withdrawals TEXT NOT NULL,
  high_water  TEXT NOT NULL
) STRICT;
CREATE INDEX equity_snapshots_user_time ON equity_snapshots(user_id, network, ts);

-- Money moved into or out of a wallet (not trading), valued in micro-USD when it moved.
CREATE TABLE cash_flows (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network    TEXT NOT NULL,
  ts         TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
  amount_usd TEXT NOT NULL,
  ref        TEXT,
  UNIQUE (user_id, ref)
) STRICT;
CREATE INDEX cash_flows_user_time ON cash_flows(user_id, network, ts);

-- What the risk engine remembers per user and network: the high-water mark, the UTC day and its
-- starting equity, the day the daily loss limit was hit, and a drawdown pause awaiting the operator.
CREATE TABLE risk_state (
  user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network            TEXT NOT NULL,
  high_water         TEXT NOT NULL,
  day                TEXT NOT NULL,
  day_start_equity   TEXT NOT NULL,
  daily_loss_day     TEXT,
  drawdown_paused_at TEXT,
  updated_at         TEXT NOT NULL,
  PRIMARY KEY (user_id, network)
) STRICT;

CREATE INDEX positions_user_mint_closed ON positions(user_id, network, mint, closed_at);
`,
  },
  {
    version: 5,
    name: 'flows-and-ledger',
    sql: `
-- A flow found on chain names its transaction, the asset ('SOL' for lamports and wrapped SOL together,
-- else a mint) and the amount in base units (positive; the kind says which way it went).
ALTER TABLE cash_flows ADD COLUMN signature TEXT;
ALTER TABLE cash_flows ADD COLUMN mint TEXT;
ALTER TABLE cash_flows ADD COLUMN amount TEXT;
CREATE INDEX cash_flows_signature ON cash_flows(signature);

-- Per address scanned (a wallet and each of its token accounts): the newest signature up to which
-- every transaction has been processed. History after it is read at the next scan (catch-up).
CREATE TABLE flow_cursors (
  network        TEXT NOT NULL,
  address        TEXT NOT NULL,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  last_signature TEXT NOT NULL,
  last_slot      TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  PRIMARY KEY (network, address)
) STRICT;

-- Every transaction seen touching a wallet, once: what it did to the wallet's balances (deltas: JSON of
-- asset -> base units, as the balance reads measure them), the fee and rent the wallet paid (rent: into its own
-- token accounts; rent_out: into token accounts it created for others), and what explains it.
CREATE TABLE wallet_txs (
  network    TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  wallet     TEXT NOT NULL,
  signature  TEXT NOT NULL,
  slot       TEXT NOT NULL,
  block_time TEXT,
  source     TEXT NOT NULL CHECK (source IN ('intent', 'withdrawal', 'faucet', 'flow', 'none')),
  deltas     TEXT NOT NULL,
  fee        TEXT NOT NULL,
  rent       TEXT NOT NULL,
  rent_out   TEXT NOT NULL,
  failed     INTEGER NOT NULL CHECK (failed IN (0, 1)),
  seen_at    TEXT NOT NULL,
  PRIMARY KEY (network, wallet, signature)
) STRICT;
CREATE INDEX wallet_txs_user ON wallet_txs(user_id, network, slot);

-- What a faucet gave, per transaction: Harvest's own top-ups, never counted as outside deposits.
CREATE TABLE faucet_grants (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network    TEXT NOT NULL,
  mint       TEXT NOT NULL,
  amount     TEXT NOT NULL,
  signature  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (network, signature, mint)
) STRICT;

-- Each ledger = chain check of a user: its discrepancies (JSON), and the operator's acknowledgement.
CREATE TABLE ledger_checks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network       TEXT NOT NULL,
  ts            TEXT NOT NULL,
  ok            INTEGER NOT NULL CHECK (ok IN (0, 1)),
  discrepancies TEXT NOT NULL,
  acked_at      TEXT,
  acked_by      TEXT
) STRICT;
CREATE INDEX ledger_checks_user ON ledger_checks(user_id, network, id);
`,
  },
  {
    version: 6,
    name: 'paper-account',
    sql: `
-- Paper is its own account (issue #9): a position lives in the paper book or the on-chain wallet,
-- and never merges with the other one's position in the same token. Existing positions filled by
-- the paper venue are the paper account's.
ALTER TABLE positions ADD COLUMN account TEXT NOT NULL DEFAULT 'live' CHECK (account IN ('live', 'paper'));
UPDATE positions SET account = 'paper'
  WHERE id IN (SELECT position_id FROM trades WHERE venue = 'paper' AND position_id IS NOT NULL);
`,
  },
  {
    version: 7,
    name: 'single-source-prices',
    sql: `
-- Tokens the operator allowed to trade on a single price source (no oracle; shown as
-- "single-source price"). Every other token needs two independent sources that agree.
CREATE TABLE single_source_tokens (
  mint       TEXT PRIMARY KEY,
  allowed_by TEXT NOT NULL,
  allowed_at TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 8,
    name: 'candles',
    sql: `
-- Candles as they close (source 'live') and history seeded from an outside source ('seed:replay',
-- 'seed:binance', 'seed:geckoterminal'), per network: the sandbox's replay (2021 market time) and
-- mainnet never share a series. A live candle wins over a seeded one of the same bucket. gap = 1
-- marks a bucket the source had no data for, filled flat at the previous close with no volume.
CREATE TABLE candles (
  network   TEXT NOT NULL,
  mint      TEXT NOT NULL,
  timeframe TEXT NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '1h')),
  open_time INTEGER NOT NULL,
  open      REAL NOT NULL,
  high      REAL NOT NULL,
  low       REAL NOT NULL,
  close     REAL NOT NULL,
  volume    REAL NOT NULL,
  source    TEXT NOT NULL,
  gap       INTEGER NOT NULL DEFAULT 0 CHECK (gap IN (0, 1)),
  PRIMARY KEY (network, mint, timeframe, open_time)
) STRICT;
`,
  },
  {
    version: 9,
    name: 'strategy-decisions',
    sql: `
-- What each friend's strategy is doing per token, live (issue #11, item 3): warm-up progress, the
-- indicator values it decides on, the last signal and the last decision with its reason. One row
-- per (user, token), rewritten as candles close; the history is strategy_decisions.
CREATE TABLE strategy_state (
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token         TEXT NOT NULL,
  strategy_id   TEXT NOT NULL,
  timeframe     TEXT NOT NULL,
  warmup_have   INTEGER NOT NULL,
  warmup_needed INTEGER NOT NULL,
  last_candle   INTEGER,
  indicators    TEXT,
  signal_side   TEXT CHECK (signal_side IN ('buy', 'sell')),
  signal_reason TEXT,
  signal_candle INTEGER,
  outcome       TEXT NOT NULL,
  code          TEXT NOT NULL,
  message       TEXT NOT NULL,
  decided_at    TEXT NOT NULL,
  traded_at     TEXT,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (user_id, token)
) STRICT;

-- The per-friend decision log: every signal acted on or skipped (with its reason), every error,
-- and each change of state (warming up -> waiting for a signal); not a row per candle. Pruned by age.
CREATE TABLE strategy_decisions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token       TEXT NOT NULL,
  strategy_id TEXT NOT NULL,
  candle_time INTEGER,
  recorded_at TEXT NOT NULL,
  outcome     TEXT NOT NULL
    CHECK (outcome IN ('entered', 'exited', 'no-signal', 'skipped', 'warming-up', 'error')),
  code        TEXT NOT NULL,
  message     TEXT NOT NULL,
  signal_side TEXT CHECK (signal_side IN ('buy', 'sell')),
  indicators  TEXT,
  intent_id   INTEGER,
  client_id   TEXT
) STRICT;
CREATE INDEX strategy_decisions_user_time ON strategy_decisions(user_id, recorded_at);
CREATE INDEX strategy_decisions_time ON strategy_decisions(recorded_at);
`,
  },
  {
    version: 10,
    name: 'telegram-bridge',
    sql: `
-- A friend's Telegram window (issue #15): what the operator lets them do, which Telegram user is
-- linked to them (at most one, and a Telegram user to at most one friend), their alert floor and
-- daily summary hour (UTC). The bot token and TOTP secrets live in the OS keychain, never here.
CREATE TABLE telegram_friends (
  user_id            INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  permissions        TEXT NOT NULL DEFAULT '["view"]',
  telegram_user_id   INTEGER UNIQUE,
  chat_id            INTEGER,
  linked_at          TEXT,
  alert_min_severity TEXT NOT NULL DEFAULT 'info' CHECK (alert_min_severity IN ('info', 'warning', 'critical')),
  summary_hour       INTEGER CHECK (summary_hour IS NULL OR summary_hour BETWEEN 0 AND 23),
  last_summary_day   TEXT,
  totp               INTEGER NOT NULL DEFAULT 0 CHECK (totp IN (0, 1))
) STRICT;

-- One-time link codes, stored as hashes: single use, with an expiry. user_id NULL is the operator.
CREATE TABLE telegram_link_codes (
  code_hash  TEXT PRIMARY KEY,
  user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
) STRICT;
`,
  },
  {
    version: 11,
    name: 'copy-trading',
    sql: `
-- Copy trading (issue 16): a friend follows a leader (another friend's wallet or any Solana address),
-- within their own risk. One row per (follower, leader); settings are columns so they are checked here too.
CREATE TABLE copy_follows (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  leader         TEXT NOT NULL,
  leader_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  sizing         TEXT NOT NULL CHECK (sizing IN ('fixed', 'proportional', 'multiplier')),
  fixed_usd      REAL,
  multiplier     REAL,
  max_usd        REAL,
  tokens_mode    TEXT NOT NULL CHECK (tokens_mode IN ('all', 'allow', 'deny')),
  tokens         TEXT NOT NULL,
  copy_sells     INTEGER NOT NULL CHECK (copy_sells IN (0, 1)),
  max_age_sec    INTEGER NOT NULL CHECK (max_age_sec > 0),
  -- Unfollowing keeps the row (and its history); following again resumes from then.
  active         INTEGER NOT NULL CHECK (active IN (0, 1)),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  UNIQUE (user_id, leader)
) STRICT;
CREATE INDEX copy_follows_leader ON copy_follows(leader);

-- How far each leader's history has been read, per network (shared by everyone who follows that leader).
CREATE TABLE copy_cursors (
  network    TEXT NOT NULL,
  leader     TEXT NOT NULL,
  signature  TEXT NOT NULL,
  slot       TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (network, leader)
) STRICT;

-- Every leader trade handled for a follow, once (the key): copied, skipped or refused, with its reason.
-- A row is written 'pending' with its planned order before the order is submitted (write-ahead), so a
-- crash resubmits the same order (same client id: one order) instead of copying twice.
CREATE TABLE copy_trades (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  network      TEXT NOT NULL,
  follow_id    INTEGER NOT NULL REFERENCES copy_follows(id) ON DELETE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  leader       TEXT NOT NULL,
  signature    TEXT NOT NULL,
  side         TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  mint         TEXT NOT NULL,
  leader_amount TEXT NOT NULL,
  leader_usd   REAL,
  block_time   INTEGER,
  outcome      TEXT NOT NULL CHECK (outcome IN ('pending', 'copied', 'skipped', 'refused', 'failed')),
  reason       TEXT,
  client_id    TEXT,
  order_in     TEXT,
  order_out    TEXT,
  order_amount TEXT,
  intent_id    INTEGER,
  filled_in    TEXT,
  filled_out   TEXT,
  seen_at      TEXT NOT NULL,
  decided_at   TEXT,
  UNIQUE (network, follow_id, signature, side)
) STRICT;
CREATE INDEX copy_trades_user ON copy_trades(user_id, id);
CREATE INDEX copy_trades_pending ON copy_trades(outcome) WHERE outcome = 'pending';

-- What each follow's copies hold, per token (base units): a leader's sell sells the same share of this.
CREATE TABLE copy_holdings (
  follow_id INTEGER NOT NULL REFERENCES copy_follows(id) ON DELETE CASCADE,
  network   TEXT NOT NULL,
  mint      TEXT NOT NULL,
  quantity  TEXT NOT NULL,
  PRIMARY KEY (follow_id, network, mint)
) STRICT;
`,
  },
  {
    version: 12,
    name: 'token-registry',
    sql: `
-- Tokens added by mint (issue 14): what the mint account said (decimals, program), the name and
-- symbol from on-chain metadata or the token list, the safety checks of the last look (a JSON list
-- of {check, level, reason}) and their verdict, and the operator's one acknowledgement of a warned
-- token. The built-in majors are not stored: they are code (engine/market/token-table.ts).
CREATE TABLE tokens (
  mint          TEXT PRIMARY KEY,
  symbol        TEXT NOT NULL,
  name          TEXT NOT NULL,
  decimals      INTEGER NOT NULL CHECK (decimals BETWEEN 0 AND 255),
  token_program TEXT NOT NULL,
  checks        TEXT NOT NULL,
  verdict       TEXT NOT NULL CHECK (verdict IN ('ok', 'warn', 'refuse')),
  checked_at    TEXT NOT NULL,
  added_by      TEXT NOT NULL,
  added_at      TEXT NOT NULL,
  allowed_by    TEXT,
  allowed_at    TEXT
) STRICT;
`,
  },
  {
    version: 13,
    name: 'trigger_orders',
    sql: `
-- Limit and stop orders (issue 14): stored until the price reaches their level, then fired once through
-- the execution path with the client id order:<id>. 'triggered' is written before the order is submitted
-- (write-ahead), so a restart finishes that one submission instead of firing again.
CREATE TABLE trigger_orders (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network       TEXT NOT NULL,
  account       TEXT NOT NULL CHECK (account IN ('live', 'paper')),
  kind          TEXT NOT NULL CHECK (kind IN ('limit', 'stop')),
  side          TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  mint          TEXT NOT NULL,
  quote_mint    TEXT NOT NULL,
  amount        TEXT NOT NULL,
  trigger_price REAL NOT NULL CHECK (trigger_price > 0),
  slippage_bps  INTEGER NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('open', 'triggered', 'filled', 'cancelled', 'expired', 'failed')),
  reason        TEXT,
  intent_id     INTEGER,
  fired_price   REAL,
  expires_at    INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  triggered_at  TEXT,
  closed_at     TEXT
) STRICT;
CREATE INDEX trigger_orders_user ON trigger_orders(user_id, id);
CREATE INDEX trigger_orders_live ON trigger_orders(status) WHERE status IN ('open', 'triggered');
`,
  },
] as const satisfies readonly Migration[];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
