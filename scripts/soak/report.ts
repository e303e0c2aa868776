/**
 * The soak's report: one section per run, newest first, in docs/soak.md (the
 * earlier runs stay below it), with the machine, the date, the knobs, whether
 * the run was the full configuration or a reduced one, the figures and the
 * verdict of every invariant.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
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
  /** The faulty part of the run, wall ms (set-up and settling are outside it). */
  soak: { from: number; to: number };
  totalWallMs: number;
  friends: number;
  kills: { up: number; starting: number; none: number; scheduled: number };
  engine: SupervisorStats;
  shutdown: string;
  proxies: { rpc: FaultCounts; api: FaultCounts };
  priceGaps: number;
  traders: TraderStats;
  ledger: LedgerCheck;
  intents: IntentRow[];
  trades: TradeRow[];
  events: Map<string, number>;
  floors: FloorCheck;
  isolation: Isolation;
  /** Closed 1-minute candles the engine stored (built from live ticks). */
  candles: { oneMinute: number };
  reconcileCmd: { ran: boolean; ok: boolean; detail: string };
  tapePolls: number;
  loadAverage: string;
}

const HEADER = `# Fault soak

Written by \`npm run soak\` (scripts/soak/run.ts), issue 10 item 10. Not part of \`npm test\`.
Each run adds its section below, newest first, and says whether it was the full configuration
(60 sandbox minutes, 20 friends, 30 % RPC faults, 50 SIGKILLs, a failing wallet, price gaps, swap
API faults) or a reduced one, and how.

## How it works

- **The world.** One \`harvest sandbox start --speed S\` holds the chain for the whole run, so the
  chain outlives every kill. The engine is \`harvest run\`, restarted at once whenever it dies (a
  supervisor, like a service manager). Its master key comes from \`HARVEST_MASTER_KEY\`: a sandbox
  soak needs no OS keychain.
- **Time.** The accelerated clock is the sandbox's: its price replay runs S times faster, so
  \`--sandbox-minutes\` of market time take sandbox-minutes / S on the wall (60 / 4 = 15 min by
  default). The engine has no accelerated clock of its own, so its cycle, price age limit (60 s),
  timeouts and candles stay in wall time.
- **Faults.** Two loopback proxies (scripts/soak/fault-proxy.ts) stand between the engine and the
  sandbox's JSON-RPC and swap/price API: the soak rewrites \`<data dir>/sandbox/sandbox.json\`, where
  the engine finds a running sandbox, to name the proxies, so the engine's own chain and Jupiter
  clients go through them unchanged (on the sandbox network \`--rpc\` is not used and the Jupiter
  URL is the sandbox's). RPC: errors (HTTP 503 or JSON-RPC -32005) and timeouts held past the
  engine's 20 s, half of them after the request reached the chain (a sendTransaction that landed
  with its answer lost). Swap API: 5xx and answers 1–20 s late (the engine gives up at 15 s).
  Price: gaps during which every /price/v3 request fails. One friend's wallet: for the middle
  60 % of the run every request carrying its transactions (send/simulate, /swap builds, reads
  naming only it) fails; batched reads shared by all friends pass. All choices are seeded
  (mulberry32, one stream per concern), so \`--seed\` replays the same faults, kills and orders.
- **Kills.** SIGKILLs at seeded uniform random times over the run, wherever the engine is (up, or
  starting and reconciling). A manual order cut off by a kill is sent again with the same client id.
- **Trading.** Friends have live strategies (trend, mean reversion, DCA on 1-minute candles) and
  permissive risk (test/helpers/risk.ts), 2 SOL and 1,000 USDC from the sandbox faucet, and
  streams of manual buys with a stop-loss and take-profit 0.2–1 % away (so exits fire) and sells.
- **Checks, from outside** (scripts/soak/outside.ts, floors.ts, isolation.ts), after the faults
  stop and a clean engine and one \`harvest wallet balances\` have settled the journal: the
  database read-only, the chain over its JSON-RPC (directly, not through the proxy) and the
  sandbox ledger's own transaction history, as test/integration/execution-crash.test.ts does.
  - *No duplicate or lost swap*: one intent per client id; nothing pending; every swap a wallet
    paid for that landed ⇔ exactly one trade with the same amounts and fee; every journaled
    signature landed ⇔ a trade.
  - *Ledger = chain*: for every wallet, USDC/WETH/WBTC on chain = faucet + Σ trades, SOL =
    faucet − Σ fees − rent of the token accounts its swaps created, open positions = tokens on
    chain, to the base unit.
  - *Others kept trading*: the other friends' swaps per minute of tradeable engine uptime (up, with
    a trusted price for USDC, WETH and WBTC by the engine's own price.stale / price.restored events)
    inside the failure window are at least half those outside it, and the broken wallet landed
    nothing it started there. Per minute of plain uptime is shown too, but not judged: the price
    gaps are seeded independently of the window, an engine restarted during a gap has no price
    until it ends, and entries without a price are refused for everyone by design, so a seed that
    puts the gaps (and kills in them) inside the window would show a drop the broken wallet did
    not cause (seed 597264814 did: 0.99 vs 3.24 swaps per up minute, 2026-12-07). The other
    friends' refusals (other than STALE_PRICE) and the time their orders took are shown inside
    against outside, to see whether anyone was refused more or slowed down.
  - *No exit below its floor*: every sell's realised price ≥ the lowest trusted price (the sandbox's
    own /price/v3, taped every 0.5 s from outside) while the order was live, less its slippage.
  - \`harvest reconcile --json\`: run when the build has it (see the hook in run.ts).

## How to run

\`\`\`
npm run soak                                     # the full configuration (~20 min on 2 cores)
npm run soak -- --sandbox-minutes 8 --kills 5    # a short development run
npm run soak -- --seed 123 --out -               # replay a seed, print the report only
\`\`\`

Knobs (flag, or the environment variable SOAK_<NAME>): --seed, --sandbox-minutes (60), --speed (4),
--friends (20), --kills (50), --rpc-error (0.2), --rpc-timeout (0.1), --swap-error (0.15),
--swap-slow (0.15), --price-gaps (3 per sandbox hour), --price-gap-seconds (75), --traders (4), --cycle-seconds (2),
--failing-friend (3; 0 for none), --out (docs/soak.md; - for none), --keep (keep the data
directory). The exit code is 1 when an invariant broke.

`;

const MARK = '<!-- soak:runs -->';

/** Writes the report (unless out is "-"), prints it, and says whether every invariant held. */
export async function writeReport(r: SoakResult, out: string): Promise<boolean> {
  const { body, ok } = render(r);
  process.stdout.write(`${body}\n`);
  if (out !== '-') {
    const doc = existsSync(out) ? readFileSync(out, 'utf8') : `${HEADER}\n${MARK}\n`;
    const at = doc.indexOf(MARK);
    const next =
      at < 0
        ? `${doc.trimEnd()}\n\n${MARK}\n\n${body}\n`
        : doc.slice(0, at + MARK.length) + `\n\n${body}\n` + doc.slice(at + MARK.length);
    // Formatted as `npm run lint` expects, so a report never breaks the lint.
    const options = (await resolveConfig(out)) ?? {};
    writeFileSync(out, await format(next, { ...options, filepath: out }));
  }
  return ok;
}

function isolationFigures(x: Isolation): string {
  const fill = (s: number | null): string => (s === null ? 'n/a' : `${s.toFixed(1)} s`);
  return (
    `${x.failing} broken for ${x.windowSeconds.toFixed(0)} s: its orders there ${count(x.failingOrdersInWindow)}, its swaps landed 0 expected / ${x.failingTradesInWindow} seen; ` +
    `${x.othersTradingInWindow}/${x.others} other friends traded inside the window, ` +
    `${x.othersPerMinuteIn.toFixed(2)} swaps per minute of engine uptime with a trusted price inside (${(x.upMinutesIn - x.unpricedMinutesIn).toFixed(1)} min: ${x.upMinutesIn.toFixed(1)} up, ${x.unpricedMinutesIn.toFixed(1)} of them without a price) vs ${x.othersPerMinuteOut.toFixed(2)} outside (${(x.upMinutesOut - x.unpricedMinutesOut).toFixed(1)} min: ${x.upMinutesOut.toFixed(1)} up, ${x.unpricedMinutesOut.toFixed(1)} without a price); ` +
    `per minute up, priced or not (not judged: the price gaps do not fall evenly): ${x.othersPerUpMinuteIn.toFixed(2)} vs ${x.othersPerUpMinuteOut.toFixed(2)}; ` +
    `the others' refusals other than STALE_PRICE inside ${count(x.othersRefusedIn)}, outside ${count(x.othersRefusedOut)}; their confirmed orders took a median ${fill(x.othersMedianFillSecondsIn)} inside vs ${fill(x.othersMedianFillSecondsOut)} outside; ` +
    'holds if inside ≥ half of outside (per minute with a price) and the broken wallet landed nothing'
  );
}

function candlesText(r: SoakResult): string {
  const n = r.candles.oneMinute;
  if (n > 0) return `${n} closed 1-minute candles were stored (per token, over the whole run)`;
  return "no 1-minute candle closed in the whole run, so no strategy could warm up: ticks become candles only in the cycle's strategy step, which comes after the balance read, the flow scan and the ledger check every engine runs at start, all waiting on faulty RPC reads, and an engine lived about as long as those took";
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
  const reasons: Record<string, number> = {};
  for (const i of r.intents) {
    if (i.status === 'confirmed') continue;
    const key = `${i.status}/${i.reason_code ?? 'no code'}`;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const ups = r.engine.upIntervals
    .map((u) => Math.min(u.to, r.soak.to) - Math.max(u.from, r.soak.from))
    .filter((ms) => ms > 0);
  const upMs = ups.reduce((a, b) => a + b, 0);
  const longestUp = ups.length ? Math.max(...ups) : 0;
  const meanUp = ups.length ? upMs / ups.length : 0;

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
      `and ${k.traders} streams of manual orders over all friends plus one for the friend whose wallet fails (buys of $5–25 with a stop-loss and take-profit 0.2–1 % away, so exits fire; sells of half a position). Engine cycle ${k.cycleSeconds} s; the engine's master key from HARVEST_MASTER_KEY (no OS keychain needed for a sandbox soak).`,
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
          r.isolation.inconclusive && r.isolation.ok ? 'inconclusive' : verdict(r.isolation.ok),
          r.isolation.failing === null ? 'no failing wallet' : isolationFigures(r.isolation),
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
        ['why orders did not fill', count(reasons)],
        [
          'strategies',
          `${r.intents.filter((i) => i.context === 'strategy').length} strategy orders. Engine up ${(upMs / 60_000).toFixed(1)} of ${(r.wallMs / 60_000).toFixed(1)} wall minutes, ${r.engine.upIntervals.length} stretches, longest ${(longestUp / 1000).toFixed(0)} s, mean ${(meanUp / 1000).toFixed(0)} s. The strategies need 3–9 closed 1-minute candles of warm-up. Closed candles are stored in SQLite (engine/store/candles-repo.ts) and put back at start, so a restart keeps them, but history seeds only 5-minute and coarser candles: 1-minute ones come only from live ticks, which the cycle turns into candles in its strategy step. ${candlesText(r)}`,
        ],
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
          `${r.priceGaps} gaps of ${k.priceGapSeconds} s (${r.priceGaps * k.priceGapSeconds} s of ${(r.wallMs / 1000).toFixed(0)} s; the engine's price limit is 60 s): ${api.priceGapRefusals} price requests refused`,
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
