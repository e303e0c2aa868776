import { randomBytes } from 'node:crypto';
import { describeSensitive, isCommandName, needsConfirmation, parseCommandInput, type CommandName } from '../api';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';

/**
 * The transport-independent half of a UI host: resolves a command by name,
 * runs it through the engine (which validates input and output against the
 * contract), enforces the second confirmation step of sensitive commands and
 * turns every failure into `{code, message}` a person can act on. The
 * WebSocket/HTTP host uses it; an Electron main process can use it as is.
 */

/** What the gateway needs of an engine (the real `Engine` satisfies it). */
export interface GatewayEngine {
  executeUntyped(name: string, input: unknown): Promise<unknown>;
  /** Checks a sensitive command's preconditions and returns the sentence to confirm (see engine/runtime/preflight). */
  preflight?(name: string, input: unknown): Promise<string>;
  readonly clock: Clock;
}

export interface CallFailure {
  code: string;
  message: string;
  confirmationId?: string;
}

export type CallResult = { ok: true; result: unknown } | { ok: false; error: CallFailure };

/** How long a confirmation stays valid. */
export const CONFIRMATION_TTL_MS = 2 * 60_000;
/** Pending confirmations kept at most; the oldest is dropped beyond this. */
const MAX_PENDING = 256;

interface Pending {
  command: CommandName;
  inputKey: string;
  expiresAt: number;
}

/**
 * Single-use confirmations of sensitive commands. An id is bound to one
 * command and one input (canonical JSON of the validated input) and is
 * consumed by the first call that presents it, whether or not that call
 * matches: a confirmation never runs anything twice, nor anything else.
 */
export class Confirmations {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = CONFIRMATION_TTL_MS,
  ) {}

  issue(command: CommandName, inputKey: string): string {
    this.prune();
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
    const id = randomBytes(16).toString('hex');
    this.pending.set(id, { command, inputKey, expiresAt: this.clock.now() + this.ttlMs });
    return id;
  }

  /** Consumes `id`; says why it cannot be used, or null if it confirms exactly this call. */
  redeem(id: string, command: CommandName, inputKey: string): string | null {
    const p = this.pending.get(id);
    if (!p) return 'That confirmation is unknown or was already used.';
    this.pending.delete(id);
    if (this.clock.now() >= p.expiresAt) return 'That confirmation expired (they last two minutes).';
    if (p.command !== command || p.inputKey !== inputKey) return 'That confirmation was given for a different request.';
    return null;
  }

  get size(): number {
    return this.pending.size;
  }

  clear(): void {
    this.pending.clear();
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, p] of this.pending) if (now >= p.expiresAt) this.pending.delete(id);
  }
}

/** JSON with object keys sorted at every level and undefined members left out: equal inputs, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export class CommandGateway {
  readonly confirmations: Confirmations;

  constructor(
    private readonly engine: GatewayEngine,
    private readonly log: Logger,
    opts: { confirmationTtlMs?: number } = {},
  ) {
    this.confirmations = new Confirmations(engine.clock, opts.confirmationTtlMs);
  }

  /** Runs one call; never throws. */
  async call(command: unknown, input: unknown, confirmation?: unknown): Promise<CallResult> {
    try {
      if (typeof command !== 'string' || !isCommandName(command)) {
        const shown = typeof command === 'string' ? `"${command.slice(0, 64)}"` : 'a command name';
        throw new HarvestError('NOT_FOUND', `Unknown command ${shown}.`);
      }
      if (confirmation !== undefined && confirmation !== null && typeof confirmation !== 'string') {
        throw new HarvestError('INVALID_INPUT', 'A confirmation is the confirmationId string the first call returned.');
      }
      if (needsConfirmation(command, input)) {
        // Validated first: nothing is offered for confirmation that could not run.
        const inputKey = canonicalJson(parseCommandInput(command, input));
        if (confirmation === undefined || confirmation === null || confirmation === '') {
          // Preconditions first: nothing is offered for confirmation that would then be refused.
          const sentence = this.engine.preflight
            ? await this.engine.preflight(command, input)
            : describeSensitive(command, input);
          return this.confirmationRequired(command, inputKey, `${sentence} Confirm to go ahead.`);
        }
        const refusal = this.confirmations.redeem(confirmation, command, inputKey);
        if (refusal !== null)
          return this.confirmationRequired(command, inputKey, `${refusal} Confirm again to go ahead.`);
        this.log.info({ command }, 'confirmed sensitive command');
      }
      return { ok: true, result: await this.engine.executeUntyped(command, input) };
    } catch (e) {
      return { ok: false, error: this.describe(command, e) };
    }
  }

  private confirmationRequired(command: CommandName, inputKey: string, message: string): CallResult {
    const confirmationId = this.confirmations.issue(command, inputKey);
    return { ok: false, error: { code: 'CONFIRMATION_REQUIRED', message, confirmationId } };
  }

  private describe(command: unknown, e: unknown): CallFailure {
    if (e instanceof HarvestError) {
      if (e.kind === 'internal') this.log.error({ command, err: e.message }, 'command failed');
      return { code: e.code, message: e.message };
    }
    // Not an error written for people: details go to the log, not to the client.
    this.log.error(
      { command, err: e instanceof Error ? (e.stack ?? e.message) : String(e) },
      'command failed unexpectedly',
    );
    return {
      code: 'INTERNAL',
      message: 'Internal error; the details are in the engine log (logs/harvest.log in the data directory).',
    };
  }
}

/** The HTTP status of a failure code (the body carries the code itself). */
export function httpStatusOf(code: string): number {
  switch (code) {
    case 'INVALID_INPUT':
    case 'WRONG_PASSPHRASE':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFIRMATION_REQUIRED':
    case 'CONFLICT':
    case 'DATA_DIR_BUSY':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'REFUSED':
    case 'UNSUPPORTED':
    case 'TAMPERED':
    case 'DATA_DAMAGED':
    case 'MASTER_KEY_MISMATCH':
      return 422;
    case 'TOO_MANY_REQUESTS':
      return 429;
    case 'RPC_UNAVAILABLE':
    case 'KEYCHAIN_UNAVAILABLE':
    case 'MASTER_KEY_MISSING':
      return 503;
    case 'OUTCOME_UNKNOWN':
      return 504;
    default:
      return 500;
  }
}
