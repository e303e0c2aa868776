export { openDatabase, peekMeta, schemaVersion, applyMigrations, type Db } from './database';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations';
export { MetaRepo } from './meta-repo';
export { firstSnapshotSlot, pinFirstSnapshotSlot, recordBalanceReadSlot } from './balance-slots';
export { UsersRepo, nameKey, type UserRow } from './users-repo';
export { WalletsRepo, type WalletRow, type SealedSecret, type SecretKind, type WalletOrigin } from './wallets-repo';
export { SettingsRepo, type SettingsRow } from './settings-repo';
export { HoldingsRepo, type BalanceRow } from './holdings-repo';
export { EventsRepo, type EventRow } from './events-repo';
export { IntentsRepo, type IntentRow, type IntentStatus, type NewIntent } from './intents-repo';
export {
  PortfolioRepo,
  ControlsRepo,
  PaperRepo,
  type PositionRow,
  type TradeRow,
  type ControlRow,
} from './portfolio-repo';
export { RiskRepo, type EquitySnapshotRow, type CashFlowRow, type RiskStateRow } from './risk-repo';
export {
  FlowsRepo,
  type WalletTxRow,
  type WalletTxSource,
  type FaucetGrantRow,
  type LedgerCheckRow,
} from './flows-repo';
export { PriceTrustRepo, type SingleSourceToken } from './price-trust-repo';
export { TokensRepo, type TokenRecord, type StoredCheck } from './tokens-repo';
export {
  DecisionsRepo,
  DECISION_OUTCOMES,
  type DecisionOutcome,
  type DecisionRow,
  type NewDecision,
  type StrategyStateRow,
} from './decisions-repo';
export { CandlesRepo, type StoredCandle, type CandleSource as StoredCandleSource } from './candles-repo';
export { factChanges, FriendWrites, type FactChanges, type FriendFact } from './fact-changes';
export {
  TriggerOrdersRepo,
  type TriggerOrderRow,
  type TriggerKind,
  type TriggerStatus,
  type NewTriggerOrder,
} from './trigger-orders-repo';
export { FundsRepo, type WhitelistEntry, type WithdrawalRow, type WithdrawalStatus } from './funds-repo';
export {
  AuditRepo,
  auditHash,
  keyedAuditHash,
  toRow as auditRowOf,
  canonicalJson,
  GENESIS_HASH,
  type AuditEntry,
  type AuditKey,
  type AuditKeying,
  type AuditRow,
  type AuditScheme,
  type AuditVerdict,
  type RawAudit,
} from './audit-repo';

import type { Db } from './database';
import { AuditRepo } from './audit-repo';
import { EventsRepo } from './events-repo';
import { FlowsRepo } from './flows-repo';
import { FundsRepo } from './funds-repo';
import { IntentsRepo } from './intents-repo';
import { ControlsRepo, PaperRepo, PortfolioRepo } from './portfolio-repo';
import { HoldingsRepo } from './holdings-repo';
import { MetaRepo } from './meta-repo';
import { RiskRepo } from './risk-repo';
import { PriceTrustRepo } from './price-trust-repo';
import { TokensRepo } from './tokens-repo';
import { DecisionsRepo } from './decisions-repo';
import { CandlesRepo } from './candles-repo';
import { SettingsRepo } from './settings-repo';
import { UsersRepo } from './users-repo';
import { WalletsRepo } from './wallets-repo';
import { TriggerOrdersRepo } from './trigger-orders-repo';

/** All repositories over one connection. */
export class Store {
  readonly meta: MetaRepo;
  readonly users: UsersRepo;
  readonly wallets: WalletsRepo;
  readonly settings: SettingsRepo;
  readonly holdings: HoldingsRepo;
  readonly audit: AuditRepo;
  readonly events: EventsRepo;
  readonly funds: FundsRepo;
  readonly intents: IntentsRepo;
  readonly portfolio: PortfolioRepo;
  readonly controls: ControlsRepo;
  readonly paper: PaperRepo;
  readonly risk: RiskRepo;
  readonly flows: FlowsRepo;
  readonly priceTrust: PriceTrustRepo;
  readonly decisions: DecisionsRepo;
  readonly candles: CandlesRepo;
  readonly triggerOrders: TriggerOrdersRepo;
  readonly tokens: TokensRepo;

  constructor(readonly db: Db) {
    this.meta = new MetaRepo(db);
    this.users = new UsersRepo(db);
    this.wallets = new WalletsRepo(db);
    this.settings = new SettingsRepo(db);
    this.holdings = new HoldingsRepo(db);
    this.audit = new AuditRepo(db);
    this.events = new EventsRepo(db);
    this.funds = new FundsRepo(db);
    this.intents = new IntentsRepo(db);
    this.portfolio = new PortfolioRepo(db);
    this.controls = new ControlsRepo(db);
    this.paper = new PaperRepo(db);
    this.risk = new RiskRepo(db);
    this.flows = new FlowsRepo(db);
    this.priceTrust = new PriceTrustRepo(db);
    this.decisions = new DecisionsRepo(db);
    this.candles = new CandlesRepo(db);
    this.triggerOrders = new TriggerOrdersRepo(db);
    this.tokens = new TokensRepo(db);
  }

  /** One transaction function for the connection's lifetime (made on first use; see tx). */
  private immediate: ((fn: () => unknown) => unknown) | null = null;

  /** Runs fn in one IMMEDIATE transaction (takes the write lock up front, so no upgrade deadlocks). */
  tx<T>(fn: () => T): T {
    // better-sqlite3 builds four wrapper functions and their properties on every db.transaction() call
    // (about 9 µs, most of an empty transaction's cost); one made once runs any fn the same way, nested
    // calls included (a savepoint inside an open transaction).
    const run = (this.immediate ??= this.db.transaction((f: () => unknown) => f()).immediate);
    return run(fn) as T;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
export {
  asDatabaseDamage,
  inspectDatabaseFile,
  isDatabaseDamage,
  restoreHint,
  type DatabaseFileState,
} from './integrity';
