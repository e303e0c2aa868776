/**
 * The risk gate every order passes (issue #4, items 1, 6 and 7): controls
 * (halt stops everything; a global pause, a user pause and a tripped breaker
 * stop entries but not exits), the largest order, the balance (with the SOL
 * reserve for fees and rent) and selling only what a position holds. Each
 * refusal has its own code and a sentence a person can act on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_CONTEXTS, type Order, type OrderContext } from '../../../engine/execution';
import { ManualClock, isoTime } from '../../../engine/kernel/clock';
import { EventBus } from '../../../engine/kernel/event-bus';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market';
import {
  balanceGate,
  composeGates,
  controlsGate,
  Controls,
  orderSizeGate,
  type RiskContext,
  type RiskDecision,
  type RiskGate,
} from '../../../engine/risk';
import { openDatabase, Store } from '../../../engine/store';
import { defaultUserSettings } from '../../../engine/users/settings';
import { openPositionRow } from '../../helpers/risk';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const SOL_MINT = WRAPPED_SOL_MINT;
const NET = 'sandbox';
const WALLET_RENT = 890_880n;
const FEE_RESERVE = 5_000_000n;
const PER_POSITION = 2_500_000n;

let dir: string;
let store: Store;
let clock: ManualClock;
let bus: EventBus;
let controls: Controls;
let ana: number;
let ben: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-risk-'));
  clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  store = new Store(openDatabase(join(dir, 'harvest.db'), { nowIso: isoTime(clock) }));
  bus = new EventBus(
    (e) => ({ ...e, id: store.events.insert(e).id }),
    () => isoTime(clock),
  );
  controls = new Controls(store, bus, clock);
  for (const name of ['ana', 'ben']) {
    const u = store.users.insert(name, isoTime(clock));
    store.settings.insert(u.id, defaultUserSettings(), isoTime(clock));
    if (name === 'ana') ana = u.id;
    else ben = u.id;
  }
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function order(o: Partial<Order> = {}): Order {
  return {
    userId: ana,
    side: 'buy',
    inputMint: USDC.mint,
    outputMint: WETH.mint,
    amount: 100_000_000n, // 100 USDC
    context: 'manual',
    clientId: 'c1',
    slippageBps: 50,
    ...o,
  };
}

const sellWeth = (amount: bigint, o: Partial<Order> = {}): Order =>
  order({ side: 'sell', inputMint: WETH.mint, outputMint: USDC.mint, amount, ...o });

function ctx(
  balances: Record<string, bigint> = {},
  prices: Record<string, number> = { [USDC.mint]: 1, [WETH.mint]: 3000, [SOL_MINT]: 150 },
): RiskContext {
  return { balances: new Map(Object.entries(balances)), price: (m) => prices[m] ?? null, nowMs: clock.now() };
}

function openPosition(userId: number, mint: string, quantity: bigint): number {
  // The position lives in the account the user trades now (paper and live positions never mix).
  const account = (store.settings.get(userId)?.settings as { mode?: 'paper' | 'live' } | undefined)?.mode ?? 'paper';
  return openPositionRow(store, { userId, mint, quantity, at: isoTime(clock), account });
}

function setSettings(userId: number, patch: Record<string, unknown>): void {
  const row = store.settings.get(userId)!;
  expect(store.settings.update(userId, row.version, { ...(row.settings as object), ...patch }, isoTime(clock))).toBe(
    true,
  );
}

function expectRefused(d: RiskDecision, code: string, message?: RegExp): void {
  expect(d.ok, JSON.stringify(d)).toBe(false);
  if (d.ok) return;
  expect(d.code).toBe(code);
  expect(d.message.length).toBeGreaterThan(20);
  if (message) expect(d.message).toMatch(message);
}

const entries: OrderContext[] = ORDER_CONTEXTS.filter((c) => c !== 'exit' && c !== 'emergency');
const exits: OrderContext[] = ['exit', 'emergency'];

describe('controlsGate', () => {
  let gate: RiskGate;
  beforeEach(() => {
    gate = controlsGate(controls);
  });

  it('lets everything through when nothing is paused', () => {
    for (const c of ORDER_CONTEXTS) expect(gate.check(order({ context: c }), ctx())).toEqual({ ok: true });
  });

  it('HALTED: a halt refuses every order, exits and emergency closes included, and says why', () => {
    controls.halt('exchange incident', 'test');
    for (const c of ORDER_CONTEXTS)
      expectRefused(gate.check(order({ context: c }), ctx()), 'HALTED', /exchange incident/);
  });

  it('PAUSED_GLOBAL: a global pause refuses entries for everyone; exits and emergency closes still run', () => {
    controls.pauseAll('maintenance', 'test');
    for (const c of entries) {
      expectRefused(gate.check(order({ context: c }), ctx()), 'PAUSED_GLOBAL', /maintenance/);
      expectRefused(gate.check(order({ context: c, userId: ben }), ctx()), 'PAUSED_GLOBAL');
    }
    for (const c of exits) expect(gate.check(sellWeth(1n, { context: c }), ctx())).toEqual({ ok: true });
  });

  it('PAUSED_USER: a user pause refuses that user’s entries only; their exits still run', () => {
    controls.pauseUser(ana, 'on holiday', 'test');
    for (const c of entries) expectRefused(gate.check(order({ context: c }), ctx()), 'PAUSED_USER', /on holiday/);
    for (const c of exits) expect(gate.check(sellWeth(1n, { context: c }), ctx())).toEqual({ ok: true });
    expect(gate.check(order({ userId: ben }), ctx())).toEqual({ ok: true });
  });

  it('BREAKER_TRIPPED: a pause by the breaker is reported as such, and exits still run', () => {
    controls.pauseUser(ana, 'breaker: 3 consecutive failed orders', 'engine');
    expectRefused(gate.check(order(), ctx()), 'BREAKER_TRIPPED', /3 consecutive failed orders/);
    expect(gate.check(sellWeth(1n, { context: 'exit' }), ctx())).toEqual({ ok: true });
    expect(gate.check(order({ userId: ben }), ctx())).toEqual({ ok: true });
  });

  it('resuming lifts the pause; controls are read back from the store by a new Controls (they survive a restart)', () => {
    controls.pauseUser(ana, null, 'test');
    controls.halt(null, 'test');
    const reopened = new Controls(store, bus, clock);
    expect(reopened.halted).toBe(true);
    expect(reopened.user(ana).paused).toBe(true);
    expectRefused(controlsGate(reopened).check(order({ userId: ben }), ctx()), 'HALTED');
    reopened.resumeAll('test');
    expectRefused(controlsGate(reopened).check(order(), ctx()), 'PAUSED_USER');
    reopened.resumeUser(ana, 'test');
    expect(controlsGate(reopened).check(order(), ctx())).toEqual({ ok: true });
    expect(new Controls(store, bus, clock).global()).toEqual({ paused: false, halted: false, reason: null });
    // Every change is audited.
    expect(store.audit.list({ limit: 100 }).filter((r) => r.action === 'controls.changed')).toHaveLength(4);
  });
});

describe('reducing risk is always allowed (issue #9, item 6)', () => {
  const pauses: [string, () => void, string][] = [
    ['a global pause', () => controls.pauseAll('maintenance', 'test'), 'PAUSED_GLOBAL'],
    ['a user pause', () => controls.pauseUser(ana, 'on holiday', 'test'), 'PAUSED_USER'],
    [
      'a tripped breaker',
      () => controls.pauseUser(ana, 'breaker: 3 consecutive failed orders', 'engine'),
      'BREAKER_TRIPPED',
    ],
    ['the drawdown limit', () => controls.pauseUser(ana, 'drawdown: equity 20% below', 'risk'), 'MAX_DRAWDOWN'],
  ];
  for (const [what, pause, code] of pauses) {
    it(`under ${what}, every sell passes (manual, a single Close, copy, strategy, exits); buys are refused ${code}`, () => {
      pause();
      const gate = controlsGate(controls);
      for (const c of ORDER_CONTEXTS) {
        expect(gate.check(sellWeth(1n, { context: c }), ctx()), `${c} sell`).toEqual({ ok: true });
        if (c !== 'exit' && c !== 'emergency') {
          const d = gate.check(order({ context: c }), ctx());
          expectRefused(d, code, /Sells, closes and exits still run|sells, closes and exits still run/u);
        }
      }
    });
  }

  it('only a halt stops them', () => {
    controls.pauseUser(ana, 'on holiday', 'test');
    controls.halt('incident', 'test');
    for (const c of ORDER_CONTEXTS)
      expectRefused(controlsGate(controls).check(sellWeth(1n, { context: c }), ctx()), 'HALTED');
  });

  it('the whole gate lets a paused user sell what their position holds, and no more', () => {
    openPosition(ana, WETH.mint, 5_000n);
    controls.pauseUser(ana, 'breaker: 3 consecutive failed orders', 'engine');
    const gate = composeGates(controlsGate(controls), orderSizeGate(store), balanceGate(store, NET));
    expect(gate.check(sellWeth(5_000n), ctx({ [WETH.mint]: 5_000n }))).toEqual({ ok: true });
    expectRefused(gate.check(sellWeth(5_001n), ctx({ [WETH.mint]: 5_001n })), 'NO_POSITION');
  });
});

describe('Controls and the breaker', () => {
  function failedIntent(userId: number, clientId: string): number {
    const id = store.intents.insert({
      userId,
      clientId,
      network: NET,
      venue: 'jupiter',
      context: 'manual',
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      amount: 1n,
      slippageBps: 50,
      exits: null,
      at: isoTime(clock),
    });
    store.intents.finish(id, 'failed', null, 'boom', isoTime(clock));
    return id;
  }

  it('resuming a user records their newest order as the breaker baseline (failures before it no longer count); pausing does not', () => {
    expect(controls.breakerBaseline(ana)).toBe(0);
    failedIntent(ana, 'f1');
    const last = failedIntent(ana, 'f2');
    failedIntent(ben, 'g1');
    controls.pauseUser(ana, 'breaker: 2 consecutive failed orders', 'engine');
    expect(controls.breakerBaseline(ana)).toBe(0);
    controls.resumeUser(ana, 'test');
    expect(controls.breakerBaseline(ana)).toBe(last);
    expect(controls.breakerBaseline(ben)).toBe(0);
    // Durable: a restart reads the same baseline.
    expect(new Controls(store, bus, clock).breakerBaseline(ana)).toBe(last);
  });
});

describe('orderSizeGate', () => {
  it('ORDER_TOO_LARGE: above the user’s maxOrderUsd by USD notional; at the limit passes', () => {
    const gate = orderSizeGate(store);
    setSettings(ana, { maxOrderUsd: 250 });
    expect(gate.check(order({ amount: 250_000_000n }), ctx())).toEqual({ ok: true });
    expectRefused(gate.check(order({ amount: 250_000_001n }), ctx()), 'ORDER_TOO_LARGE', /\$250/);
    // A buy paid in another token is valued at that token's price: 0.1 WETH at $3000 = $300.
    expectRefused(
      gate.check(order({ inputMint: WETH.mint, outputMint: USDC.mint, amount: 10_000_000n }), ctx()),
      'ORDER_TOO_LARGE',
    );
    // A sell only reduces risk: never too large, whatever it is worth.
    expect(gate.check(sellWeth(10n ** 12n), ctx())).toEqual({ ok: true });
    // Another user keeps the default ($500).
    expect(gate.check(order({ userId: ben, amount: 400_000_000n }), ctx())).toEqual({ ok: true });
  });

  it('exits and emergency closes are never too large', () => {
    setSettings(ana, { maxOrderUsd: 1 });
    for (const c of exits)
      expect(orderSizeGate(store).check(sellWeth(10n ** 12n, { context: c }), ctx())).toEqual({ ok: true });
  });

  it('STALE_PRICE: no price for what the order spends, no new entry', () => {
    expectRefused(orderSizeGate(store).check(order(), ctx({}, {})), 'STALE_PRICE');
  });
});

describe('balanceGate', () => {
  const gate = (): RiskGate => balanceGate(store, NET);

  it('INSUFFICIENT_BALANCE: a token order needs the tokens in the wallet', () => {
    expect(gate().check(order(), ctx({ [USDC.mint]: 100_000_000n }))).toEqual({ ok: true });
    expectRefused(gate().check(order(), ctx({ [USDC.mint]: 99_999_999n })), 'INSUFFICIENT_BALANCE', /99\.999999 USDC/);
    expectRefused(gate().check(order(), ctx({})), 'INSUFFICIENT_BALANCE');
  });

  it('SOL_RESERVE: spending SOL keeps rent, the fee reserve and a reserve per open position', () => {
    // The reserve is the on-chain wallet's: a live user.
    setSettings(ana, { mode: 'live' });
    const buyWithSol = (amount: bigint): Order => order({ inputMint: SOL_MINT, outputMint: USDC.mint, amount });
    const keep0 = WALLET_RENT + FEE_RESERVE;
    expect(gate().check(buyWithSol(1_000_000_000n), ctx({ SOL: 1_000_000_000n + keep0 }))).toEqual({ ok: true });
    expectRefused(
      gate().check(buyWithSol(1_000_000_000n), ctx({ SOL: 1_000_000_000n + keep0 - 1n })),
      'SOL_RESERVE',
      /keeps for fees and rent/,
    );
    // Two open positions: 2 × 2.5 mSOL more is kept.
    openPosition(ana, WETH.mint, 1n);
    openPosition(ana, USDC.mint, 1n);
    const keep2 = keep0 + 2n * PER_POSITION;
    expect(gate().check(buyWithSol(1_000_000_000n), ctx({ SOL: 1_000_000_000n + keep2 }))).toEqual({ ok: true });
    expectRefused(gate().check(buyWithSol(1_000_000_000n), ctx({ SOL: 1_000_000_000n + keep2 - 1n })), 'SOL_RESERVE');
    // The reserve applies to exits too: a SOL position is never sold into the fee money.
    openPosition(ana, SOL_MINT, 1_000_000_000n);
    const sellSol = order({
      side: 'sell',
      inputMint: SOL_MINT,
      outputMint: USDC.mint,
      amount: 1_000_000_000n,
      context: 'exit',
    });
    expectRefused(gate().check(sellSol, ctx({ SOL: 1_000_000_000n })), 'SOL_RESERVE');
    // A paper book pays no network fee or rent: the same sell of a paper position is not held back.
    setSettings(ana, { mode: 'paper' });
    openPosition(ana, SOL_MINT, 1_000_000_000n);
    expect(gate().check(sellSol, ctx({ SOL: 1_000_000_000n }))).toEqual({ ok: true });
  });

  it('NO_POSITION: a sell needs an open position, and never sells more than it holds', () => {
    expectRefused(gate().check(sellWeth(1n), ctx({ [WETH.mint]: 10n })), 'NO_POSITION', /no open WETH position/);
    openPosition(ana, WETH.mint, 1_000n);
    expect(gate().check(sellWeth(1_000n), ctx({ [WETH.mint]: 1_000n }))).toEqual({ ok: true });
    expectRefused(
      gate().check(sellWeth(1_001n), ctx({ [WETH.mint]: 5_000n })),
      'NO_POSITION',
      /holds 0.00001 WETH; this sell asks for 0.00001001 WETH/,
    );
    // Another user's position is not this user's.
    expectRefused(gate().check(sellWeth(1n, { userId: ben }), ctx({ [WETH.mint]: 1_000n })), 'NO_POSITION');
    // A position on another network is not this network's.
    expectRefused(balanceGate(store, 'devnet').check(sellWeth(1n), ctx({ [WETH.mint]: 1_000n })), 'NO_POSITION');
    // A position the wallet no longer fully holds: the balance check still applies.
    expectRefused(gate().check(sellWeth(1_000n), ctx({ [WETH.mint]: 999n })), 'INSUFFICIENT_BALANCE');
  });

  it('ORDER_TOO_SMALL: nothing to spend is not an order', () => {
    expectRefused(gate().check(order({ amount: 0n }), ctx({ [USDC.mint]: 1n })), 'ORDER_TOO_SMALL');
  });
});

describe('composeGates', () => {
  it('the first refusal wins, in the order the engine composes them (controls, size, balance)', () => {
    const gate = composeGates(controlsGate(controls), orderSizeGate(store), balanceGate(store, NET));
    setSettings(ana, { maxOrderUsd: 10 });
    const big = order({ amount: 1_000_000_000n });
    expectRefused(gate.check(big, ctx({})), 'ORDER_TOO_LARGE');
    controls.pauseUser(ana, null, 'test');
    expectRefused(gate.check(big, ctx({})), 'PAUSED_USER');
    controls.halt(null, 'test');
    expectRefused(gate.check(big, ctx({})), 'HALTED');
    controls.resumeAll('test');
    controls.resumeUser(ana, 'test');
    setSettings(ana, { maxOrderUsd: 10_000 });
    expectRefused(gate.check(big, ctx({})), 'INSUFFICIENT_BALANCE');
    expect(gate.check(big, ctx({ [USDC.mint]: 1_000_000_000n }))).toEqual({ ok: true });
  });
});

describe('refusals speak to the operator (issue #17)', () => {
  /** Names the friend and the token, amounts in token units (never base units), and says what to do. */
  function expectHuman(d: RiskDecision, amounts: RegExp[]): void {
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.message).toMatch(/\bana\b/u);
    expect(d.message).not.toMatch(/\buser \d|base units|\d{9,}/u);
    for (const a of amounts) expect(d.message).toMatch(a);
    expect(d.message).toMatch(
      /Sell at most|Order at most|Spend at most|enter an amount|Check the open positions|Try again/u,
    );
  }

  it('every balance and size refusal', () => {
    const gate = composeGates(orderSizeGate(store), balanceGate(store, NET));
    expectHuman(gate.check(order({ amount: 0n }), ctx()), [/USDC/u]);
    expectHuman(gate.check(order(), ctx({ [USDC.mint]: 5_000_000n })), [/5 USDC/u, /100 USDC/u]);
    expectHuman(gate.check(sellWeth(1_000n), ctx({ [WETH.mint]: 1_000n })), [/WETH/u]);
    openPosition(ana, WETH.mint, 5_000n);
    expectHuman(gate.check(sellWeth(7_000n), ctx({ [WETH.mint]: 7_000n })), [/0\.00005 WETH/u, /0\.00007 WETH/u]);
    setSettings(ana, { maxOrderUsd: 50 });
    expectHuman(gate.check(order(), ctx({ [USDC.mint]: 100_000_000n })), [/100 USDC/u, /\$50\b/u]);
    expectHuman(gate.check(order(), ctx({ [USDC.mint]: 100_000_000n }, {})), [/USDC/u]);
    setSettings(ana, { maxOrderUsd: 1_000, mode: 'live' });
    const buyWithSol = order({ inputMint: SOL_MINT, outputMint: USDC.mint, amount: 1_000_000_000n });
    expectHuman(gate.check(buyWithSol, ctx({ SOL: 1_000_000_000n })), [/1 SOL/u, /Spend at most 0\.\d+ SOL/u]);
  });
});
