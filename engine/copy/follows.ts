import { isAddress } from '@solana/kit';
import { isoTime, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { tokenBySymbol } from '../market';
import type { Store } from '../store';
import { CopyRepo } from './repo';
import { DEFAULT_MAX_AGE_SEC, type Follow, type FollowSettings } from './types';

/** What `copy.follow` asks for; everything but the sizing may be left out. */
export interface FollowRequest {
  sizing: FollowSettings['sizing'];
  fixedUsd?: number;
  multiplier?: number;
  maxUsd?: number;
  allow?: string[];
  deny?: string[];
  copySells?: boolean;
  maxAgeSec?: number;
}

/** A leader named by a friend's name or by an address: its address, and the friend it belongs to, if any. */
export function resolveLeader(store: Store, ref: string): { address: string; userId: number | null } {
  const t = ref.trim();
  if (isAddress(t)) return { address: t, userId: store.wallets.byAddress(t)?.userId ?? null };
  const u = store.users.byName(t);
  if (!u)
    throw new HarvestError(
      'NOT_FOUND',
      `"${t}" is neither a friend's name nor a Solana address. Name a friend (see \`harvest user list\`) or paste a wallet address.`,
    );
  const w = store.wallets.byUser(u.id);
  if (!w) throw new HarvestError('NOT_FOUND', `${u.name} has no wallet yet, so there is nothing to follow.`);
  return { address: w.address, userId: u.id };
}

function settingsOf(req: FollowRequest): FollowSettings {
  if (req.sizing === 'fixed' && req.fixedUsd === undefined)
    throw new HarvestError('INVALID_INPUT', 'A fixed-size follow needs its USD amount per trade (--fixed-usd N).');
  if (req.sizing === 'multiplier' && req.multiplier === undefined)
    throw new HarvestError('INVALID_INPUT', 'A multiplier follow needs its multiplier (--multiplier X).');
  if (req.allow?.length && req.deny?.length)
    throw new HarvestError('INVALID_INPUT', 'Give a list of tokens to copy or a list never to copy, not both.');
  const list = req.allow?.length ? req.allow : (req.deny ?? []);
  const tokens = list.map((s) => {
    const t = tokenBySymbol(s);
    if (!t) throw new HarvestError('INVALID_INPUT', `Unknown token "${s}".`);
    return t.symbol;
  });
  return {
    sizing: req.sizing,
    fixedUsd: req.sizing === 'fixed' ? req.fixedUsd! : null,
    multiplier: req.sizing === 'multiplier' ? req.multiplier! : null,
    maxUsd: req.maxUsd ?? null,
    tokensMode: req.allow?.length ? 'allow' : req.deny?.length ? 'deny' : 'all',
    tokens: [...new Set(tokens)],
    copySells: req.copySells ?? true,
    maxAgeSec: req.maxAgeSec ?? DEFAULT_MAX_AGE_SEC,
  };
}

/** Starts (or changes) a friend's follow of a leader; audited. */
export function follow(
  store: Store,
  clock: Clock,
  actor: string,
  userId: number,
  leaderRef: string,
  req: FollowRequest,
): Follow {
  const leader = resolveLeader(store, leaderRef);
  const own = store.wallets.byUser(userId);
  if (leader.userId === userId || own?.address === leader.address)
    throw new HarvestError('INVALID_INPUT', 'A friend cannot follow their own wallet.');
  const s = settingsOf(req);
  const at = isoTime(clock);
  const repo = new CopyRepo(store.db);
  return store.tx(() => {
    const f = repo.upsertFollow(userId, leader.address, leader.userId, s, at);
    store.audit.append(
      { actor, action: 'copy.followed', userId, details: { leader: leader.address, followId: f.id, ...s } },
      at,
    );
    return f;
  });
}

/** Ends a friend's follow of a leader (its history stays); audited. */
export function unfollow(store: Store, clock: Clock, actor: string, userId: number, leaderRef: string): boolean {
  const leader = resolveLeader(store, leaderRef);
  const at = isoTime(clock);
  const repo = new CopyRepo(store.db);
  return store.tx(() => {
    const ended = repo.unfollow(userId, leader.address, at);
    if (ended)
      store.audit.append({ actor, action: 'copy.unfollowed', userId, details: { leader: leader.address } }, at);
    return ended;
  });
}
