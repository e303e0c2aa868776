/**
 * Reducing risk is always allowed (issue #9, item 6), end to end through
 * engine.execute on the in-process sandbox: a friend paused by the operator,
 * one whose failure breaker tripped and one paused by the drawdown limit can
 * each sell and Close a position (paper venue, and one live friend whose sell
 * lands on the sandbox chain); a global halt still stops them. Close-all sells
 * everything and pauses that friend's strategy entries until resumed, and its
 * confirmation says so.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeSensitive } from '../../engine/api/confirmations';
import { formatUnits, tokenBySymbol } from '../../engine/market';
import { findLeaks } from '../../engine/api/human-text';
import { CLOSE_ALL_PAUSE_REASON, RiskEngine } from '../../engine/risk';
import type { Engine, Funds } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';

const WETH = tokenBySymbol('WETH')!;
const USDC = tokenBySymbol('USDC')!;
let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;

beforeAll(async () => {
  dir = tempDataDir('hv-reduce-');
  // A master key from the environment: these tests need no OS keychain.
  engine = openEngine(dir.dir, { env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') } });
  funds = await engine.funds();
  for (const name of ['Pia', 'Bo', 'Dee', 'Hal', 'Cy', 'Ed', 'Liv']) {
    await engine.execute('users.add', { name });
    await engine.execute('wallet.create', { user: name, words: 12 });
    await engine.execute('funds.faucet', { user: name, sol: '2', token: 'USDC', amount: '2000' });
  }
  await engine.execute('settings.set', { user: 'Liv', key: 'mode', value: 'live', confirm: true });
  await funds.balances.refresh();
  await funds.refreshPrices();
}, 120_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

const id = (name: string): number => engine.users.resolve(name).id;
const buy = (user: string, token = 'WETH', amount = '50') =>
  engine.execute('orders.submit', { user, side: 'buy', token, amount });
/** `harvest order USER sell TOKEN AMOUNT`, through the same command. */
const sell = (user: string, token: string, amount: string) =>
  engine.execute('orders.submit', { user, side: 'sell', token, amount });
/** A refusal speaks human (issue #17): it names the friend and the token, says what to do, and leaks no id. */
function namesFriend(outcome: unknown, friend: string, token = 'WETH'): void {
  const message = (outcome as { message?: string }).message ?? '';
  expect(message).toContain(friend);
  expect(message).toContain(token);
  expect(message).toMatch(/resume/u);
  expect(message).not.toMatch(/this user/iu);
  expect(findLeaks(message), message).toEqual([]);
}
const openPositions = async (user: string) =>
  (await engine.execute('positions.list', { user, status: 'open' })).positions;

/** Buys into WETH and returns the open position. */
async function holdWeth(user: string) {
  expect(await buy(user)).toMatchObject({ status: 'confirmed' });
  const p = (await openPositions(user)).find((x) => x.symbol === 'WETH')!;
  expect(p).toBeDefined();
  return p;
}

/** Sells half the position by `order USER sell WETH …`, then closes the rest with the single-position Close. */
async function sellHalfThenClose(user: string): Promise<void> {
  const p = (await openPositions(user)).find((x) => x.symbol === 'WETH')!;
  const half = formatUnits(BigInt(p.quantity) / 2n, WETH.decimals);
  expect(await sell(user, 'WETH', half)).toMatchObject({ status: 'confirmed' });
  expect(await engine.execute('positions.close', { user, positionId: p.id })).toMatchObject({ status: 'confirmed' });
  expect((await openPositions(user)).filter((x) => x.symbol === 'WETH')).toHaveLength(0);
}

describe('sells and closes pass every pause', () => {
  test('a friend paused by the operator sells and closes; their entries stay refused PAUSED_USER', async () => {
    await holdWeth('Pia');
    await engine.execute('controls.pause', { user: 'Pia', reason: 'holiday' });
    const refused = await buy('Pia');
    expect(refused).toMatchObject({ status: 'rejected', code: 'PAUSED_USER' });
    namesFriend(refused, 'Pia');
    await sellHalfThenClose('Pia');
    expect(engine.controls.user(id('Pia')).paused).toBe(true);
  });

  test('a friend stopped by the failure breaker sells and closes; entries are refused BREAKER_TRIPPED', async () => {
    await holdWeth('Bo');
    tripBreaker('Bo');
    expect(engine.controls.user(id('Bo')).reason).toMatch(/^breaker/u);
    const refused = await buy('Bo');
    expect(refused).toMatchObject({ status: 'rejected', code: 'BREAKER_TRIPPED' });
    namesFriend(refused, 'Bo');
    await sellHalfThenClose('Bo');
  });

  test('a friend paused by the drawdown limit sells and closes; entries are refused MAX_DRAWDOWN', async () => {
    await holdWeth('Dee');
    await engine.execute('settings.set', { user: 'Dee', key: 'risk.maxDrawdownPct', value: '5' });
    const risk = new RiskEngine({
      store: engine.store,
      controls: engine.controls,
      bus: engine.bus,
      network: funds.net.name,
    });
    const price = (m: string): number | null => funds.prices.price(m);
    expect(risk.review(id('Dee'), price, engine.clock.now())).toEqual({ ok: true });
    // A loss of a fifth of the paper USDC: equity falls more than 5 % below its high-water mark.
    const usdc = engine.store.paper.balance(id('Dee'), USDC.mint);
    engine.store.paper.set(id('Dee'), USDC.mint, (usdc * 4n) / 5n);
    expect(risk.review(id('Dee'), price, engine.clock.now())).toMatchObject({ ok: false, code: 'MAX_DRAWDOWN' });
    expect(engine.controls.user(id('Dee')).reason).toMatch(/^drawdown/u);
    expect(await buy('Dee')).toMatchObject({ status: 'rejected', code: 'MAX_DRAWDOWN' });
    await sellHalfThenClose('Dee');
  });

  test('on the sandbox chain: a paused live friend’s sell is signed and lands', async () => {
    const p = await holdWeth('Liv');
    await engine.execute('controls.pause', { user: 'Liv', reason: 'holiday' });
    const out = await sell('Liv', 'WETH', formatUnits(BigInt(p.quantity), WETH.decimals));
    expect(out).toMatchObject({ status: 'confirmed' });
    expect(out.signature).toEqual(expect.any(String));
    expect(await openPositions('Liv')).toHaveLength(0);
  });

  test('a global halt still stops them: sells, Close and close-all are refused HALTED', async () => {
    const p = await holdWeth('Hal');
    await engine.execute('controls.pause', { user: 'Hal', reason: 'holiday' });
    await engine.execute('controls.halt', { reason: 'incident' });
    try {
      const halted = await sell('Hal', 'WETH', formatUnits(BigInt(p.quantity), WETH.decimals));
      expect(halted).toMatchObject({ status: 'rejected', code: 'HALTED' });
      namesFriend(halted, 'Hal');
      expect(await engine.execute('positions.close', { user: 'Hal', positionId: p.id })).toMatchObject({
        status: 'rejected',
        code: 'HALTED',
      });
      const all = await engine.execute('positions.closeAll', { user: 'Hal', confirm: true });
      expect(all.results.map((r) => r.outcome)).toEqual([
        expect.objectContaining({ status: 'rejected', code: 'HALTED' }),
      ]);
    } finally {
      await engine.execute('controls.resume', {});
    }
    expect(await openPositions('Hal')).toHaveLength(1);
  });
});

describe('close-all', () => {
  test('sells every position and pauses that friend’s strategy entries until resumed; the confirmation says so', async () => {
    expect(describeSensitive('positions.closeAll', { user: 'Cy', confirm: true })).toMatch(
      /Sell every open position of Cy.*pause Cy's strategy entries until they are resumed/u,
    );
    await holdWeth('Cy');
    expect(await buy('Cy', 'SOL', '20')).toMatchObject({ status: 'confirmed' });
    const r = await engine.execute('positions.closeAll', { user: 'Cy', confirm: true });
    expect(r.entriesPaused).toBe(true);
    expect(r.results).toHaveLength(2);
    expect(r.results.every((x) => x.outcome.status === 'confirmed')).toBe(true);
    expect(await openPositions('Cy')).toHaveLength(0);
    expect(engine.controls.user(id('Cy'))).toEqual({ paused: true, halted: false, reason: CLOSE_ALL_PAUSE_REASON });
    // Entries, the strategy's included, stay refused until the operator resumes the friend.
    const strategyBuy = await funds.exec.submit({
      userId: id('Cy'),
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      amount: 20_000_000n,
      context: 'strategy',
      clientId: 'strategy-after-close-all',
      slippageBps: 50,
      stopLossPrice: funds.prices.price(WETH.mint)! * 0.9,
    });
    expect(strategyBuy).toMatchObject({
      status: 'rejected',
      code: 'PAUSED_USER',
      message: expect.stringContaining('close-all'),
    });
    await engine.execute('controls.resume', { user: 'Cy' });
    // (WETH and SOL are in their cooldown after the close; another token shows entries are back.)
    expect(await buy('Cy', 'WBTC', '20')).toMatchObject({ status: 'confirmed' });
  });

  test('a friend already paused (the breaker) keeps that pause and its reason', async () => {
    await holdWeth('Ed');
    tripBreaker('Ed');
    const r = await engine.execute('positions.closeAll', { user: 'Ed', confirm: true });
    expect(r.results.map((x) => x.outcome.status)).toEqual(['confirmed']);
    expect(r.entriesPaused).toBe(true);
    expect(engine.controls.user(id('Ed')).reason).toMatch(/^breaker/u);
  });
});

/** Three failed executions in the journal, then the execution service's own breaker check: the real trip. */
function tripBreaker(user: string): void {
  const at = new Date(engine.clock.now()).toISOString();
  for (let i = 0; i < 3; i++) {
    const intent = engine.store.intents.insert({
      userId: id(user),
      clientId: `failed-${user}-${i}`,
      network: funds.net.name,
      venue: 'paper',
      context: 'strategy',
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      amount: 1_000_000n,
      slippageBps: 50,
      exits: null,
      at,
    });
    engine.store.intents.finish(intent, 'failed', null, 'the swap failed on chain', at);
  }
  funds.exec.checkBreaker(id(user));
  expect(engine.controls.user(id(user)).reason).toMatch(/^breaker/u);
}
