export {
  FlowScanner,
  signaturesSince,
  walletTokenAccounts,
  type FlowScanReport,
  type FlowScannerDeps,
} from './scanner';
export { walletEffect, SOL_ASSET, type WalletEffect } from './effect';
export { recordFaucetGrants } from './faucet-grants';
export {
  candlePriceAt,
  flowPriceAt,
  marketTimeAt,
  FLOW_PRICE_NOW_WINDOW_MS,
  type FlowPrice,
  type FlowValuation,
} from './flow-price';
