import type { CommandOutput } from '../api';
import { friendName, withUsd, type NameOf } from '../api/human-text';

type PaperAccount = CommandOutput<'paper.account'>;

const usd = (n: number | null): string => (n === null ? '-' : `$${n.toFixed(2)}`);

/** A user's paper account, always under its own label so it is never read as the wallet's balance. */
export function formatPaperAccount(
  p: PaperAccount,
  h?: { nameOf: NameOf; prices?: Readonly<Record<string, number>> },
): string {
  const capital = Object.entries(p.startingCapital)
    .map(([s, a]) => `${a} ${s}`)
    .join(', ');
  const head = `${p.account} of ${friendName(p.userId, h?.nameOf ?? (() => null))}${p.current ? ' (trading now)' : ' (not in use: the user trades live)'}: equity ${usd(p.equityUsd)}, starting capital ${capital}`;
  if (!p.open)
    return `${head}\n  not opened yet: it opens with its starting capital at the first paper order (or harvest paper reset)`;
  const rows = p.tokens.map(
    (t) => `  ${t.symbol.padEnd(6)} ${withUsd(t.uiAmount, t.uiAmount, t.symbol, h?.prices ?? {})}`,
  );
  return [
    head,
    ...(rows.length ? rows : ['  (empty)']),
    ...(p.openPositions ? [`  open paper positions: ${p.openPositions}`] : []),
  ].join('\n');
}

/** Formatters of the paper.* commands (spread into the formatter table). */
export const paperFormatters = {
  'paper.account': (o: PaperAccount, h?: { nameOf: NameOf; prices?: Readonly<Record<string, number>> }) =>
    formatPaperAccount(o, h),
  'paper.reset': (o: CommandOutput<'paper.reset'>, h?: { nameOf: NameOf; prices?: Readonly<Record<string, number>> }) =>
    `${o.message}\n${formatPaperAccount(o.paper, h)}`,
  'paper.topUp': (o: CommandOutput<'paper.topUp'>, h?: { nameOf: NameOf; prices?: Readonly<Record<string, number>> }) =>
    `${o.message}\n${formatPaperAccount(o.paper, h)}`,
};
