export { FlowScanner, scannedAddresses, signaturesSince, type FlowScanReport, type FlowScannerDeps } from './scanner';
export { walletEffect, SOL_ASSET, type WalletEffect } from './effect';
export { recordFaucetGrants } from './faucet-grants';
