export { activationChange, type ActivationChange } from './activation';
export { BalanceSync, SOL_KEY, type UserBalances } from './balances';
export { depositInfo, type DepositInfo } from './deposit';
export { Whitelist, parseAddress } from './whitelist';
export { Withdrawals, type WithdrawRequest, type WithdrawResult } from './withdrawals';
export * from './reserves';
