/**
 * Price truth (DESIGN.md, "Second release"): independent price sources and the quorum that
 * turns them into one trusted price with its age and source count. Risk, protections,
 * valuation and exits read prices only from here; no venue is ever its own price source.
 */
export {
  PRICE_UPDATE_V2_DISCRIMINATOR,
  PRICE_UPDATE_V2_LEN,
  decodePriceUpdateV2,
  encodePriceUpdateV2,
  feedIdFromHex,
  feedIdToHex,
  scaledPrice,
  toMantissa,
  PythLayoutError,
  type PriceUpdateV2,
  type VerificationLevel,
} from './pyth-account';
export {
  PYTH_FEEDS,
  PYTH_PUSH_ORACLE_PROGRAM,
  PYTH_RECEIVER_PROGRAM,
  pushFeedAddress,
  pythFeedForMint,
  type PythFeed,
} from './pyth-feeds';
export { PythPriceSource, type AccountReader, type PythPriceSourceOptions } from './pyth-source';
export {
  decideQuorum,
  median,
  DEFAULT_TOLERANCE_BPS,
  type Observation,
  type QuorumDecision,
  type QuorumPolicy,
} from './quorum';
export {
  PriceQuorum,
  quorumEventsTo,
  type PriceQuorumOptions,
  type QuorumEvent,
  type QuorumSource,
  type TrustedPrice,
} from './price-quorum';
