/**
 * The Telegram bridge (issue #15): friends reach their own account from their
 * phone. A transport like engine/host: chat commands go through the same API
 * contract and gateway as the UI, alerts come from the event bus. It holds no
 * trading logic, and the trading loop never waits on it.
 */
export {
  TelegramBridge,
  NOT_LINKED,
  type BridgeEngine,
  type BridgeState,
  type BridgeStatus,
  type BridgeOptions,
} from './bridge';
export { registerBridge, bridgeOf } from './registry';
export { TelegramRepo, type TelegramFriendRow } from './links-repo';
export { TELEGRAM_PERMISSIONS, PERMISSION_LABELS, normalizePermissions, type TelegramPermission } from './permissions';
export { issueLinkCode, redeemLinkCode, hashCode, LINK_CODE_TTL_MS } from './link-codes';
export {
  DEFAULT_API_ROOT,
  apiRootOf,
  setApiRoot,
  tokenAccount,
  totpAccount,
  readToken,
  operatorLink,
  setOperatorLink,
} from './config';
export { newTotpSecret, totpCode, totpUri, verifyTotp } from './totp';
export { routeEvent, friendAlertText, FRIEND_ALERT_TYPES } from './alerts';
export { FriendCommands, COMMAND_PERMISSION, TELEGRAM_API_ALLOWLIST, type Reply } from './commands';
