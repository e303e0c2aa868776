export { FlowScanner, scannedAddresses, type FlowScanReport, type FlowScannerDeps } from './scanner';
export { walletEffect, SOL_ASSET, type WalletEffect } from './effect';
export { recordFaucetGrants } from './faucet-grants';
