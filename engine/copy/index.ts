/**
 * Copy trading (issue 16): a friend follows another friend or any Solana
 * wallet, within their own risk. Leader swaps are read from the chain and
 * parsed from balances (any DEX); copies are orders with context `copy`
 * through the one execution path.
 */
export {
  CopyService,
  clientIdOf,
  COPY_STOP_PCT,
  emptyCopyPollReport,
  type CopyDeps,
  type CopyPollReport,
} from './service';
export { CopyRepo, type CopyTradeRow } from './repo';
export { follow, unfollow, resolveLeader, type FollowRequest } from './follows';
export { copyBuyUsd, copySellAmount } from './sizing';
export { parseLeaderSwap, type LeaderSwap, type TradeLeg } from './parse';
export {
  COPY_SIZINGS,
  DEFAULT_MAX_AGE_SEC,
  type CopyOutcome,
  type CopySizing,
  type Follow,
  type FollowSettings,
  type LegSide,
} from './types';
