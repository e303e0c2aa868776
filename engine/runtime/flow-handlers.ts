/**
 * Handlers of the flows, ledger-check and export commands (issue #9 items 1,
 * 4, 7), kept apart from handlers.ts so the table there only spreads them in.
 */
import { writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { KNOWN_TOKENS, parseUnits, tokenByMint, tokenBySymbol } from '../market';
import { SOL_ASSET } from '../funds/flows';
import type { LedgerCheckResult } from '../funds/ledger-check';
import { flowsCsv, tradesCsv, type UsdAt } from '../portfolio/tax-export';
import type { Engine } from './engine';
import { refuseOnPaperSandbox } from './paper-sandbox-info';

type FlowCommand = 'ledger.reconcile' | 'ledger.ack' | 'export.csv' | 'sandbox.send';
export type FlowHandlers = {
  [K in FlowCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

const symbolOf = (asset: string): string => (asset === SOL_ASSET ? 'SOL' : (tokenByMint(asset)?.symbol ?? asset));

function resultOut(r: LedgerCheckResult, name: string): CommandOutput<'ledger.reconcile'>['results'][number] {
  return {
    userId: r.userId,
    name,
    wallet: r.wallet,
    network: r.network,
    checkedAt: r.checkedAt,
    ok: r.ok,
    inconclusive: r.inconclusive,
    checkId: r.checkId,
    acknowledged: r.acknowledged,
    paused: r.paused,
    assets: r.assets.map((a) => ({
      asset: a.asset,
      symbol: symbolOf(a.asset),
      chain: a.chain.toString(),
      ledger: a.ledger.toString(),
    })),
    discrepancies: r.discrepancies.map((d) => ({
      kind: d.kind,
      asset: d.asset,
      symbol: symbolOf(d.asset),
      chain: d.chain.toString(),
      ledger: d.ledger.toString(),
      difference: d.difference.toString(),
      signatures: d.signatures,
      note: d.note,
    })),
  };
}

/** A date alone means its UTC midnight. */
const toIso = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : new Date(/^\d{4}-\d{2}-\d{2}$/u.test(s) ? `${s}T00:00:00.000Z` : s).toISOString();

export function buildFlowHandlers(engine: Engine): FlowHandlers {
  const { store, users } = engine;
  return {
    'ledger.reconcile': async ({ user }) => {
      const f = await engine.funds();
      refuseOnPaperSandbox(f.net.name, 'Reconciling the ledger against the chain');
      // Outside flows found on the way are valued at current prices (a one-shot CLI has none yet).
      await f.refreshPrices().catch(() => undefined);
      const targets =
        user === undefined
          ? store.wallets.all().map((w) => w.userId)
          : [users.resolve(user).id].filter((id) => {
              if (!store.wallets.byUser(id))
                throw new HarvestError('NOT_FOUND', 'This user has no wallet yet; there is nothing to reconcile.');
              return true;
            });
      const results = [];
      for (const id of targets) {
        const r = await f.ledger.check(id);
        results.push(resultOut(r, store.users.byId(id)?.name ?? String(id)));
      }
      return { results };
    },

    'ledger.ack': async ({ user }) => {
      const u = users.resolve(user);
      const f = await engine.funds();
      return { userId: u.id, ...f.ledger.acknowledge(u.id, engine.actor) };
    },

    'export.csv': async ({ kind, user, from, to, file }) => {
      const u = users.resolve(user);
      const network = (await engine.funds()).net.name;
      const fromIso = toIso(from);
      const toIsoBound = toIso(to);
      const window = { ...(fromIso ? { fromIso } : {}), ...(toIsoBound ? { toIso: toIsoBound } : {}) };
      let out: { csv: string; rows: number };
      if (kind === 'trades') {
        const f = await engine.funds();
        // USD at a trade's time: the engine's own 1-minute candles (what it saw while running).
        const usdAt: UsdAt = (mint, ms) => {
          const c = f.candles.closed(mint, '1m').find((k) => k.time <= ms && ms < k.time + 60_000);
          return c?.close ?? null;
        };
        const trades = store.portfolio.trades(u.id, { limit: 10_000_000 }).filter((t) => t.network === network);
        out = tradesCsv(trades, { ...window, usdAt });
      } else {
        out = flowsCsv(store.risk.cashFlows(u.id, network), window);
      }
      let written: string | null = null;
      if (file) {
        written = resolve(file);
        const tmp = `${written}.${randomBytes(4).toString('hex')}.tmp`;
        try {
          writeFileSync(tmp, out.csv, { mode: 0o600, flag: 'wx' });
          renameSync(tmp, written);
        } catch (e) {
          throw new HarvestError('INVALID_INPUT', `Could not write ${dirname(written)}: ${(e as Error).message}`);
        }
        store.audit.append(
          { actor: engine.actor, action: 'export.csv', userId: u.id, details: { kind, file: written, rows: out.rows } },
          isoTime(engine.clock),
        );
      }
      return { kind, rows: out.rows, file: written, csv: out.csv };
    },

    'sandbox.send': async ({ user, amount, token }) => {
      const u = users.resolve(user);
      const w = store.wallets.byUser(u.id);
      if (!w) throw new HarvestError('NOT_FOUND', `${u.name} has no wallet yet; create one first.`);
      const f = await engine.funds();
      refuseOnPaperSandbox(f.net.name, 'Sending to a wallet from outside');
      if (!f.net.sandbox)
        throw new HarvestError(
          'UNSUPPORTED',
          `${f.net.name} is a real network: send from a real wallet to ${w.address}.`,
        );
      const t = tokenBySymbol(token);
      if (!t)
        throw new HarvestError(
          'INVALID_INPUT',
          `Unknown token "${token}". Known: ${KNOWN_TOKENS.map((k) => k.symbol).join(', ')}.`,
        );
      const units = parseUnits(amount, t.decimals);
      if (units <= 0n) throw new HarvestError('INVALID_INPUT', 'The amount must be more than zero.');
      const r = await f.net.sandbox.sendFromOutside(
        w.address,
        t.tokenProgram === null ? { lamports: units } : { mint: t.mint, amount: units },
      );
      f.net.chain.clearCache();
      return { ...r, to: w.address, mint: t.tokenProgram === null ? SOL_ASSET : t.mint, amount: units.toString() };
    },
  };
}
