/**
 * Handlers of copy trading (issue 16) and the sandbox whale, kept apart from
 * handlers.ts so the table there only spreads them in.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { CopyRepo, follow, unfollow, type CopyTradeRow, type Follow } from '../copy';
import { HarvestError } from '../kernel/errors';
import { formatUnits, tokenByMint } from '../market';
import type { Store } from '../store';
import type { Engine } from './engine';
import { readNetworkConfig } from './network';
import { refuseOnPaperSandbox } from './paper-sandbox-info';

type CopyCommand = 'copy.follow' | 'copy.unfollow' | 'copy.list' | 'copy.trades' | 'sandbox.whale';
export type CopyHandlers = {
  [K in CopyCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

const nameOf = (store: Store, id: number | null): string | null =>
  id === null ? null : (store.users.byId(id)?.name ?? null);

function followOut(store: Store, repo: CopyRepo, f: Follow): CommandOutput<'copy.list'>['follows'][number] {
  return {
    id: f.id,
    userId: f.userId,
    user: nameOf(store, f.userId) ?? String(f.userId),
    leader: f.leader,
    leaderName: nameOf(store, f.leaderUserId),
    sizing: f.sizing,
    fixedUsd: f.fixedUsd,
    multiplier: f.multiplier,
    maxUsd: f.maxUsd,
    tokensMode: f.tokensMode,
    tokens: f.tokens,
    copySells: f.copySells,
    maxAgeSec: f.maxAgeSec,
    createdAt: f.createdAt,
    counts: repo.counts(f.id),
  };
}

function tradeOut(store: Store, repo: CopyRepo, t: CopyTradeRow): CommandOutput<'copy.trades'>['trades'][number] {
  const token = tokenByMint(t.mint);
  const f = repo.followById(t.followId);
  return {
    id: t.id,
    user: nameOf(store, t.userId) ?? String(t.userId),
    leader: t.leader,
    leaderName: nameOf(store, f?.leaderUserId ?? null),
    signature: t.signature,
    side: t.side,
    token: token?.symbol ?? t.mint,
    leaderAmount: token ? formatUnits(t.leaderAmount, token.decimals) : t.leaderAmount.toString(),
    leaderUsd: t.leaderUsd,
    at: t.blockTime === null ? null : new Date(t.blockTime * 1000).toISOString(),
    outcome: t.outcome,
    reason: t.reason,
    intentId: t.intentId,
    seenAt: t.seenAt,
  };
}

export function buildCopyHandlers(engine: Engine): CopyHandlers {
  const { store, users, clock, actor } = engine;
  const repo = new CopyRepo(store.db);
  return {
    'copy.follow': ({ user, leader, ...req }) => {
      refuseOnPaperSandbox(readNetworkConfig(store.meta).network, "Copying an on-chain leader's trades");
      const u = users.resolve(user);
      const f = follow(store, clock, actor, u.id, leader, {
        sizing: req.sizing,
        copySells: req.copySells,
        ...(req.fixedUsd !== undefined ? { fixedUsd: req.fixedUsd } : {}),
        ...(req.multiplier !== undefined ? { multiplier: req.multiplier } : {}),
        ...(req.maxUsd !== undefined ? { maxUsd: req.maxUsd } : {}),
        ...(req.allow !== undefined ? { allow: req.allow } : {}),
        ...(req.deny !== undefined ? { deny: req.deny } : {}),
        ...(req.maxAgeSec !== undefined ? { maxAgeSec: req.maxAgeSec } : {}),
      });
      return followOut(store, repo, f);
    },

    'copy.unfollow': ({ user, leader }) => {
      const u = users.resolve(user);
      const ended = unfollow(store, clock, actor, u.id, leader);
      const f = repo.follows(u.id).find((x) => x.leader === leader) ?? null;
      return { userId: u.id, leader: f?.leader ?? leader, ended };
    },

    'copy.list': ({ user }) => {
      const id = user === undefined ? undefined : users.resolve(user).id;
      return { follows: repo.follows(id).map((f) => followOut(store, repo, f)) };
    },

    'copy.trades': ({ user, limit }) => {
      const id = user === undefined ? undefined : users.resolve(user).id;
      return {
        trades: repo
          .trades({ ...(id !== undefined ? { userId: id } : {}), limit })
          .map((t) => tradeOut(store, repo, t)),
      };
    },

    'sandbox.whale': async ({ action, everySec, usd, tokens }) => {
      const f = await engine.funds();
      refuseOnPaperSandbox(f.net.name, 'The sandbox whale (an on-chain trader to copy)');
      if (!f.net.sandbox)
        throw new HarvestError(
          'UNSUPPORTED',
          `${f.net.name} is a real network: follow a real wallet instead of the sandbox whale.`,
        );
      const config = {
        ...(everySec !== undefined ? { everySec } : {}),
        ...(usd !== undefined ? { usd } : {}),
        ...(tokens !== undefined ? { tokens: tokens.map((t) => t.toUpperCase()) } : {}),
      };
      let s;
      try {
        s = await f.net.sandbox.whale({ action, ...(Object.keys(config).length > 0 ? { config } : {}) });
      } catch (e) {
        if (e instanceof HarvestError) throw e;
        throw new HarvestError('INVALID_INPUT', `Sandbox whale: ${(e as Error).message}`);
      }
      if (action === 'trade') f.net.chain.clearCache();
      return {
        address: s.address,
        enabled: s.enabled,
        everySec: s.everySec,
        usd: s.usd,
        tokens: s.tokens,
        trades: s.trades,
        lastTrade: s.lastTrade ? { ...s.lastTrade, at: new Date(s.lastTrade.at).toISOString() } : null,
      };
    },
  };
}
