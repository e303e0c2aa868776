import type { Address, Signature } from '@solana/kit';
import type { ChainClient } from '../chain';
import { isoTime, type Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { Store } from '../store';
import { fillFromTransaction } from './fills';
import type { TradeExecutionService } from './service';

export interface ReconcileReport {
  checked: number;
  confirmed: number;
  failed: number;
  expired: number;
  stillPending: number;
}

/**
 * Settles every order a crash left in `pending` or `signed`:
 *  - no signature: it was never sent (signing is journaled before sending) → failed;
 *  - landed: its trade is recorded exactly once (the trade row is unique per intent);
 *  - landed with an error → failed;
 *  - not landed and its blockhash has expired → expired (it can never land);
 *  - not landed and still valid → the same signed bytes are sent again and followed.
 */
export async function reconcileIntents(
  store: Store,
  chain: ChainClient,
  exec: TradeExecutionService,
  network: string,
  clock: Clock,
  log: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, confirmed: 0, failed: 0, expired: 0, stillPending: 0 };
  const open = store.intents.unfinished().filter((i) => i.network === network);
  const signed = open.filter((i) => i.status === 'signed' && i.signature);
  const statuses =
    signed.length > 0 ? await chain.getSignatureStatuses(signed.map((i) => i.signature as Signature)) : [];
  const height = signed.length > 0 ? await chain.getBlockHeight() : 0n;
  for (const intent of open) {
    report.checked++;
    const at = isoTime(clock);
    if (intent.status === 'pending' || !intent.signature) {
      store.intents.finish(intent.id, 'failed', null, 'Interrupted before it was signed; nothing was sent.', at);
      report.failed++;
      continue;
    }
    const status = statuses[signed.indexOf(intent)] ?? null;
    if (status && status.confirmationStatus !== 'processed') {
      if (status.err) {
        store.intents.finish(
          intent.id,
          'failed',
          null,
          `Landed with an error: ${JSON.stringify(status.err, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
          at,
        );
        report.failed++;
        continue;
      }
      const tx = await chain.getTransaction(intent.signature as Signature);
      const wallet = store.wallets.byUser(intent.userId);
      if (!tx || !wallet) {
        report.stillPending++;
        continue;
      }
      exec.record(
        intent,
        fillFromTransaction(tx, wallet.address as Address, intent.inputMint, intent.outputMint),
        intent.signature,
      );
      report.confirmed++;
      continue;
    }
    if (intent.lastValidBlockHeight !== null && height > intent.lastValidBlockHeight) {
      store.intents.finish(
        intent.id,
        'expired',
        null,
        'Its blockhash expired before it landed; nothing was swapped.',
        at,
      );
      report.expired++;
      continue;
    }
    if (intent.signedTx && intent.lastValidBlockHeight !== null) {
      const outcome = await chain.sendAndConfirm(intent.signedTx, intent.lastValidBlockHeight);
      if (outcome.status === 'confirmed') {
        const tx = await chain.getTransaction(intent.signature as Signature);
        const wallet = store.wallets.byUser(intent.userId);
        if (tx && wallet) {
          exec.record(
            intent,
            fillFromTransaction(tx, wallet.address as Address, intent.inputMint, intent.outputMint),
            intent.signature,
          );
          report.confirmed++;
          continue;
        }
      } else if (outcome.status === 'expired') {
        store.intents.finish(
          intent.id,
          'expired',
          null,
          'Its blockhash expired before it landed; nothing was swapped.',
          isoTime(clock),
        );
        report.expired++;
        continue;
      } else {
        store.intents.finish(
          intent.id,
          'failed',
          null,
          outcome.status === 'failed' ? 'Landed with an error.' : outcome.reason,
          isoTime(clock),
        );
        report.failed++;
        continue;
      }
    }
    report.stillPending++;
  }
  if (report.checked > 0) log.info(report, 'reconciled unfinished orders');
  return report;
}
