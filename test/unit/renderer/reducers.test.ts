import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../engine/api/events';
import {
  applyControlsEvent,
  clientLeaderboard,
  hashToView,
  mergeEvents,
  refreshPlan,
  todaysRealizedUsd,
  userState,
  viewToHash,
  walletValueUsd,
} from '../../../renderer/state/reducers';
import type { ControlsStatus, EventRow, Position, Trade } from '../../../renderer/state/types';

const ev = (id: number, type = 'trade.executed', userId: number | null = 1): EventRow => ({
  id,
  ts: '2026-01-01T00:00:00Z',
  type,
  severity: 'info',
  userId,
  payload: {},
});

describe('mergeEvents', () => {
  it('keeps newest first, without duplicates, capped', () => {
    const merged = mergeEvents([ev(3), ev(1)], [ev(2), ev(3), ev(5)], 3);
    expect(merged.map((e) => e.id)).toEqual([5, 3, 2]);
  });
  it('returns the same array when nothing comes in', () => {
    const a = [ev(1)];
    expect(mergeEvents(a, [])).toBe(a);
  });
});

describe('refreshPlan', () => {
  it('re-reads the trading user after a trade, and the leaderboard', () => {
    expect(refreshPlan({ type: 'trade.executed', userId: 4 })).toEqual(
      expect.arrayContaining(['balances:4', 'positions:4', 'trades:4', 'stats:4', 'leaderboard']),
    );
  });
  it('re-reads controls and health when controls change or a breaker trips', () => {
    expect(refreshPlan({ type: 'controls.changed', userId: null })).toEqual(['controls', 'health']);
    expect(refreshPlan({ type: 'breaker.tripped', userId: 2 })).toEqual(['controls', 'health']);
  });
  it('re-reads balances on activation; nothing per user for global events', () => {
    expect(refreshPlan({ type: 'user.activated', userId: 1 })).toContain('balances:1');
    expect(refreshPlan({ type: 'user.activated', userId: null })).toEqual(['users']);
    expect(refreshPlan({ type: 'feed.stale', userId: null })).toEqual(['health']);
    expect(refreshPlan({ type: 'something.new', userId: 1 } as never)).toEqual([]);
  });
});

describe('applyControlsEvent', () => {
  const controls: ControlsStatus = {
    global: { paused: false, halted: false, reason: null },
    users: [
      { userId: 1, name: 'ana', paused: false, halted: false, reason: null },
      { userId: 2, name: 'ben', paused: false, halted: false, reason: null },
    ],
  };
  const change = (scope: string, paused: boolean, halted = false, reason: string | null = null) =>
    ({
      id: 1,
      ts: '',
      type: 'controls.changed',
      severity: 'warning',
      userId: null,
      payload: { scope, paused, halted, reason },
    }) as EngineEvent;

  it('applies a global halt', () => {
    expect(applyControlsEvent(controls, change('global', true, true, 'x'))!.global).toEqual({
      paused: true,
      halted: true,
      reason: 'x',
    });
  });
  it('applies a user pause to that user only', () => {
    const next = applyControlsEvent(controls, change('user:2', true, false, 'breaker: 3 consecutive failed orders'))!;
    expect(next.users[0]!.paused).toBe(false);
    expect(next.users[1]).toMatchObject({ paused: true, reason: 'breaker: 3 consecutive failed orders' });
    expect(controls.users[1]!.paused).toBe(false); // not mutated
  });
  it('ignores other events and unknown scopes', () => {
    expect(applyControlsEvent(controls, { ...change('global', true), type: 'trade.executed' } as EngineEvent)).toBe(
      controls,
    );
    expect(applyControlsEvent(controls, change('weird', true))).toBe(controls);
  });
});

describe('userState', () => {
  const base = {
    hasWallet: true,
    global: { paused: false, halted: false },
    control: { paused: false, reason: null },
    balances: { active: true },
  };
  it('orders the states by severity', () => {
    expect(userState(base)).toBe('active');
    expect(userState({ ...base, balances: { active: false } })).toBe('inactive');
    expect(userState({ ...base, control: { paused: true, reason: 'by hand' } })).toBe('paused');
    expect(userState({ ...base, control: { paused: true, reason: 'breaker: 3 consecutive failed orders' } })).toBe(
      'breaker',
    );
    expect(
      userState({ ...base, global: { paused: true, halted: true }, control: { paused: true, reason: 'breaker: x' } }),
    ).toBe('halted');
    expect(userState({ ...base, hasWallet: false })).toBe('no-wallet');
  });
});

const trade = (over: Partial<Trade>): Trade => ({
  id: 1,
  side: 'sell',
  context: 'manual',
  venue: 'paper',
  symbol: 'SOL',
  quoteSymbol: 'USDC',
  baseAmount: '1000000000',
  quoteAmount: '150000000',
  uiBaseAmount: '1',
  uiQuoteAmount: '150',
  price: 150,
  realizedPnl: '0',
  feeLamports: '5000',
  signature: null,
  executedAt: '2026-03-04T10:00:00Z',
  ...over,
});

describe('money', () => {
  const now = Date.parse('2026-03-04T18:00:00Z');
  it("sums today's realized PnL in USD (UTC day), across quote assets", () => {
    const trades = [
      trade({ realizedPnl: '12500000' }), // +12.5 USDC today
      trade({ id: 2, quoteSymbol: 'SOL', realizedPnl: '-100000000' }), // -0.1 SOL today
      trade({ id: 3, realizedPnl: '99000000', executedAt: '2026-03-03T23:59:59Z' }), // yesterday
    ];
    expect(todaysRealizedUsd(trades, { SOL: 150 }, now)).toBeCloseTo(12.5 - 15, 6);
  });
  it('says null when a quote asset has no price', () => {
    expect(todaysRealizedUsd([trade({ quoteSymbol: 'SOL', realizedPnl: '5' })], {}, now)).toBeNull();
  });
  it('values a wallet at the last prices', () => {
    const b = { sol: '2', tokens: [{ symbol: 'USDC', mint: 'm', amount: '5000000', decimals: 6, uiAmount: '5' }] };
    expect(walletValueUsd(b, { SOL: 100 })).toBe(205);
    expect(walletValueUsd(b, {})).toBeNull();
    expect(walletValueUsd({ sol: '0', tokens: [] }, {})).toBe(0);
  });
});

const position = (over: Partial<Position>): Position => ({
  id: 1,
  symbol: 'SOL',
  mint: 'So1',
  quoteSymbol: 'USDC',
  status: 'closed',
  account: 'paper',
  quantity: '0',
  uiQuantity: '0',
  costBasis: '0',
  averageEntryPrice: null,
  price: null,
  unrealizedPnl: null,
  realizedPnl: '0',
  uiRealizedPnl: '0',
  uiUnrealizedPnl: null,
  stopLoss: null,
  takeProfit: null,
  trailingStopBps: null,
  stuck: false,
  openedAt: '',
  closedAt: null,
  ...over,
});

describe('clientLeaderboard', () => {
  it('ranks by realized + unrealized USD, ties by name', () => {
    const rows = clientLeaderboard(
      [
        { id: 1, name: 'ana' },
        { id: 2, name: 'ben' },
        { id: 3, name: 'cy' },
      ],
      {
        1: [
          position({ realizedPnl: '5000000', uiRealizedPnl: '5' }),
          position({ id: 2, status: 'open', uiUnrealizedPnl: '-1' }),
        ],
        2: [position({ realizedPnl: '-2000000', uiRealizedPnl: '-2' })],
      },
      {},
    );
    expect(rows.map((r) => [r.rank, r.name, r.totalUsd])).toEqual([
      [1, 'ana', 4],
      [2, 'cy', 0],
      [3, 'ben', -2],
    ]);
    expect(rows[0]).toMatchObject({ closedPositions: 1, wins: 1, winRate: 1 });
    expect(rows[1]!.winRate).toBeNull();
  });
});

describe('navigation hashes', () => {
  it('round-trips every view', () => {
    for (const v of [
      { kind: 'overview' },
      { kind: 'leaderboard' },
      { kind: 'settings' },
      { kind: 'user', userId: 12, tab: 'risk' },
    ] as const) {
      expect(hashToView(viewToHash(v))).toEqual(v);
    }
  });
  it('falls back to the wallet tab and rejects junk', () => {
    expect(hashToView('#/user/3/nope')).toEqual({ kind: 'user', userId: 3, tab: 'wallet' });
    expect(hashToView('#/user/x')).toBeNull();
    expect(hashToView('')).toBeNull();
  });
});
