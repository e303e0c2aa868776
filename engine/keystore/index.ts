export { OsKeychain, KEYCHAIN_SERVICE, KEYCHAIN_FIX_HINT, keychainUnavailable, type Keychain } from './keychain';
export { MasterKey, seal, open, walletAad, auditKeyOf, MASTER_KEY_BYTES } from './seal';
export {
  SOLANA_DERIVATION_PATH,
  generateMnemonic,
  validateMnemonic,
  normaliseMnemonic,
  keypairFromMnemonic,
  keypairFromSecretKey,
  keypairFromSeed,
  secretKeyBytes,
  toBase58,
  type Keypair,
} from './derivation';
export {
  MASTER_KEY_ENV,
  keychainAccounts,
  preflightMasterKey,
  loadMasterKey,
  envKeyPresent,
  type KeychainAccounts,
  type MasterKeyContext,
  type MasterKeySourceKind,
} from './master-key';
export { WalletVault, infoOf, type WalletImport, type WalletInfo, type WalletExport } from './wallets';
export { rotateMasterKey, MASTER_KEY_ID_META, type RotationResult } from './rotation';
export {
  adoptFileKey,
  fileKeyPath,
  assertFileKeyPrivate,
  loadFileKey,
  preflightWithFileKey,
  refusedUnderFileKey,
  FILE_KEY_WARNING,
  type AdoptResult,
} from './file-key';
export {
  sealBackup,
  openBackup,
  checkPassphrase,
  looksLikeBackup,
  SCRYPT_PARAMS,
  MIN_PASSPHRASE_LENGTH,
  type BackupContents,
} from './backup';
export {
  TransactionSigner,
  decodeTransaction,
  ALLOWED_PROGRAMS,
  MAX_FEE_LAMPORTS,
  type SigningPurpose,
  type WithdrawalPurpose,
  type SignOptions,
  type SigningGate,
  type DecodedTransaction,
} from './signer';
export {
  simulatorFor,
  baselineOf,
  type SwapPurpose,
  type SimulateTransaction,
  type SimulatedAccount,
  type SimulationOutcome,
  type SimulatingChain,
  type SwapSimulation,
} from './swap-policy';
export {
  checkOutflowCaps,
  defaultTradingCaps,
  tradingCapsFor,
  outflowLast24h,
  outflowAsset,
  type OutflowAsset,
  type TradingCaps,
} from './outflow';
export { decodeInstruction, type DecodedInstruction } from './instructions';
