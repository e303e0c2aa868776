/**
 * Hands the engine what a light command does not need (see EngineParts in
 * engine.ts): the other handler groups, the whole API contract, and the classes
 * behind `engine.wallets` and `engine.signer`, which carry key derivation
 * (noble) and transaction decoding (@solana/kit). Engine.open does not import
 * this module, so a cold `harvest status`, `user list` or `positions` parses
 * none of it (issue 12, item 5). Whatever runs more than light commands
 * imports it up front: the runtime index, the funds services, the Electron
 * main process; the engine loads it itself on the first other command.
 */
import { commands } from '../api/contract';
import { TransactionSigner } from '../keystore/signer';
import { WalletVault } from '../keystore/wallets';
import { provideEngineParts } from './engine';
import { buildHandlers } from './handlers';

provideEngineParts({ WalletVault, TransactionSigner, buildHandlers, commands });
