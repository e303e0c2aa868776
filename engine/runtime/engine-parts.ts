/**
 * Hands the engine the classes behind `engine.wallets` and `engine.signer`. They
 * carry key derivation (noble) and transaction decoding (@solana/kit), so
 * Engine.open does not import them: a light CLI command (status, user list,
 * positions) opens the data directory without parsing either (issue 12, item
 * 5). Whatever uses wallets or signing imports this module first: the runtime
 * index, the handlers and the funds services do.
 */
import { TransactionSigner } from '../keystore/signer';
import { WalletVault } from '../keystore/wallets';
import { provideKeyClasses } from './engine';

provideKeyClasses({ WalletVault, TransactionSigner });
