/**
 * Solana's JSON-RPC error codes and the JSON form of transaction errors, so
 * clients see exactly what a mainnet RPC node would send them.
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const RPC_INVALID_PARAMS = -32602;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_PARSE_ERROR = -32700;
export const RPC_PREFLIGHT_FAILURE = -32002;
export const RPC_SIGNATURE_VERIFICATION_FAILURE = -32003;
export const RPC_TRANSACTION_HISTORY_NOT_AVAILABLE = -32011;

/** LiteSVM's TransactionErrorFieldless, in order. Names are Solana's serde names. */
export const TRANSACTION_ERRORS = [
  'AccountInUse',
  'AccountLoadedTwice',
  'AccountNotFound',
  'ProgramAccountNotFound',
  'InsufficientFundsForFee',
  'InvalidAccountForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'CallChainTooDeep',
  'MissingSignatureForFee',
  'InvalidAccountIndex',
  'SignatureFailure',
  'InvalidProgramForExecution',
  'SanitizeFailure',
  'ClusterMaintenance',
  'AccountBorrowOutstanding',
  'WouldExceedMaxBlockCostLimit',
  'UnsupportedVersion',
  'InvalidWritableAccount',
  'WouldExceedMaxAccountCostLimit',
  'WouldExceedAccountDataBlockLimit',
  'TooManyAccountLocks',
  'AddressLookupTableNotFound',
  'InvalidAddressLookupTableOwner',
  'InvalidAddressLookupTableData',
  'InvalidAddressLookupTableIndex',
  'InvalidRentPayingAccount',
  'WouldExceedMaxVoteCostLimit',
  'WouldExceedAccountDataTotalLimit',
  'MaxLoadedAccountsDataSizeExceeded',
  'ResanitizationNeeded',
  'InvalidLoadedAccountsDataSizeLimit',
  'UnbalancedTransaction',
  'ProgramCacheHitMaxLimit',
  'CommitCancelled',
] as const;

/** LiteSVM's InstructionErrorFieldless, in order. */
export const INSTRUCTION_ERRORS = [
  'GenericError',
  'InvalidArgument',
  'InvalidInstructionData',
  'InvalidAccountData',
  'AccountDataTooSmall',
  'InsufficientFunds',
  'IncorrectProgramId',
  'MissingRequiredSignature',
  'AccountAlreadyInitialized',
  'UninitializedAccount',
  'UnbalancedInstruction',
  'ModifiedProgramId',
  'ExternalAccountLamportSpend',
  'ExternalAccountDataModified',
  'ReadonlyLamportChange',
  'ReadonlyDataModified',
  'DuplicateAccountIndex',
  'ExecutableModified',
  'RentEpochModified',
  'NotEnoughAccountKeys',
  'AccountDataSizeChanged',
  'AccountNotExecutable',
  'AccountBorrowFailed',
  'AccountBorrowOutstanding',
  'DuplicateAccountOutOfSync',
  'InvalidError',
  'ExecutableDataModified',
  'ExecutableLamportChange',
  'ExecutableAccountNotRentExempt',
  'UnsupportedProgramId',
  'CallDepth',
  'MissingAccount',
  'ReentrancyNotAllowed',
  'MaxSeedLengthExceeded',
  'InvalidSeeds',
  'InvalidRealloc',
  'ComputationalBudgetExceeded',
  'PrivilegeEscalation',
  'ProgramEnvironmentSetupFailure',
  'ProgramFailedToComplete',
  'ProgramFailedToCompile',
  'Immutable',
  'IncorrectAuthority',
  'AccountNotRentExempt',
  'InvalidAccountOwner',
  'ArithmeticOverflow',
  'UnsupportedSysvar',
  'IllegalOwner',
  'MaxAccountsDataAllocationsExceeded',
  'MaxAccountsExceeded',
  'MaxInstructionTraceLengthExceeded',
  'BuiltinProgramsMustConsumeComputeUnits',
  'BorshIoError',
] as const;

/** A transaction error as Solana serialises it, e.g. {"InstructionError":[2,{"Custom":1}]}. */
export type TransactionErrorJson = string | Record<string, unknown>;

/** Converts LiteSVM's error objects to Solana's JSON form. */
export function transactionErrorJson(err: unknown): TransactionErrorJson {
  if (typeof err === 'number') return TRANSACTION_ERRORS[err] ?? `Unknown(${err})`;
  if (err && typeof err === 'object') {
    const e = err as { index?: number; accountIndex?: number; err?: () => unknown; constructor: { name: string } };
    const kind = e.constructor.name;
    if (kind === 'TransactionErrorInstructionError' && typeof e.err === 'function') {
      return { InstructionError: [e.index ?? 0, instructionErrorJson(e.err())] };
    }
    if (kind === 'TransactionErrorDuplicateInstruction') return { DuplicateInstruction: e.index ?? 0 };
    if (kind === 'TransactionErrorInsufficientFundsForRent') {
      return { InsufficientFundsForRent: { account_index: e.accountIndex ?? 0 } };
    }
    if (kind === 'TransactionErrorProgramExecutionTemporarilyRestricted') {
      return { ProgramExecutionTemporarilyRestricted: { account_index: e.accountIndex ?? 0 } };
    }
  }
  return String(err);
}

function instructionErrorJson(err: unknown): unknown {
  if (typeof err === 'number') return INSTRUCTION_ERRORS[err] ?? `Unknown(${err})`;
  if (err && typeof err === 'object') {
    const e = err as { code?: number; msg?: string; constructor: { name: string } };
    if (e.constructor.name === 'InstructionErrorCustom') return { Custom: e.code ?? 0 };
    if (e.constructor.name === 'InstructionErrorBorshIo') return { BorshIoError: e.msg ?? '' };
  }
  return String(err);
}

/** The sentence Solana's RPC puts after "Transaction simulation failed: ". */
export function describeTransactionError(err: TransactionErrorJson): string {
  if (typeof err === 'string') {
    const known: Record<string, string> = {
      BlockhashNotFound: 'Blockhash not found',
      AlreadyProcessed: 'This transaction has already been processed',
      InsufficientFundsForFee: 'Insufficient funds for fee',
      AccountNotFound: 'Attempt to debit an account but found no record of a prior credit.',
      SignatureFailure: 'Transaction did not pass signature verification',
    };
    return known[err] ?? err;
  }
  const ie = (err as { InstructionError?: [number, unknown] }).InstructionError;
  if (ie) {
    const [index, inner] = ie;
    const detail =
      inner && typeof inner === 'object' && 'Custom' in inner
        ? `custom program error: 0x${(inner as { Custom: number }).Custom.toString(16)}`
        : String(inner);
    return `Error processing Instruction ${index}: ${detail}`;
  }
  return JSON.stringify(err);
}
