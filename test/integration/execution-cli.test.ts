/**
 * The execution CLI (issue #4, item 8) in real child processes against a
 * sandbox run by `harvest sandbox start`: orders, positions, trades, pause /
 * resume, halt, and the emergency close-all, all with --json. The setup (a
 * user with a funded live wallet) is done in-process to keep the number of
 * spawns small; every command under test is a real `harvest` process.
 */
import type { ChildProcess } from 'node:child_process';
import type { Address } from '@solana/kit';
import { findAssociatedTokenPda } from '@solana-program/token';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../engine/api';
import { findLeaks } from '../../engine/api/human-text';
import { systemClock } from '../../engine/kernel/clock';
import { formatUnits, tokenBySymbol, type TokenInfo } from '../../engine/market';
import type { Engine } from '../../engine/runtime';
import { openEngine } from '../helpers/engine';
import {
  describeRun,
  hv,
  jsonUserError,
  ok,
  oneJson,
  randomSecretKey,
  startSandbox as startSandboxProcess,
  useDataDirs,
} from './support';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;

type Outcome = CommandOutput<'orders.submit'>;

const running: { child: ChildProcess; exited: Promise<unknown> }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGTERM');
      await r.exited;
    }
  }
});
const dataDir = useDataDirs();

/** `harvest sandbox start` in the background, until its ready line. */
async function startSandbox(dir: string): Promise<{ rpcUrl: string; swapApiUrl: string }> {
  const s = await startSandboxProcess(dir);
  running.push({ child: s.child, exited: s.exited });
  return s.ready;
}

async function tokenBalance(rpcUrl: string, owner: Address, token: TokenInfo): Promise<bigint> {
  const [ata] = await findAssociatedTokenPda({ owner, mint: token.mint, tokenProgram: token.tokenProgram! });
  const call = async <T>(method: string, params: unknown[]): Promise<T> => {
    const r = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await r.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const info = await call<{ value: unknown }>('getAccountInfo', [ata, { encoding: 'base64' }]);
  if (info.value === null) return 0n;
  return BigInt((await call<{ value: { amount: string } }>('getTokenAccountBalance', [ata])).value.amount);
}

/** In-process (no spawn): a user with an imported wallet, live, funded through the running sandbox's faucet. */
async function liveUser(dir: string, name: string): Promise<Address> {
  const engine: Engine = openEngine(dir, { clock: systemClock });
  try {
    const u = engine.users.add(name, 'test');
    const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
    await engine.execute('settings.set', { user: name, key: 'mode', value: 'live', confirm: true });
    const f = await engine.execute('funds.faucet', { user: name, sol: '2', token: 'USDC', amount: '1000' });
    expect(f.balances.lamports).toBe('2000000000');
    return w.address as Address;
  } finally {
    await engine.close();
  }
}

describe('harvest order / positions / trades / pause / resume / halt / close-all', () => {
  it('trades live from the command line, and the controls answer in JSON', async () => {
    const dir = dataDir();
    const sb = await startSandbox(dir); // spawn 1
    const ana = await liveUser(dir, 'ana');
    const weth = (): Promise<bigint> => tokenBalance(sb.rpcUrl, ana, WETH);
    const usdc = (): Promise<bigint> => tokenBalance(sb.rpcUrl, ana, USDC);

    // Buy 100 USDC of WETH.
    const bought = ok<Outcome>(await hv(dir, ['--json', 'order', 'ana', 'buy', 'WETH', '100'])); // 2
    expect(bought).toMatchObject({ status: 'confirmed', code: null, message: null, inAmount: '100000000' });
    expect(bought.signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    const out = BigInt(bought.outAmount!);
    expect(await weth()).toBe(out);
    expect(await usdc()).toBe(900_000_000n);

    // Sell half of it (AMOUNT in WETH).
    const half = out / 2n;
    const sold = ok<Outcome>(
      await hv(dir, [
        '--json',
        'order',
        'ana',
        'sell',
        'WETH',
        formatUnits(half, WETH.decimals),
        '--slippage-bps',
        '100',
      ]),
    ); // 3
    expect(sold).toMatchObject({ status: 'confirmed', inAmount: half.toString() });
    expect(await weth()).toBe(out - half);
    expect(await usdc()).toBe(900_000_000n + BigInt(sold.outAmount!));

    const positions = ok<CommandOutput<'positions.list'>>(await hv(dir, ['--json', 'positions', 'ana'])); // 4
    expect(positions.positions).toHaveLength(1);
    const p = positions.positions[0]!;
    const released = (100_000_000n * half) / out;
    expect(p).toMatchObject({
      symbol: 'WETH',
      quoteSymbol: 'USDC',
      status: 'open',
      quantity: (out - half).toString(),
      costBasis: (100_000_000n - released).toString(),
      realizedPnl: (BigInt(sold.outAmount!) - released).toString(),
      stuck: false,
    });
    // The average entry is the remaining cost over the remaining quantity: still the buy's price, to rounding.
    expect(p.averageEntryPrice).toBeCloseTo(Number(p.costBasis) / 1e6 / (Number(p.quantity) / 1e8), 9);
    expect(Math.abs(p.averageEntryPrice! / (100 / (Number(out) / 1e8)) - 1)).toBeLessThan(1e-6);
    expect(p.unrealizedPnl).not.toBeNull(); // marked at the live feed

    const trades = ok<CommandOutput<'trades.list'>>(await hv(dir, ['--json', 'trades', 'ana'])); // 5
    expect(trades.trades.map((t) => [t.side, t.symbol, t.context, t.venue, t.signature]).sort()).toEqual(
      [
        ['buy', 'WETH', 'manual', 'jupiter', bought.signature],
        ['sell', 'WETH', 'manual', 'jupiter', sold.signature],
      ].sort(),
    );
    expect(trades.trades.find((t) => t.side === 'sell')).toMatchObject({
      baseAmount: half.toString(),
      quoteAmount: sold.outAmount,
    });

    // A user pause: entries refused (exit 1, the code in the JSON), nothing bought.
    expect(
      ok<CommandOutput<'controls.pause'>>(await hv(dir, ['--json', 'pause', 'ana', '--reason', 'holiday'])),
    ).toMatchObject({ paused: true, reason: 'holiday' }); // 6
    const paused = await hv(dir, ['--json', 'order', 'ana', 'buy', 'WETH', '10']); // 7
    expect(paused.code, describeRun(paused)).toBe(1);
    expect(oneJson<Outcome>(paused)).toMatchObject({ status: 'rejected', code: 'PAUSED_USER' });
    // The refusal, as a person reads it: the friend by name, the token, what to do; no id (issue #17).
    const pausedText = await hv(dir, ['order', 'ana', 'buy', 'WETH', '10']); // 7b
    const said = pausedText.stdout + pausedText.stderr;
    expect(said).toMatch(/ana is paused \(holiday\), so ana's buy of WETH was refused/u);
    expect(said).toContain('harvest resume ana');
    expect(said).not.toMatch(/this user/iu);
    expect(findLeaks(said), said).toEqual([]);
    expect(ok<CommandOutput<'controls.resume'>>(await hv(dir, ['--json', 'resume', 'ana']))).toMatchObject({
      paused: false,
      halted: false,
    }); // 8

    // A halt, persisted by one process and honoured by the next: the order is refused before anything is signed.
    expect(ok<CommandOutput<'controls.halt'>>(await hv(dir, ['--json', 'halt', '--reason', 'incident']))).toMatchObject(
      { halted: true, reason: 'incident' },
    ); // 9
    const halted = await hv(dir, ['--json', 'order', 'ana', 'buy', 'WETH', '10']); // 10
    expect(halted.code, describeRun(halted)).toBe(1);
    expect(oneJson<Outcome>(halted)).toMatchObject({ status: 'rejected', code: 'HALTED', signature: null });
    expect(await usdc()).toBe(900_000_000n + BigInt(sold.outAmount!));
    expect(ok<CommandOutput<'controls.resume'>>(await hv(dir, ['--json', 'resume']))).toMatchObject({
      paused: false,
      halted: false,
    }); // 11

    // close-all without --confirm: refused, nothing sold.
    jsonUserError(
      await hv(dir, ['--json', 'close-all', 'ana']),
      'CONFIRMATION_REQUIRED',
      /pauses this user's strategy entries until you resume them.*--confirm/u,
    ); // 12
    expect(await weth()).toBe(out - half);

    // close-all --confirm: every position sold at the market through the same path.
    const closed = ok<CommandOutput<'positions.closeAll'>>(await hv(dir, ['--json', 'close-all', 'ana', '--confirm'])); // 13
    expect(closed.results).toHaveLength(1);
    expect(closed.entriesPaused).toBe(true);
    expect(closed.results[0]).toMatchObject({
      positionId: p.id,
      outcome: { status: 'confirmed', inAmount: (out - half).toString() },
    });
    expect(await weth()).toBe(0n);

    // The journal, read in-process afterwards: the emergency close is a trade of context 'emergency', and audited.
    const engine = openEngine(dir, { clock: systemClock });
    try {
      const uid = engine.users.resolve('ana').id;
      expect(engine.store.portfolio.positions(uid, { status: 'open' })).toHaveLength(0);
      const last = engine.store.portfolio.trades(uid, { limit: 10 }).sort((a, b) => b.id - a.id)[0]!;
      expect(last).toMatchObject({ context: 'emergency', side: 'sell', baseAmount: out - half });
      const audit = engine.store.audit.list({ userId: uid, limit: 100 }).map((r) => r.action);
      expect(audit).toContain('positions.closeAll');
      // pause, resume, halt, resume, and the pause close-all leaves on ana's entries.
      expect(engine.store.audit.list({ limit: 100 }).filter((r) => r.action === 'controls.changed')).toHaveLength(5);
      expect(engine.controls.user(uid)).toMatchObject({ paused: true, reason: expect.stringMatching(/^close-all/u) });
    } finally {
      await engine.close();
    }
  }, 45_000);
});
