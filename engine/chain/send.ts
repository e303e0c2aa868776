import { getTransactionDecoder, getSignatureFromTransaction, isSignature, type Signature } from '@solana/kit';
import type { Clock } from '../kernel/clock';
import { HarvestError, isHarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Bytes, SendAndConfirmOptions, SendOutcome, SignatureStatus, SubmitResult } from './types';
import { chunk, describeRpcError, mapLimit, rpcCall, toBytesAndBase64, type SolanaRpc } from './util';

/** getSignatureStatuses accepts at most 256 signatures. */
export const MAX_SIGNATURES_PER_REQUEST = 256;

const transactionDecoder = getTransactionDecoder();

/** The fee payer's signature of a signed wire transaction, which is also its id on chain. */
export function signatureOfWireTransaction(bytes: Uint8Array): Signature {
  let signature: Signature;
  try {
    signature = getSignatureFromTransaction(transactionDecoder.decode(bytes));
  } catch (e) {
    throw new HarvestError('INVALID_INPUT', `Not a signed Solana transaction: ${describeRpcError(e)}`, { cause: e });
  }
  return signature;
}

export async function readSignatureStatuses(
  rpc: SolanaRpc,
  signatures: readonly Signature[],
  concurrency = 4,
): Promise<(SignatureStatus | null)[]> {
  for (const s of signatures) {
    if (typeof s !== 'string' || !isSignature(s))
      throw new HarvestError('INVALID_INPUT', `Not a transaction signature: ${String(s)}.`);
  }
  const batches = chunk(signatures, MAX_SIGNATURES_PER_REQUEST);
  const answers = await mapLimit(batches, Math.max(1, concurrency), (batch) =>
    rpcCall('getSignatureStatuses', () => rpc.getSignatureStatuses(batch, { searchTransactionHistory: true }).send()),
  );
  const out: (SignatureStatus | null)[] = [];
  answers.forEach((answer, i) => {
    const asked = (batches[i] as Signature[]).length;
    if (answer.value.length !== asked) {
      throw new HarvestError(
        'INTERNAL',
        `getSignatureStatuses answered ${answer.value.length} statuses for ${asked} signatures.`,
      );
    }
    for (const s of answer.value) {
      out.push(
        s
          ? { slot: s.slot, confirmations: s.confirmations, err: s.err, confirmationStatus: s.confirmationStatus }
          : null,
      );
    }
  });
  return out;
}

export type RawSendResult = SubmitResult;

export interface SendDeps {
  rpc: SolanaRpc;
  clock: Clock;
  logger: Logger;
  /** sendTransaction through the transport, keeping the node's own error message and data. */
  rawSend(base64: string, resend: boolean): Promise<RawSendResult>;
}

function isCommitted(status: SignatureStatus): boolean {
  // An old node may leave confirmationStatus out; confirmations === null then means rooted.
  return (
    status.confirmationStatus === 'confirmed' ||
    status.confirmationStatus === 'finalized' ||
    (status.confirmationStatus === null && status.confirmations === null)
  );
}

function nonNegative(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0)
    throw new HarvestError('INVALID_INPUT', `${what} must be a non-negative number, got ${v}.`);
  return v;
}

/**
 * Sends a signed transaction and follows it to one of: confirmed, failed (landed with an error),
 * expired (block height passed lastValidBlockHeight and the signature is still unknown, seen on two
 * polls in a row), or rejected (the node refused it at preflight). While it has not landed, the same
 * signed bytes are resent (skipping preflight) every poll. When the outcome cannot be known (the RPC
 * stays unreachable, or nothing final happens within maxWaitMs) it throws instead of guessing.
 */
export async function sendAndConfirmTransaction(
  deps: SendDeps,
  wireTx: Bytes,
  lastValidBlockHeight: bigint,
  opts: SendAndConfirmOptions = {},
): Promise<SendOutcome> {
  if (typeof lastValidBlockHeight !== 'bigint' || lastValidBlockHeight < 0n) {
    throw new HarvestError(
      'INVALID_INPUT',
      `lastValidBlockHeight must be a non-negative bigint, got ${String(lastValidBlockHeight)}.`,
    );
  }
  const pollIntervalMs = nonNegative(opts.pollIntervalMs, 2_000, 'pollIntervalMs');
  const maxWaitMs = nonNegative(opts.maxWaitMs, 180_000, 'maxWaitMs');
  const maxPollFailures = Math.max(1, Math.floor(nonNegative(opts.maxPollFailures, 5, 'maxPollFailures')));
  const { bytes, base64 } = toBytesAndBase64(wireTx, 'Transaction');
  const signature = signatureOfWireTransaction(bytes);
  const { rpc, clock, logger } = deps;
  const submit = opts.submit ?? deps.rawSend;
  const log = logger.child({ signature });

  try {
    const sent = await submit(base64, false);
    if (!sent.accepted) {
      // A resend after a restart is refused as "already processed": it landed, so follow it.
      let known: SignatureStatus | null = null;
      try {
        known = (await readSignatureStatuses(rpc, [signature]))[0] ?? null;
      } catch (e) {
        log.warn({ err: describeRpcError(e) }, 'could not check the status of a refused transaction');
      }
      if (!known && isBlockhashNotFound(sent.err, sent.message)) {
        // Its blockhash is unknown to the node: expired if the chain is past its last valid height
        // (it can never land), else a lagging node; either way the answer comes from the block height.
        const height = await rpcCall('getBlockHeight', () => rpc.getBlockHeight({ commitment: 'confirmed' }).send());
        if (height > lastValidBlockHeight) {
          log.info('blockhash expired before the transaction was sent');
          return { status: 'expired', signature };
        }
      } else if (!known) {
        log.info({ reason: sent.message }, 'transaction rejected at preflight');
        return { status: 'rejected', signature, reason: sent.message, err: sent.err, logs: sent.logs };
      }
      log.info({ reason: sent.message }, 'send refused but the transaction is already known; following it');
    }
  } catch (e) {
    if (!isHarvestError(e)) throw e;
    // The RPC may or may not have received it: follow the signature, resending as we go.
    log.warn({ err: e.message }, 'send failed on every endpoint; following the signature anyway');
  }

  const started = clock.now();
  let pollFailures = 0;
  let expiredPolls = 0;
  let last: SignatureStatus | null = null;
  for (;;) {
    let height: bigint | undefined;
    let status: SignatureStatus | null = null;
    try {
      // Height first: if it is already past and the status read after it is still empty, it can no longer land.
      height = await rpcCall('getBlockHeight', () => rpc.getBlockHeight({ commitment: 'confirmed' }).send());
      status = (await readSignatureStatuses(rpc, [signature]))[0] ?? null;
      pollFailures = 0;
    } catch (e) {
      height = undefined;
      pollFailures++;
      log.warn({ err: describeRpcError(e), pollFailures }, 'could not poll the transaction status');
      if (pollFailures >= maxPollFailures) {
        throw new HarvestError(
          'OUTCOME_UNKNOWN',
          `Lost track of transaction ${signature}: ${describeRpcError(e)}. Its outcome is unknown; check the signature before sending it again.`,
          { cause: e },
        );
      }
    }

    if (status) {
      last = status;
      expiredPolls = 0;
      if (isCommitted(status)) {
        if (status.err !== null) {
          log.info({ slot: status.slot, err: status.err }, 'transaction landed with an error');
          return { status: 'failed', signature, slot: status.slot, err: status.err };
        }
        log.info({ slot: status.slot }, 'transaction confirmed');
        return {
          status: 'confirmed',
          signature,
          slot: status.slot,
          err: null,
          commitment: status.confirmationStatus === 'confirmed' ? 'confirmed' : 'finalized',
        };
      }
    } else if (height !== undefined && height > lastValidBlockHeight) {
      expiredPolls++;
      if (expiredPolls >= 2) {
        log.info({ height, lastValidBlockHeight }, 'transaction expired');
        return { status: 'expired', signature };
      }
    } else if (height !== undefined) {
      expiredPolls = 0;
    }

    if (clock.now() - started >= maxWaitMs) {
      throw new HarvestError(
        'OUTCOME_UNKNOWN',
        `Transaction ${signature} has no final outcome after ${Math.round(maxWaitMs / 1000)} s (last status: ${
          last ? (last.confirmationStatus ?? 'unknown') : 'not seen'
        }). Its outcome is unknown; check the signature before sending it again.`,
      );
    }

    await clock.sleep(pollIntervalMs);

    if (!status && !(height !== undefined && height > lastValidBlockHeight)) {
      try {
        const resent = await submit(base64, true);
        if (!resent.accepted) log.debug({ reason: resent.message }, 'resend refused');
      } catch (e) {
        log.debug({ err: describeRpcError(e) }, 'resend failed');
      }
    }
  }
}

function isBlockhashNotFound(err: unknown, message: string): boolean {
  return err === 'BlockhashNotFound' || /blockhash not found/iu.test(message);
}
