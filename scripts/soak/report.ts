/**
 * The soak's report: one section per run, newest first, in docs/soak.md (the
 * earlier runs stay below it), with the machine, the date, the knobs, whether
 * the run was the full configuration or a reduced one, the figures and the
 * verdict of every invariant.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { machine, median, table } from '../../bench/harness';
import type { FaultCounts } from './fault-proxy';
import type { FloorCheck } from './floors';
import type { Isolation } from './isolation';
import { pct, reductions, type Knobs } from './knobs';
import type { IntentRow, LedgerCheck, TradeRow } from './outside';
import type { SupervisorStats } from './supervisor';
import type { TraderStats } from './traders';

export interface SoakResult {
  knobs: Knobs;
  wallMs: number;
  totalWallMs: number;
  friends: number;
  kills: { up: number; starting: number; none: number; scheduled: number };
  engine: SupervisorStats;
  shutdown: string;
  proxies: { rpc: FaultCounts; api: FaultCounts };
  priceGapSeconds: number;
  traders: TraderStats;
  ledger: LedgerCheck;
  intents: IntentRow[];
  trades: TradeRow[];
  events: Map<string, number>;
  floors: FloorCheck;
  isolation: Isolation;
  reconcileCmd: { ran: boolean; ok: boolean; detail: string };
  tapePolls: number;
  loadAverage: string;
}

const HEADER = `# Fault soak

Written by \`npm run soak\` (scripts/soak/run.ts): issue 10, item 10. Newest run first. Each run
says whether it was the full configuration (60 sandbox minutes, 20 friends, 30 % RPC faults,
50 SIGKILLs) or a reduced one, and why.
`;

const MARK = '<!-- soak:runs -->';

/** Writes the report (unless out is "-"), prints it, and says whether every invariant held. */
export function writeReport(r: SoakResult, out: string): boolean {
  const { body, ok } = render(r);
  process.stdout.write(`${body}\n`);
  if (out !== '-') {
    const doc = existsSync(out) ? readFileSync(out, 'utf8') : `${HEADER}\n${MARK}\n`;
    const at = doc.indexOf(MARK);
    const next =
      at < 0
        ? `${doc.trimEnd()}\n\n${MARK}\n\n${body}\n`
        : doc.slice(0, at + MARK.length) + `\n\n${body}\n` + doc.slice(at + MARK.length);
    writeFileSync(out, next.replace(/\n{3,}/gu, '\n\n'));
  }
  return ok;
}

const verdict = (ok: boolean): string => (ok ? '**holds**' : '**BROKEN**');
const count = (rec: Record<string, number>): string =>
  Object.entries(rec)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

function render(r: SoakResult): { body: string; ok: boolean } {
  const k = r.knobs;
  const reduced = reductions(k);
  const date = new Date().toISOString().replace(/\.\d+Z$/u, 'Z');
  const v = r.ledger.violations;
  const dupLost = v.filter((x) =>
    /duplicate|lost|phantom|two intents|landed=|pending|still 'signed'|different swaps|belongs to/u.test(x),
  );
  const money = v.filter((x) => !dupLost.includes(x));
  const ok =
    v.length === 0 && r.isolation.ok && r.floors.violations.length === 0 && (r.reconcileCmd.ok || !r.reconcileCmd.ran);

  const byCtx = (rows: readonly { context: string }[]): Record<string, number> => {
    const m: Record<string, number> = {};
    for (const x of rows) m[x.context] = (m[x.context] ?? 0) + 1;
    return m;
  };
  const statusByCtx = new Map<string, Record<string, number>>();
  for (const i of r.intents) {
    const m = statusByCtx.get(i.context) ?? {};
    m[i.status] = (m[i.status] ?? 0) + 1;
    statusByCtx.set(i.context, m);
  }
  const rpc = r.proxies.rpc;
  const api = r.proxies.api;
  const rpcFaults = rpc.rpcErrors + rpc.rpcTimeoutsBeforeChain + rpc.rpcTimeoutsAfterChain;
  const rec = r.engine.recoveryMs;
  const eventsOf = (...types: string[]): string => types.map((t) => `${t} ${r.events.get(t) ?? 0}`).join(', ');
  const ratios = [...r.floors.ratios].sort((a, b) => a - b);

  const lines = [
    `## Run ${date}: ${reduced.length === 0 ? 'full configuration' : 'REDUCED'}`,
    '',
    `_On ${machine()}; load average at the end ${r.loadAverage}._`,
    '',
    reduced.length === 0 ? 'The configuration issue 10 asks for.' : `Reduced: ${reduced.join('; ')}.`,
    '',
    `Seed ${k.seed} (\`npm run soak -- --seed ${k.seed}\` replays the same fault choices, kill times, gaps and orders; what the engine does between them still depends on timing). ` +
      `${k.sandboxMinutes} minutes of sandbox (market) time at ${k.speed}× replay speed: ${(r.wallMs / 60_000).toFixed(1)} wall minutes of faults, ${(r.totalWallMs / 60_000).toFixed(1)} minutes in all with set-up, settling and checks. ` +
      `${r.friends} friends, each with 2 SOL and 1,000 USDC from the faucet, live, permissive risk (test/helpers/risk.ts), a strategy (trend, mean reversion and DCA in turn, 1-minute candles) on WETH and WBTC, ` +
      `and ${k.traders} streams of manual orders (buys of $5–25 with a stop-loss and take-profit 0.2–1 % away, so exits fire; sells of half a position). Engine cycle ${k.cycleSeconds} s; the engine's master key from HARVEST_MASTER_KEY (no OS keychain needed for a sandbox soak).`,
    '',
    '### Invariants',
    '',
    table(
      ['invariant', 'verdict', 'figures'],
      [
        [
          'no duplicate or lost swap',
          verdict(dupLost.length === 0),
          `${r.ledger.swapsOnChain} swaps landed ⇔ ${r.ledger.trades} trade rows (a bijection by signature, same amounts and fee); ${r.intents.length} intents, one per client id; ${r.traders.resubmitted} orders cut off by a kill and re-sent with the same client id`,
        ],
        [
          'ledger = chain, every wallet',
          verdict(money.length === 0),
          `${r.ledger.walletsBalanced}/${r.ledger.wallets} wallets exact to the base unit (USDC, WETH, WBTC = faucet + Σ trades; SOL = faucet − Σ fees (${r.ledger.feesLamports} lamports) − token-account rent; open positions = tokens on chain)`,
        ],
        [
          'others kept trading while one wallet failed',
          verdict(r.isolation.ok),
          r.isolation.failing === null
            ? 'no failing wallet'
            : `${r.isolation.failing} broken for ${r.isolation.windowSeconds.toFixed(0)} s: its orders there ${count(r.isolation.failingOrdersInWindow)}, its swaps landed 0 expected / ${r.isolation.failingTradesInWindow} seen; ${r.isolation.othersTradingInWindow}/${r.isolation.others} other friends traded inside the window, ${r.isolation.othersPerMinuteIn.toFixed(2)} swaps/min inside vs ${r.isolation.othersPerMinuteOut.toFixed(2)} outside`,
        ],
        [
          'no exit sold below its floor',
          verdict(r.floors.violations.length === 0),
          `${r.floors.sells} sells (${count(r.floors.byContext)}), each ≥ lowest trusted price while the order was live − its slippage; worst headroom ${r.floors.worstHeadroomBps === null ? 'n/a' : `${r.floors.worstHeadroomBps.toFixed(0)} bps`} above the floor; realised/trusted median ${ratios.length ? median(ratios).toFixed(4) : 'n/a'}, lowest ${ratios.length ? ratios[0]!.toFixed(4) : 'n/a'}${r.floors.unpriced ? `; ${r.floors.unpriced} sells without a trusted price on the tape` : ''}`,
        ],
        [
          '`harvest reconcile --json`',
          r.reconcileCmd.ran ? verdict(r.reconcileCmd.ok) : 'not run',
          r.reconcileCmd.detail.replace(/\|/gu, '\\|').slice(0, 300),
        ],
      ],
    ),
    '',
    ...(v.length + r.floors.violations.length + r.isolation.notes.length > 0
      ? [
          'Findings:',
          '',
          ...[...v, ...r.floors.violations, ...r.isolation.notes].slice(0, 40).map((x) => `- ${x}`),
          ...(v.length > 40 ? [`- … and ${v.length - 40} more`] : []),
          '',
        ]
      : []),
    '### Figures',
    '',
    table(
      ['what', 'figures'],
      [
        [
          'SIGKILLs',
          `${r.kills.up + r.kills.starting} of ${r.kills.scheduled} scheduled delivered (${r.kills.up} to a running engine, ${r.kills.starting} during start-up/reconciliation; ${r.kills.none} found no engine); ${r.engine.starts} engine starts, ${r.engine.startFailures} refused under faults, ${r.engine.unexpectedExits} exits nobody asked for; kill → ready again median ${rec.length ? (median(rec) / 1000).toFixed(1) : 'n/a'} s, max ${rec.length ? (Math.max(...rec) / 1000).toFixed(1) : 'n/a'} s; final stop on SIGTERM: ${r.shutdown}`,
        ],
        [
          'swaps',
          `${r.ledger.swapsOnChain} landed, ${r.ledger.failedOnChain} landed with an error; trades by context: ${count(byCtx(r.trades))}`,
        ],
        ['intents', [...statusByCtx].map(([c, m]) => `${c}: ${count(m)}`).join('; ') || 'none'],
        [
          'manual orders',
          `${r.traders.submitted} sent; answered ${count(r.traders.outcomes)}; errors ${count(r.traders.errors)}`,
        ],
        [
          'RPC faults',
          `${rpcFaults} of ${rpc.faultable} requests while faults were on (${pct(rpcFaults / Math.max(1, rpc.faultable))}): ${rpc.rpcErrors} errors, ${rpc.rpcTimeoutsBeforeChain} timeouts before the chain, ${rpc.rpcTimeoutsAfterChain} after it (answer lost); ${rpc.walletRefusals} refused for the broken wallet`,
        ],
        [
          'swap API faults',
          `${api.swapErrors} 5xx and ${api.swapSlow} slow answers (1–20 s) of ${api.faultable} swap requests while faults were on; ${api.walletRefusals} /swap builds refused for the broken wallet`,
        ],
        [
          'price feed gaps',
          `${k.priceGaps} gaps of ${k.priceGapSeconds} s (${r.priceGapSeconds} s in all; the engine's price limit is 60 s): ${api.priceGapRefusals} price requests refused`,
        ],
        [
          'engine events',
          eventsOf(
            'feed.stale',
            'feed.recovered',
            'rpc.degraded',
            'exit.stuck',
            'breaker.tripped',
            'order.failed',
            'order.rejected',
            'trade.executed',
            'strategy.error',
          ),
        ],
        ['RPC calls forwarded', count(rpc.byRoute)],
        ['trusted price tape', `${r.tapePolls} reads of the sandbox's own /price/v3 (not through the proxy)`],
      ],
    ),
    '',
    ...(r.engine.unexpectedTails.length > 0
      ? [
          'Last words of engines that exited on their own:',
          '',
          '```',
          ...r.engine.unexpectedTails.slice(0, 3),
          '```',
          '',
        ]
      : []),
  ];
  return { body: lines.join('\n'), ok };
}
