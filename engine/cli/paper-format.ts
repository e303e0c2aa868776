import type { CommandOutput } from '../api';

type PaperAccount = CommandOutput<'paper.account'>;

const usd = (n: number | null): string => (n === null ? '-' : `$${n.toFixed(2)}`);

/** A user's paper account, always under its own label so it is never read as the wallet's balance. */
export function formatPaperAccount(p: PaperAccount): string {
  const capital = Object.entries(p.startingCapital)
    .map(([s, a]) => `${a} ${s}`)
    .join(', ');
  const head = `${p.account} of user ${p.userId}${p.current ? ' (trading now)' : ' (not in use: the user trades live)'}: equity ${usd(p.equityUsd)}, starting capital ${capital}`;
  if (!p.open)
    return `${head}\n  not opened yet: it opens with its starting capital at the first paper order (or harvest paper reset)`;
  const rows = p.tokens.map((t) => `  ${t.symbol.padEnd(6)} ${t.uiAmount}`);
  return [
    head,
    ...(rows.length ? rows : ['  (empty)']),
    ...(p.openPositions ? [`  open paper positions: ${p.openPositions}`] : []),
  ].join('\n');
}

/** Formatters of the paper.* commands (spread into the formatter table). */
export const paperFormatters = {
  'paper.account': formatPaperAccount,
  'paper.reset': (o: CommandOutput<'paper.reset'>) => `${o.message}\n${formatPaperAccount(o.paper)}`,
  'paper.topUp': (o: CommandOutput<'paper.topUp'>) => `${o.message}\n${formatPaperAccount(o.paper)}`,
};
