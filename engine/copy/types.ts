/** How a follow sizes a copied buy. */
export type CopySizing = 'fixed' | 'proportional' | 'multiplier';
export const COPY_SIZINGS: readonly CopySizing[] = ['fixed', 'proportional', 'multiplier'];

/** What a follow copies and how much; checked at the API boundary and by the table's constraints. */
export interface FollowSettings {
  sizing: CopySizing;
  /** USD per copied buy (sizing 'fixed'). */
  fixedUsd: number | null;
  /** Times the leader's USD amount (sizing 'multiplier'). */
  multiplier: number | null;
  /** The most one copied buy may spend, in USD; null: only the risk limits bound it. */
  maxUsd: number | null;
  /** 'all', or only / never the listed token symbols. */
  tokensMode: 'all' | 'allow' | 'deny';
  tokens: string[];
  copySells: boolean;
  /** A leader trade older than this when found is skipped (catching up after downtime). */
  maxAgeSec: number;
}

/** Defaults for what a follow leaves out. */
export const DEFAULT_MAX_AGE_SEC = 120;

export interface Follow extends FollowSettings {
  id: number;
  userId: number;
  /** The leader's Solana address (a friend's wallet, or any wallet). */
  leader: string;
  /** The friend whose wallet the leader is, if any. */
  leaderUserId: number | null;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export type LegSide = 'buy' | 'sell';
export type CopyOutcome = 'pending' | 'copied' | 'skipped' | 'refused' | 'failed';
