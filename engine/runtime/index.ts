// Everything that opens an engine through this index gets all of it up front: every handler group,
// the whole contract, engine.wallets and engine.signer (engine-parts.ts).
import './engine-parts';
export { Engine, type EngineOptions } from './engine';
export { restoreBackup, type RestoreOptions, type RestoreResult } from './restore';
export type { Handlers } from './handlers';
export {
  NetworkName,
  connectNetwork,
  readNetworkConfig,
  writeNetworkConfig,
  PUBLIC_RPC,
  type NetworkConfig,
  type NetworkContext,
  type Faucet,
} from './network';
export type { Funds } from './engine';
