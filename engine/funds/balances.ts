import type { Address } from '@solana/kit';
import type { ChainClient } from '../chain';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import { splTokens, type TokenInfo } from '../market';
import { recordBalanceReadSlot, type Store } from '../store';
import { userSettingsOf } from '../users/settings-cache';
import { activationChange } from './activation';

export const SOL_KEY = 'SOL';

export interface UserBalances {
  userId: number;
  address: Address;
  lamports: bigint;
  tokens: { token: TokenInfo; amount: bigint }[];
  active: boolean;
  minimumLamports: bigint;
}

/**
 * Reads every wallet's SOL and token balances in as few RPC calls as the
 * chain client can make (ceil(W·(1+M)/100)), records them, and turns
 * crossings of each user's trading minimum into activation events.
 *
 * Refreshes run one at a time. Two that overlapped (the loop's, and a faucet's
 * or a command's) could finish out of order: a read taken before a deposit,
 * written after the read that saw it, put the old balance back as the newest.
 * The deposit then vanished from equity while the high-water mark kept it, and
 * the drawdown breaker paused the user (an order rejected MAX_DRAWDOWN in the
 * browser test). In order, a later refresh always reads after the earlier one wrote.
 */
export class BalanceSync {
  /** The refresh in progress (or the last one); the next starts after it settles. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly chain: ChainClient,
    private readonly network: string,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    /**
     * No chain (the paper sandbox): there are no fees to hold SOL for, so a friend with a wallet is
     * active at once; otherwise activation follows the wallet's SOL against the trading minimum.
     */
    private readonly noChain = false,
  ) {}

  refresh(userIds?: readonly number[]): Promise<UserBalances[]> {
    const run = this.tail.then(() => this.readAndRecord(userIds));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async readAndRecord(userIds?: readonly number[]): Promise<UserBalances[]> {
    const wanted = userIds ? new Set(userIds) : null;
    const wallets = this.store.wallets.all().filter((w) => !wanted || wanted.has(w.userId));
    if (wallets.length === 0) return [];
    const mints = splTokens().map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram, decimals: t.decimals }));
    const read = await this.chain.getBalances(
      wallets.map((w) => w.address as Address),
      mints,
    );
    const at = isoTime(this.clock);
    const out: UserBalances[] = [];
    wallets.forEach((w, i) => {
      const b = read[i]!;
      const settings = userSettingsOf(this.store, w.userId);
      const minimum = BigInt(settings.minTradingBalanceLamports);
      const change = this.store.tx(() => {
        this.store.holdings.upsertBalance(this.network, w.address, SOL_KEY, b.lamports, at, w.userId);
        recordBalanceReadSlot(this.store.meta, w.userId, this.network, w.address, b.slot, b.lamports);
        for (const t of splTokens())
          this.store.holdings.upsertBalance(this.network, w.address, t.mint, b.tokens.get(t.mint) ?? 0n, at, w.userId);
        const c = activationChange(this.store.users.isActive(w.userId), this.noChain ? minimum : b.lamports, minimum);
        if (c) {
          // The flag and its event commit together: a crossing is recorded exactly once.
          this.store.users.setActive(w.userId, c === 'activated');
          this.bus.emit(c === 'activated' ? 'user.activated' : 'user.deactivated', w.userId, {
            balanceLamports: b.lamports.toString(),
            minimumLamports: minimum.toString(),
            ...(this.noChain ? { reason: 'no-chain' } : {}),
          });
        }
        return c;
      });
      if (change) this.log.info({ userId: w.userId, change }, 'activation changed');
      out.push({
        userId: w.userId,
        address: w.address as Address,
        lamports: b.lamports,
        // Tokens added by mint too (after the built-in majors), each by its symbol.
        tokens: splTokens().map((t) => ({
          token: t,
          amount: b.tokens.get(t.mint) ?? 0n,
        })),
        active: this.store.users.isActive(w.userId),
        minimumLamports: minimum,
      });
    });
    return out;
  }
}
