/**
 * Paper is its own account (issue #9, items 3 and 8): an explicit starting
 * capital as the opening flow, trades that move only the paper book, an
 * on-chain deposit that leaves paper equity alone, reset and top-up as paper
 * flows, and a switch paper ↔ live that keeps both histories and leaves open
 * positions in the account they were opened in.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ExitMonitor, type Order, type TradeExecutionService } from '../../../engine/execution';
import { isoTime } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { WRAPPED_SOL_MINT } from '../../../engine/market';
import {
  ensurePaperAccount,
  Performance,
  recordCashFlow,
  resetPaperAccount,
  toMicroUsd,
  topUpPaperAccount,
  walletHoldings,
} from '../../../engine/portfolio';
import { modeSwitchNotice } from '../../../engine/runtime/paper-handlers';
import { UserSettingsSchema } from '../../../engine/users/settings';
import {
  addUser,
  NET,
  PAPER,
  priceFn,
  recordFill,
  USDC,
  usdc,
  WETH,
  weth,
  world,
  type World,
} from '../../helpers/risk';

const HOUR = 3_600_000;
let w: World;
let perf: Performance;
let price = priceFn();
beforeEach(() => {
  w = world();
  price = priceFn();
  perf = new Performance(w.store, NET, { price: (m) => price(m) }, w.clock, 0);
});
afterEach(() => w.store.close());
const iso = (): string => isoTime(w.clock);

/** A paper user (empty book) whose wallet holds 10 SOL on chain. */
function paperUser(name: string, capital: Record<string, string> = { USDC: '1000' }): number {
  const id = addUser(w, name, { mode: 'paper', paperStartingCapital: capital });
  const address = w.store.wallets.byUser(id)!.address;
  w.store.holdings.upsertBalance(NET, address, 'SOL', 10_000_000_000n, iso());
  return id;
}
/** Opens the paper account with its starting capital, as the first paper order does. */
function openPaper(userId: number): void {
  const capital = UserSettingsSchema.parse(w.store.settings.get(userId)!.settings).paperStartingCapital;
  expect(ensurePaperAccount(w.store, userId, NET, capital, price, w.clock.now())).toBe(true);
}
function setMode(userId: number, mode: 'paper' | 'live'): void {
  const row = w.store.settings.get(userId)!;
  const next = UserSettingsSchema.parse({ ...(row.settings as object), mode });
  expect(w.store.settings.update(userId, row.version, next, iso())).toBe(true);
}
const onChain = (userId: number) => w.store.holdings.balances(w.store.wallets.byUser(userId)!.address, NET);

describe('the starting capital', () => {
  test('is the paper account: never the on-chain balances, opened once as its opening deposit', () => {
    const u = paperUser('pam', { USDC: '1000', SOL: '2' });
    // Before it opens, the paper account holds nothing: no fallback to the wallet's 10 SOL.
    expect(walletHoldings(w.store, u, NET, 'paper')).toEqual([]);
    expect(ensurePaperAccount(w.store, u, NET, { USDC: '1000', SOL: '2' }, price, w.clock.now())).toBe(true);
    expect(w.store.paper.balances(u)).toEqual(
      new Map([
        [USDC.mint, usdc(1000)],
        [WRAPPED_SOL_MINT, 2_000_000_000n],
      ]),
    );
    expect(w.store.risk.cashFlows(u, PAPER)).toEqual([
      expect.objectContaining({ kind: 'deposit', amountUsd: toMicroUsd(1_300) }),
    ]);
    expect(w.store.risk.cashFlows(u, NET)).toEqual([]);
    // Once open, it is not opened again.
    expect(ensurePaperAccount(w.store, u, NET, { USDC: '5' }, price, w.clock.now())).toBe(true);
    expect(w.store.risk.cashFlows(u, PAPER)).toHaveLength(1);
    expect(perf.stats(u)).toMatchObject({ mode: 'paper', accountLabel: 'Paper account', equityUsd: 1_300 });
  });

  test('without a price to value it, the account stays closed (fail closed: nothing written)', () => {
    const u = paperUser('pam', { WETH: '1' });
    expect(ensurePaperAccount(w.store, u, NET, { WETH: '1' }, priceFn({ [WETH.mint]: null }), w.clock.now())).toBe(
      false,
    );
    expect(w.store.paper.balances(u).size).toBe(0);
    expect(w.store.risk.cashFlows(u, PAPER)).toEqual([]);
  });

  test('no figures before it opens; after, return is net of the capital (0 at the start), a gain from trading is return', () => {
    const u = paperUser('pam');
    perf.snapshotEquity();
    expect(w.store.risk.snapshots(u, PAPER)).toEqual([]); // not opened: nothing to measure (and never the wallet)
    openPaper(u);
    perf.snapshotEquity();
    expect(perf.stats(u)).toMatchObject({ equityUsd: 1_000, returnPct: 0, pnlUsd: 0 });
    w.clock.advance(HOUR);
    recordFill(w.store, { userId: u, side: 'buy', base: weth(0.1), quote: usdc(300), at: iso() });
    price = priceFn({ [WETH.mint]: 3_300 });
    w.clock.advance(HOUR);
    perf.snapshotEquity();
    const s = perf.stats(u);
    expect(s.pnlUsd).toBeCloseTo(30, 6);
    expect(s.returnPct).toBeCloseTo(3, 6);
  });
});

describe('the paper book and the wallet never mix', () => {
  test('paper trades move only the paper book; an on-chain deposit does not change paper equity', () => {
    const u = paperUser('pam');
    openPaper(u);
    perf.snapshotEquity();
    const chainBefore = onChain(u);
    recordFill(w.store, { userId: u, side: 'buy', base: weth(0.1), quote: usdc(300), at: iso() });
    expect(onChain(u)).toEqual(chainBefore);
    expect(w.store.paper.balance(u, WETH.mint)).toBe(weth(0.1));
    expect(w.store.paper.balance(u, USDC.mint)).toBe(usdc(700));

    // 5 SOL arrive in the wallet from outside: the on-chain wallet's flow, not the paper account's.
    const address = w.store.wallets.byUser(u)!.address;
    w.store.holdings.upsertBalance(NET, address, 'SOL', 15_000_000_000n, iso());
    recordCashFlow(w.store, {
      userId: u,
      network: NET,
      kind: 'deposit',
      amountUsd: toMicroUsd(750),
      nowMs: w.clock.now(),
    });
    w.clock.advance(HOUR);
    perf.snapshotEquity();
    const paper = perf.stats(u, w.clock.now(), 'paper');
    expect(paper.equityUsd).toBeCloseTo(1_000, 6);
    expect(paper).toMatchObject({ depositsUsd: 1_000, tradeCount: 1, openPositions: 1 });
    const live = perf.stats(u, w.clock.now(), 'live');
    expect(live).toMatchObject({ equityUsd: 2_250, depositsUsd: 750, tradeCount: 0, openPositions: 0 });
  });
});

describe('reset and top-up are paper flows', () => {
  test('a top-up is a deposit (not profit); a reset withdraws the book and deposits the capital', () => {
    const u = paperUser('pam');
    openPaper(u);
    perf.snapshotEquity();
    w.clock.advance(HOUR);
    expect(topUpPaperAccount(w.store, u, NET, { USDC: '500' }, price, w.clock.now()).depositedUsd).toBe(
      toMicroUsd(500),
    );
    // Two top-ups in the same millisecond are two deposits.
    topUpPaperAccount(w.store, u, NET, { USDC: '250' }, price, w.clock.now());
    topUpPaperAccount(w.store, u, NET, { USDC: '250' }, price, w.clock.now());
    w.clock.advance(HOUR);
    perf.snapshotEquity();
    expect(perf.stats(u)).toMatchObject({ equityUsd: 2_000, pnlUsd: 0, returnPct: 0 });

    recordFill(w.store, { userId: u, side: 'buy', base: weth(0.1), quote: usdc(300), at: iso() });
    expect(() => resetPaperAccount(w.store, u, NET, { USDC: '2000' }, price, w.clock.now())).toThrow(
      /paper position\(s\) are open/u,
    );
    recordFill(w.store, { userId: u, side: 'sell', base: weth(0.1), quote: usdc(310), at: iso() }); // +10
    w.clock.advance(HOUR);
    const r = resetPaperAccount(w.store, u, NET, { USDC: '2000' }, price, w.clock.now());
    expect(r).toMatchObject({ withdrawnUsd: toMicroUsd(2_010), depositedUsd: toMicroUsd(2_000) });
    expect(w.store.paper.balance(u, USDC.mint)).toBe(usdc(2_000));
    expect(w.store.paper.balance(u, WETH.mint)).toBe(0n);
    w.clock.advance(HOUR);
    perf.snapshotEquity();
    const s = perf.stats(u);
    // The $10 earned stays earned; the reset's flows are not PnL.
    expect(s.pnlUsd).toBeCloseTo(10, 6);
    expect(s.returnPct!).toBeGreaterThan(0);
    expect(s).toMatchObject({ depositsUsd: 4_000, withdrawalsUsd: 2_010 });
    expect(onChain(u)).toEqual([expect.objectContaining({ mint: 'SOL', amount: 10_000_000_000n })]);
  });
});

describe('switching paper ↔ live', () => {
  test('keeps both histories; open positions stay in their account and the response says so', () => {
    const u = paperUser('pam');
    openPaper(u);
    perf.snapshotEquity();
    recordFill(w.store, { userId: u, side: 'buy', base: weth(0.1), quote: usdc(300), at: iso() });
    w.clock.advance(HOUR);
    perf.snapshotEquity();

    const notice = modeSwitchNotice(w.store, u, NET, 'paper', 'live');
    expect(notice).toMatch(
      /1 open paper position\(s\) stay in the paper account: they are not carried to the on-chain wallet/u,
    );
    expect(modeSwitchNotice(w.store, u, NET, 'live', 'live')).toBeUndefined();
    setMode(u, 'live');
    w.clock.advance(HOUR);
    perf.snapshotEquity();

    // Both histories are there, each under its own account.
    expect(w.store.risk.snapshots(u, PAPER)).toHaveLength(2);
    expect(w.store.risk.snapshots(u, NET)).toHaveLength(1);
    expect(perf.stats(u)).toMatchObject({ mode: 'live', equityUsd: 1_500, tradeCount: 0, openPositions: 0 });
    expect(perf.stats(u, w.clock.now(), 'paper')).toMatchObject({ tradeCount: 1, openPositions: 1, snapshots: 2 });

    // A live fill in the same token opens the wallet's own position; the paper one is untouched.
    recordFill(w.store, { userId: u, side: 'buy', base: weth(0.2), quote: usdc(600), at: iso(), paper: false });
    const paperPos = w.store.portfolio.openPosition(u, NET, WETH.mint, 'paper')!;
    const livePos = w.store.portfolio.openPosition(u, NET, WETH.mint, 'live')!;
    expect(paperPos.id).not.toBe(livePos.id);
    expect([paperPos.quantity, livePos.quantity]).toEqual([weth(0.1), weth(0.2)]);
    expect(w.store.paper.balance(u, WETH.mint)).toBe(weth(0.1));

    // Back to paper: its figures continue where they were.
    expect(modeSwitchNotice(w.store, u, NET, 'live', 'paper')).toMatch(
      /1 open live position\(s\) stay in the on-chain wallet/u,
    );
    setMode(u, 'paper');
    expect(perf.stats(u)).toMatchObject({ mode: 'paper', tradeCount: 1, openPositions: 1, depositsUsd: 1_000 });
  });
});

describe('exits after a switch', () => {
  test("run only for the positions of the account the user trades now; the other account's are refused, never sold with its funds", async () => {
    const u = paperUser('pam');
    openPaper(u);
    perf.snapshotEquity();
    const { position } = recordFill(w.store, { userId: u, side: 'buy', base: weth(0.1), quote: usdc(300), at: iso() });
    w.store.portfolio.updatePosition({ ...position, stopLoss: 2_900 });
    price = priceFn({ [WETH.mint]: 2_800 }); // below the stop
    const sent: Order[] = [];
    const exec = {
      submit: (o: Order) => {
        sent.push(o);
        return Promise.resolve({
          status: 'rejected' as const,
          intentId: null,
          code: 'NO_ROUTE' as const,
          message: 'test',
        });
      },
    } as unknown as TradeExecutionService;
    const monitor = new ExitMonitor(w.store, exec, { price: (m) => price(m) }, w.bus, w.clock, silentLogger, NET);

    setMode(u, 'live');
    await monitor.runCycle();
    expect(sent).toEqual([]);
    const refused = await monitor.close(w.store.portfolio.position(position.id)!, 'manual', 'test');
    expect(refused).toMatchObject({
      status: 'rejected',
      code: 'NO_POSITION',
      message: expect.stringContaining('paper account'),
    });
    expect(sent).toEqual([]);

    setMode(u, 'paper');
    await monitor.runCycle();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      userId: u,
      side: 'sell',
      inputMint: WETH.mint,
      amount: weth(0.1),
      context: 'exit',
    });
  });
});
