/**
 * Helpers for risk and performance tests: an in-memory store, users with
 * settings, and fills recorded the way TradeExecutionService.record does
 * (intent confirmed, position via applyFill, trade row, paper book).
 */
import type { Address } from '@solana/kit';
import { isoTime, ManualClock } from '../../engine/kernel/clock';
import { EventBus } from '../../engine/kernel/event-bus';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../engine/market';
import { applyFill } from '../../engine/portfolio';
import { Controls } from '../../engine/risk';
import { openDatabase, Store, type PositionRow } from '../../engine/store';
import { defaultUserSettings, UserSettingsSchema } from '../../engine/users/settings';
import type { Order } from '../../engine/execution';
import type { Engine } from '../../engine/runtime';

export const NET = 'sandbox';
export const USDC = tokenBySymbol('USDC')!;
export const WETH = tokenBySymbol('WETH')!;
export const WBTC = tokenBySymbol('WBTC')!;
export const SOL = tokenBySymbol('SOL')!;
export const T0 = Date.parse('2026-01-05T10:00:00Z');

export interface World {
  store: Store;
  clock: ManualClock;
  bus: EventBus;
  controls: Controls;
  events: { type: string; userId: number | null; payload: unknown }[];
}

export function world(startMs = T0): World {
  const clock = new ManualClock(startMs);
  const store = new Store(openDatabase(':memory:', { nowIso: isoTime(clock) }));
  const events: World['events'] = [];
  const bus = new EventBus(
    (e) => ({ ...e, id: store.events.insert(e).id }),
    () => isoTime(clock),
  );
  bus.subscribe((e) => events.push({ type: e.type, userId: e.userId, payload: e.payload }));
  return { store, clock, bus, controls: new Controls(store, bus, clock), events };
}

let walletSeq = 0;

/** A paper user with a wallet row and a paper book. */
export function addUser(
  w: World,
  name: string,
  settings: Record<string, unknown> = {},
  book: Record<string, bigint> = {},
): number {
  const at = isoTime(w.clock);
  const u = w.store.users.insert(name, at);
  w.store.settings.insert(u.id, UserSettingsSchema.parse({ ...defaultUserSettings(), ...settings }), at);
  w.store.wallets.insert({
    userId: u.id,
    address: `Wallet${++walletSeq}${name}`.padEnd(32, '1').slice(0, 44),
    origin: 'created',
    secretKind: 'mnemonic',
    sealed: { ciphertext: Buffer.alloc(1), nonce: Buffer.alloc(12), tag: Buffer.alloc(16), keyId: 'k' },
    createdAt: at,
  });
  for (const [mint, amount] of Object.entries(book)) w.store.paper.set(u.id, mint, amount);
  return u.id;
}

export function setBook(w: World, userId: number, book: Record<string, bigint>): void {
  for (const [mint, amount] of Object.entries(book)) w.store.paper.set(userId, mint, amount);
}

let intentSeq = 0;

/**
 * One fill, recorded like the execution service does. buy: spend `quote` of
 * the quote mint for `base` of the token; sell: the reverse. Moves the paper book too.
 */
export function recordFill(
  store: Store,
  f: {
    userId: number;
    side: 'buy' | 'sell';
    base: bigint;
    quote: bigint;
    at: string;
    baseMint?: string;
    quoteMint?: string;
    context?: 'manual' | 'strategy' | 'exit';
    feeLamports?: bigint;
    network?: string;
    paper?: boolean;
  },
): { tradeId: number; position: PositionRow } {
  const network = f.network ?? NET;
  // paper: false is a live user's fill (a swap): the wallet's account, not the paper book.
  const account = (f.paper ?? true) ? 'paper' : 'live';
  const venue = account === 'paper' ? 'paper' : 'jupiter';
  const baseMint = f.baseMint ?? WETH.mint;
  const quoteMint = f.quoteMint ?? USDC.mint;
  return store.tx(() => {
    const intentId = store.intents.insert({
      userId: f.userId,
      clientId: `t${++intentSeq}`,
      network,
      venue,
      context: f.context ?? 'manual',
      side: f.side,
      inputMint: f.side === 'buy' ? quoteMint : baseMint,
      outputMint: f.side === 'buy' ? baseMint : quoteMint,
      amount: f.side === 'buy' ? f.quote : f.base,
      slippageBps: 50,
      exits: null,
      at: f.at,
    });
    store.intents.finish(intentId, 'confirmed', null, null, f.at);
    const prev = store.portfolio.openPosition(f.userId, network, baseMint, account);
    const applied = applyFill(prev, {
      side: f.side,
      baseAmount: f.base,
      quoteAmount: f.quote,
      feeLamports: f.feeLamports ?? 0n,
    });
    let position: PositionRow;
    if (prev) {
      position = {
        ...prev,
        ...applied.state,
        status: applied.closed ? 'closed' : 'open',
        closedAt: applied.closed ? f.at : null,
        updatedAt: f.at,
      };
      store.portfolio.updatePosition(position);
    } else {
      const id = store.portfolio.insertPosition({
        userId: f.userId,
        network,
        mint: baseMint,
        quoteMint,
        status: 'open',
        account,
        ...applied.state,
        stopLoss: null,
        takeProfit: null,
        trailingStopBps: null,
        highWater: null,
        openedAt: f.at,
        updatedAt: f.at,
      });
      position = store.portfolio.position(id)!;
    }
    if (f.paper ?? true) {
      const [inMint, inAmt, outMint, outAmt] =
        f.side === 'buy'
          ? [quoteMint, f.quote, baseMint, applied.appliedBase]
          : [baseMint, applied.appliedBase, quoteMint, f.quote];
      const has = store.paper.balances(f.userId);
      store.paper.set(f.userId, inMint, (has.get(inMint) ?? 0n) - inAmt >= 0n ? (has.get(inMint) ?? 0n) - inAmt : 0n);
      store.paper.set(f.userId, outMint, (has.get(outMint) ?? 0n) + outAmt);
    }
    const tradeId = store.portfolio.insertTrade({
      intentId,
      userId: f.userId,
      network,
      venue,
      context: f.context ?? 'manual',
      side: f.side,
      baseMint,
      quoteMint,
      baseAmount: f.base,
      quoteAmount: f.quote,
      feeLamports: f.feeLamports ?? 0n,
      price: 0,
      realizedPnl: applied.realized,
      positionId: position.id,
      signature: null,
      executedAt: f.at,
    });
    return { tradeId, position };
  });
}

export const usdc = (n: number): bigint => BigInt(Math.round(n * 1e6));
export const weth = (n: number): bigint => BigInt(Math.round(n * 1e8));
export const lamports = (n: number): bigint => BigInt(Math.round(n * 1e9));

/** A buy of WETH with USDC, with a stop-loss below `wethUsd` by default. */
export function buyOrder(userId: number, usd: number, o: Partial<Order> = {}): Order {
  return {
    userId,
    side: 'buy',
    inputMint: USDC.mint,
    outputMint: WETH.mint,
    amount: usdc(usd),
    context: 'strategy',
    clientId: `o${++intentSeq}`,
    slippageBps: 50,
    stopLossPrice: 2_700,
    ...o,
  };
}

export const PRICES: Record<string, number> = {
  [USDC.mint]: 1,
  [WETH.mint]: 3_000,
  [WRAPPED_SOL_MINT]: 150,
  [WBTC.mint]: 90_000,
};
export const priceFn =
  (over: Record<string, number | null> = {}) =>
  (mint: string): number | null =>
    mint in over ? over[mint]! : (PRICES[mint] ?? null);

export const ctxAt = (w: World, over: Record<string, number | null> = {}) => ({
  balances: new Map<string, bigint>(),
  price: priceFn(over),
  nowMs: w.clock.now(),
});
export type { Address };

/**
 * Risk limits as loose as the hard bounds allow, for tests and benchmarks about
 * execution rather than risk: position size, cooldown, trade counts and the
 * stop-loss rule never turn their orders away (the risk engine has its own tests).
 */
export const PERMISSIVE_RISK = {
  preset: 'custom',
  maxPositionPctEquity: 100,
  maxPositionUsd: 1_000_000,
  maxConcurrentPositions: 50,
  maxExposurePct: 100,
  maxDailyLossPct: 50,
  maxDailyLossUsd: 1_000_000,
  maxDrawdownPct: 90,
  maxTradesPerDay: 1_000,
  lossStreak: { losses: 20, windowMinutes: 5, pauseMinutes: 0 },
  cooldownMinutes: 0,
  minOrderUsd: 0.01,
  maxOrderUsd: 1_000_000,
  stopLossRequired: false,
};

export async function permissiveRisk(engine: Engine, user: string | number): Promise<void> {
  await engine.execute('settings.set', { user, key: 'risk', value: JSON.stringify(PERMISSIVE_RISK) });
}

/** The key a paper user's figures (snapshots, flows, risk state) are stored under on NET. */
export const PAPER = `${NET}:paper`;
/** An open position row as the execution service leaves it (cost basis and exits aside). */
export function openPositionRow(
  store: Store,
  p: {
    userId: number;
    mint: string;
    quantity: bigint;
    at: string;
    quoteMint?: string;
    network?: string;
    account?: 'paper' | 'live';
  },
): number {
  return store.portfolio.insertPosition({
    userId: p.userId,
    network: p.network ?? NET,
    mint: p.mint,
    quoteMint: p.quoteMint ?? USDC.mint,
    status: 'open',
    account: p.account ?? 'live',
    quantity: p.quantity,
    costBasis: 1_000_000n,
    realizedPnl: 0n,
    feesLamports: 0n,
    stopLoss: null,
    takeProfit: null,
    trailingStopBps: null,
    highWater: null,
    openedAt: p.at,
    updatedAt: p.at,
  });
}
