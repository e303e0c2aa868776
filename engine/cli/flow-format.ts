import type { CommandOutput } from '../api';
import { friendName, shortAddress, tokenAmount, type NameOf } from '../api/human-text';

type Result = CommandOutput<'ledger.reconcile'>['results'][number];

function formatResult(r: Result): string {
  const head = `${r.name} (${r.wallet}) on ${r.network}`;
  if (r.ok === null) return `${head}: could not conclude (${r.inconclusive ?? 'unknown'}); try again shortly.`;
  if (r.ok) return `${head}: ledger = chain for ${r.assets.length} asset(s), to the base unit.`;
  const lines = [
    `${head}: ${r.discrepancies.length} discrepanc${r.discrepancies.length === 1 ? 'y' : 'ies'} (check #${r.checkId})${r.acknowledged ? ', already acknowledged' : r.paused ? '; entries paused until `harvest reconcile ack` ' : ''}`,
  ];
  for (const d of r.discrepancies) {
    lines.push(
      `  ${d.kind === 'balance' ? 'balance' : 'transaction'} ${d.symbol}: chain ${tokenAmount(d.chain, d.asset)}, ledger ${tokenAmount(d.ledger, d.asset)}, off by ${tokenAmount(d.difference, d.asset)}: ${d.note}`,
    );
    for (const s of d.signatures) lines.push(`      ${s}`);
  }
  return lines.join('\n');
}

/** Human-readable output of the flows, ledger and export commands. */
export const flowFormatters = {
  'ledger.reconcile': (o: CommandOutput<'ledger.reconcile'>): string =>
    o.results.length === 0 ? 'No wallets to reconcile.' : o.results.map(formatResult).join('\n'),
  'ledger.ack': (o: CommandOutput<'ledger.ack'>, h?: { nameOf: NameOf }): string =>
    `Acknowledged ledger check #${o.checkId} of ${friendName(o.userId, h?.nameOf ?? (() => null))}${o.resumed ? '; entries resumed' : ''}.`,
  'export.csv': (o: CommandOutput<'export.csv'>): string =>
    o.file ? `Wrote ${o.rows} ${o.kind} row(s) to ${o.file}.` : o.csv.trimEnd(),
  'sandbox.send': (o: CommandOutput<'sandbox.send'>): string =>
    `Sent ${tokenAmount(o.amount, o.mint)} from outside wallet ${shortAddress(o.from)} to ${o.to}: ${o.signature}`,
};
