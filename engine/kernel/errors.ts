/**
 * Every failure that reaches a person carries a code and a message they can act
 * on. `user` errors are caused by input or state the operator controls (exit 1);
 * `internal` errors are bugs or environment failures (exit 2).
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'REFUSED'
  | 'CONFIRMATION_REQUIRED'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'MASTER_KEY_MISSING'
  | 'MASTER_KEY_MISMATCH'
  | 'TAMPERED'
  /** A data file (the database) is unreadable or truncated: restore it, never replace it silently. */
  | 'DATA_DAMAGED'
  | 'WRONG_PASSPHRASE'
  | 'DATA_DIR_BUSY'
  | 'UNSUPPORTED'
  /** No RPC endpoint answered: the network or the configured endpoints are at fault, not the request. */
  | 'RPC_UNAVAILABLE'
  /** A transaction was sent but whether it landed cannot be known yet; never guessed either way. */
  | 'OUTCOME_UNKNOWN'
  | 'INTERNAL';

const INTERNAL_CODES: ReadonlySet<ErrorCode> = new Set(['INTERNAL']);

export class HarvestError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HarvestError';
    this.code = code;
  }

  get kind(): 'user' | 'internal' {
    return INTERNAL_CODES.has(this.code) ? 'internal' : 'user';
  }

  toJSON(): { code: ErrorCode; kind: 'user' | 'internal'; message: string } {
    return { code: this.code, kind: this.kind, message: this.message };
  }
}

export function isHarvestError(e: unknown): e is HarvestError {
  return e instanceof HarvestError;
}

/** Normalise anything thrown into a HarvestError without leaking internals. */
export function toHarvestError(e: unknown): HarvestError {
  if (e instanceof HarvestError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new HarvestError('INTERNAL', `Internal error: ${message}`, { cause: e });
}
