/**
 * Any token by mint (issue 14, point 1, and its test in point 6): an in-process engine on its
 * in-process sandbox over real HTTP. Test tokens are real mints on the LiteSVM ledger (Token-2022
 * extensions where asked) with market-maker depth; the engine reads each mint through its
 * ordinary chain client, names it from the sandbox's Tokens API v2, and runs its safety checks.
 *
 *   - every hostile trait is refused or warned, each with its own reason;
 *   - a warned token is not bought until acknowledged once (API here, CLI below), then a pasted
 *     mint is bought, valued and shown in positions;
 *   - the registry survives a restart (a new process: the CLI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/kernel/clock';
import { findLeaks } from '../../engine/api/human-text';
import { tokenByMint } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import type { TestToken } from '../../engine/sandbox';
import { tempDataDir } from '../helpers/datadir';
import { json, runHarvest } from '../helpers/cli';
import { openEngine } from '../helpers/engine';
import { permissiveRisk } from '../helpers/risk';
import { randomSecretKey } from './support';

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
const made: Record<string, TestToken> = {};
/** Moves past the chain client's 1 s read cache. */
const tick = (): void => clock.advance(1_500);

async function open(): Promise<void> {
  engine = openEngine(dir.dir, { clock });
  funds = await engine.funds();
  await funds.refreshPrices();
}

/** Distinct symbols per run: sandbox test tokens are registered process-wide by symbol. */
const tag = Math.random().toString(36).slice(2, 5).toUpperCase();
const sym = (s: string): string => `${s}${tag}`;

async function create(
  name: string,
  traits: Record<string, boolean | number> = {},
  liquidityUsd = 5_000_000,
): Promise<TestToken> {
  const t = await engine.execute('sandbox.tokenCreate', {
    symbol: sym(name),
    priceUsd: 0.5,
    liquidityUsd,
    ...traits,
  });
  made[name] = t;
  return t;
}

const levels = (checks: { check: string; level: string }[]): Record<string, string> =>
  Object.fromEntries(checks.map((c) => [c.check, c.level]));

beforeAll(async () => {
  dir = tempDataDir('hv-tokens-');
  await open();
  const u = engine.users.add('tia', 'test');
  engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
  await permissiveRisk(engine, 'tia');
  await engine.execute('settings.set', { user: 'tia', key: 'mode', value: 'live', confirm: true });
  await engine.execute('funds.faucet', { user: 'tia', sol: '5', token: 'USDC', amount: '1000' });
  await create('PLAIN');
  await create('FRZ', { freezeAuthority: true });
  await create('MNT', { mintAuthority: true });
  await create('FEE', { transferFeeBps: 300 });
  await create('FEEX', { transferFeeBps: 2_000 });
  await create('HOOK', { transferHook: true });
  await create('DELG', { permanentDelegate: true });
  await create('NT', { nonTransferable: true });
  await create('DFZ', { defaultFrozen: true });
  await create('THIN', {}, 1_000);
  await create('DRY', {}, 300);
}, 120_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('sandbox test tokens', () => {
  it('lists the test tokens with their hostile traits', async () => {
    const { tokens } = await engine.execute('sandbox.tokens', {});
    const bySymbol = new Map(tokens.map((t) => [t.symbol, t]));
    expect(bySymbol.get(sym('PLAIN'))).toMatchObject({ token2022: false, traits: [] });
    expect(bySymbol.get(sym('FEE'))).toMatchObject({ token2022: true, traits: ['transfer fee 3 %'] });
    expect(bySymbol.get(sym('NT'))?.traits).toEqual(['non-transferable']);
    expect(bySymbol.get(sym('DFZ'))?.traits).toEqual(['accounts frozen by default']);
  });

  it('refuses a symbol the sandbox already has', async () => {
    await expect(
      engine.execute('sandbox.tokenCreate', { symbol: sym('FRZ'), priceUsd: 1, liquidityUsd: 1_000 }),
    ).rejects.toThrow(/already has a token called/u);
  });
});

describe('hostile tokens are refused or warned, each with a reason', () => {
  it('reads decimals and program from the mint account, and the name from the token list', async () => {
    const t = await engine.execute('tokens.add', { mint: made['PLAIN']!.mint });
    expect(t).toMatchObject({
      symbol: sym('PLAIN'),
      name: `${sym('PLAIN')} (sandbox test token)`,
      decimals: 6,
      program: 'SPL Token',
      builtIn: false,
    });
    // Even a clean mint has no independent oracle: that alone is a warning to accept once.
    expect(levels(t.checks)).toEqual({
      freezeAuthority: 'ok',
      mintAuthority: 'ok',
      route: 'ok',
      priceImpact: 'ok',
      oracle: 'warn',
    });
    expect(t.verdict).toBe('warn');
    expect((await engine.execute('tokens.add', { mint: made['FEE']!.mint })).program).toBe('Token-2022');
  });

  it.each([
    ['FRZ', 'freezeAuthority', 'warn', /freeze any holder's account/u],
    ['MNT', 'mintAuthority', 'warn', /create new tokens at will/u],
    ['FEE', 'transferFee', 'warn', /3 % fee/u],
    ['HOOK', 'transferHook', 'warn', /runs a program the issuer chose/u],
    ['THIN', 'priceImpact', 'warn', /move the price by 9\.\d\d %/u],
    ['FEEX', 'transferFee', 'refuse', /20 % fee/u],
    ['DELG', 'permanentDelegate', 'refuse', /take or burn the tokens/u],
    ['NT', 'nonTransferable', 'refuse', /cannot be transferred at all/u],
    ['DFZ', 'defaultFrozen', 'refuse', /start frozen/u],
    ['DRY', 'priceImpact', 'refuse', /too thin/u],
  ] as const)('%s: %s is %s', async (name, check, level, reason) => {
    const t = await engine.execute('tokens.add', { mint: made[name]!.mint });
    const c = t.checks.find((x) => x.check === check);
    expect(c, JSON.stringify(t.checks)).toMatchObject({ level });
    expect(c!.reason).toMatch(reason);
    expect(t.verdict).toBe(level);
    expect(t.buyable).toBe(false);
  });

  it('a refused token cannot be allowed, and its buy is refused with the reason', async () => {
    const mint = made['DELG']!.mint;
    await expect(engine.execute('tokens.allow', { mint })).rejects.toThrow(/refused and cannot be allowed/u);
    tick();
    const r = await engine.execute('orders.submit', { user: 'tia', side: 'buy', token: mint, amount: '5' });
    expect(r).toMatchObject({ status: 'rejected', code: 'TOKEN_UNSAFE' });
    expect(r.message).toMatch(/permanent delegate/u);
  });
});

describe('a warned token, acknowledged once, is bought by its pasted mint', () => {
  it('refuses the buy until the operator allows it, then buys, values and shows the position', async () => {
    const mint = made['FRZ']!.mint;
    tick();
    const before = await engine.execute('orders.submit', { user: 'tia', side: 'buy', token: mint, amount: '10' });
    expect(before).toMatchObject({ status: 'rejected', code: 'TOKEN_UNSAFE' });
    expect(before.message).toMatch(/harvest token allow/u);

    const ok = await engine.execute('tokens.allow', { mint });
    // The one acknowledgement also accepts the single price source of a token without an oracle.
    expect(ok).toMatchObject({ allowed: true, singleSourcePrice: true });
    expect(await engine.execute('tokens.show', { token: sym('FRZ') })).toMatchObject({ allowed: true, buyable: true });

    tick();
    await funds.refreshPrices();
    const buy = await engine.execute('orders.submit', { user: 'tia', side: 'buy', token: mint, amount: '10' });
    expect(buy.status, buy.message ?? '').toBe('confirmed');
    const { positions } = await engine.execute('positions.list', { user: 'tia', status: 'open' });
    const p = positions.find((x) => x.mint === mint);
    expect(p).toMatchObject({ symbol: sym('FRZ') });
    expect(Number(p!.uiQuantity)).toBeGreaterThan(19);
    // Valued at its (single-source) price: about $0.50 a token.
    expect(p!.price).toBeGreaterThan(0.45);
    expect(p!.price).toBeLessThan(0.55);
  });

  it('lists known tokens with their checks: built-in majors and tokens added by mint', async () => {
    const { tokens } = await engine.execute('tokens.list', {});
    expect(tokens.find((t) => t.symbol === 'SOL')).toMatchObject({ builtIn: true, verdict: 'ok', buyable: true });
    expect(tokens.find((t) => t.mint === made['NT']!.mint)).toMatchObject({ verdict: 'refuse', buyable: false });
    expect(tokens.find((t) => t.mint === made['FRZ']!.mint)).toMatchObject({ verdict: 'warn', allowed: true });
  });
});

describe('Token-2022 tokens in the sandbox (transfer fee, transfer hook)', () => {
  const balanceOf = async (mint: string): Promise<bigint> => {
    tick();
    const { balances } = await engine.execute('wallet.balances', { user: 'tia' });
    const t = balances[0]!.tokens.find((x) => x.mint === mint);
    return t ? BigInt(t.amount) : 0n;
  };

  it('a 2 % transfer-fee token, allowed, is bought (the position holds what arrived) and sold back', async () => {
    const t = await create('FEE2', { transferFeeBps: 200 });
    expect((await engine.execute('tokens.add', { mint: t.mint })).verdict).toBe('warn');
    await engine.execute('tokens.allow', { mint: t.mint });
    tick();
    await funds.refreshPrices();
    const buy = await engine.execute('orders.submit', { user: 'tia', side: 'buy', token: t.mint, amount: '10' });
    expect(buy.status, buy.message ?? '').toBe('confirmed');
    const held = await balanceOf(t.mint);
    // $10 at $0.50 is about 20 tokens; the market maker quotes net of the 2 % fee, so about 19.5 arrive.
    expect(held).toBeGreaterThan(19_000_000n);
    expect(held).toBeLessThan(20_000_000n);
    // The fill records what arrived (the fee withheld), not what left the market maker.
    expect(BigInt(buy.outAmount!)).toBe(held);
    const { positions } = await engine.execute('positions.list', { user: 'tia', status: 'open' });
    const p = positions.find((x) => x.mint === t.mint)!;
    expect(p.uiQuantity).toBe((Number(held) / 1e6).toString());

    // No caps set: a token added by mint has no outflow cap of its own (what is held was bought under the
    // friend's SOL/stablecoin caps), so a friend who could buy it can always sell it.
    tick();
    const sell = await engine.execute('orders.submit', {
      user: 'tia',
      side: 'sell',
      token: t.mint,
      amount: p.uiQuantity,
    });
    expect(sell.status, sell.message ?? '').toBe('confirmed');
    expect(await balanceOf(t.mint)).toBe(0n);
    // Sold what was held: the 2 % fee on the way out is priced in, about $9.5 back.
    expect(Number(sell.outAmount) / 1e6).toBeGreaterThan(9);
    const after = await engine.execute('positions.list', { user: 'tia', status: 'open' });
    expect(after.positions.find((x) => x.mint === t.mint)).toBeUndefined();
  }, 60_000);

  it('a transfer-hook token, even allowed, fails to buy with a reason a person can read', async () => {
    const mint = made['HOOK']!.mint;
    await engine.execute('tokens.add', { mint });
    await engine.execute('tokens.allow', { mint });
    tick();
    const r = await engine.execute('orders.submit', { user: 'tia', side: 'buy', token: mint, amount: '5' });
    expect(r.status).not.toBe('confirmed');
    expect(r.message).toMatch(/transfer hook/u);
    expect(findLeaks(r.message ?? '')).toEqual([]);
    expect(await balanceOf(mint)).toBe(0n);
  }, 60_000);
});

describe('the registry survives a restart', () => {
  it('a new process (the CLI) knows every added token, and allows one', async () => {
    await engine.close();
    const cli = (...args: string[]) => runHarvest(['--data-dir', dir.dir, ...args]);
    const list = await cli('--json', 'token', 'list');
    const { tokens } = json<{ tokens: { mint: string; verdict: string; allowed: boolean }[] }>(list);
    expect(tokens.find((t) => t.mint === made['FRZ']!.mint)).toMatchObject({ verdict: 'warn', allowed: true });
    expect(tokens.find((t) => t.mint === made['DFZ']!.mint)).toMatchObject({ verdict: 'refuse' });

    const shown = await cli('token', 'show', sym('MNT'));
    expect(shown.code, shown.stderr).toBe(0);
    const human = await cli('token', 'list');
    expect(human.code, human.stderr).toBe(0);
    // Human words only: no base units, user ids or raw JSON in what a person reads.
    expect(findLeaks(shown.stdout + human.stdout + (await cli('sandbox', 'token', 'list')).stdout)).toEqual([]);
    expect(shown.stdout).toMatch(/WARN The issuer can still create new tokens at will/u);
    expect(shown.stdout).toMatch(/harvest token allow/u);

    const allowed = await cli('token', 'allow', made['MNT']!.mint);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/warnings accepted; it may be bought now/u);
    // The CLI takes a pasted mint wherever it takes TOKEN: a buy of the token just allowed.
    const order = await cli('--json', 'order', 'tia', 'buy', made['MNT']!.mint, '5');
    expect(order.code, order.stderr).toBe(0);
    expect(json<{ status: string; message: string | null }>(order)).toMatchObject({ status: 'confirmed' });
    const refused = await cli('token', 'allow', made['NT']!.mint);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot be transferred at all/u);

    await open();
    expect(tokenByMint(made['MNT']!.mint)?.symbol).toBe(sym('MNT'));
    expect(engine.store.tokens.get(made['MNT']!.mint)).toMatchObject({ allowedBy: expect.any(String) });
    // The bought position is still valued after the restart.
    const { positions } = await engine.execute('positions.list', { user: 'tia', status: 'open' });
    expect(positions.find((x) => x.mint === made['FRZ']!.mint)?.price).toBeGreaterThan(0.45);
  }, 60_000);
});
