import type { CommandOutput } from '../api';

type FollowOut = CommandOutput<'copy.list'>['follows'][number];

const short = (a: string): string => (a.length > 12 ? `${a.slice(0, 4)}…${a.slice(-4)}` : a);
const leaderOf = (o: { leader: string; leaderName: string | null }): string =>
  o.leaderName ? `${o.leaderName} (${short(o.leader)})` : o.leader;

function sizingText(f: FollowOut): string {
  const base =
    f.sizing === 'fixed'
      ? `$${f.fixedUsd} per trade`
      : f.sizing === 'multiplier'
        ? `${f.multiplier}× the leader's amount`
        : "the leader's share of its equity, of this friend's equity";
  return f.maxUsd !== null ? `${base}, at most $${f.maxUsd}` : base;
}

function formatFollow(f: FollowOut): string {
  const tokens =
    f.tokensMode === 'all' ? 'every token' : `${f.tokensMode === 'allow' ? 'only' : 'not'} ${f.tokens.join(', ')}`;
  return [
    `${f.user} follows ${leaderOf(f)}: ${sizingText(f)}; ${tokens}; ${f.copySells ? 'copies sells' : 'buys only'}; trades up to ${f.maxAgeSec} s old`,
    `  copied ${f.counts.copied}, skipped ${f.counts.skipped}, refused ${f.counts.refused}, failed ${f.counts.failed}${f.counts.pending ? `, in flight ${f.counts.pending}` : ''}`,
  ].join('\n');
}

/** Human-readable output of the copy-trading commands and the sandbox whale. */
export const copyFormatters = {
  'copy.follow': (o: CommandOutput<'copy.follow'>): string => `Following. ${formatFollow(o)}`,
  'copy.unfollow': (o: CommandOutput<'copy.unfollow'>): string =>
    o.ended ? `Stopped following ${o.leader}; what was copied stays.` : `Was not following ${o.leader}.`,
  'copy.list': (o: CommandOutput<'copy.list'>): string =>
    o.follows.length === 0 ? 'Nobody follows anyone yet.' : o.follows.map(formatFollow).join('\n'),
  'copy.trades': (o: CommandOutput<'copy.trades'>): string =>
    o.trades.length === 0
      ? 'No leader trades seen yet.'
      : o.trades
          .map(
            (t) =>
              `${t.seenAt}  ${t.user} ← ${leaderOf(t)}  ${t.side} ${t.leaderAmount} ${t.token}${t.leaderUsd !== null ? ` (~$${t.leaderUsd.toFixed(2)})` : ''}: ${t.outcome}${t.reason ? ` — ${t.reason}` : ''}`,
          )
          .join('\n'),
  'sandbox.whale': (o: CommandOutput<'sandbox.whale'>): string =>
    [
      `Sandbox whale ${o.address}: ${o.enabled ? `trading every ${o.everySec} s` : 'stopped'} (buys $${o.usd} of ${o.tokens.join(', ')}, then sells half or all)`,
      o.lastTrade
        ? `  last: ${o.lastTrade.side} ${o.lastTrade.token} at ${o.lastTrade.at}: ${o.lastTrade.signature}`
        : '  no trade yet',
      `  follow it with: harvest copy follow USER ${o.address} --fixed-usd 10`,
    ].join('\n'),
};
