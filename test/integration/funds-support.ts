/**
 * Shared pieces of the funds integration tests (funds-*.test.ts): an
 * in-process engine on a ManualClock whose network is an in-process sandbox
 * reached over real HTTP, and small readers for what a refusal must not touch.
 */
import type { Address } from '@solana/kit';
import { expect } from 'vitest';
import type { ManualClock } from '../../engine/kernel/clock';
import { splTokens, tokenBySymbol, type TokenInfo } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import { Sandbox } from '../../engine/sandbox';
import { openEngine } from '../helpers/engine';
import { tempDataDir } from '../helpers/datadir';
import { randomSecretKey } from './support';

export const LAMPORTS_PER_SOL = 1_000_000_000n;
export const USDC = tokenBySymbol('USDC')!;
export const PYUSD = tokenBySymbol('PYUSD')!;
export const WETH = tokenBySymbol('WETH')!;
export const WBTC = tokenBySymbol('WBTC')!;
/** Every SPL token the engine reads balances of (M in the call budget). */
export const SPL = splTokens();
export const SPL_SPECS = SPL.map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram, decimals: t.decimals }));

/** More than the chain client's read cache TTL (1 s): the next read goes to the node. */
export const PAST_CACHE_MS = 1_500;

export interface FundsWorld {
  dir: string;
  engine: Engine;
  clock: ManualClock;
  funds: Funds;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/**
 * A fresh data directory, an engine on a ManualClock, and its network
 * connected (the sandbox, started in this process on the same clock, unless
 * `before` configures something else first).
 */
export async function openFundsWorld(before?: (engine: Engine) => void): Promise<FundsWorld> {
  const t = tempDataDir('hv-funds-');
  let engine: Engine | null = null;
  try {
    engine = openEngine(t.dir);
    before?.(engine);
    const funds = await engine.funds();
    const sandbox = funds.net.sandbox;
    expect(sandbox, 'the engine should have started its own sandbox').toBeInstanceOf(Sandbox);
    const e = engine;
    return {
      dir: t.dir,
      engine: e,
      clock: e.clock as ManualClock,
      funds,
      sandbox: sandbox as Sandbox,
      close: async () => {
        try {
          await e.close();
        } finally {
          t.cleanup();
        }
      },
    };
  } catch (err) {
    await engine?.close();
    t.cleanup();
    throw err;
  }
}

/** A user with an imported wallet (fast: no BIP39 key stretching). */
export function addUser(engine: Engine, name: string): { id: number; address: Address } {
  const u = engine.users.add(name, 'test');
  const key = randomSecretKey();
  const w = engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
  expect(w.address).toBe(key.address);
  return { id: u.id, address: w.address as Address };
}

/** What the sandbox RPC has served so far, per method (0 for a method never called). */
export function calls(sandbox: Sandbox, method: string): number {
  return sandbox.rpc.callCounts()[method] ?? 0;
}

/** Everything a refused operation must leave as it was. */
export interface Footprint {
  sendTransaction: number;
  withdrawals: number;
  audit: number;
  events: number;
  lastAudit: string | null;
}

export function footprint(w: FundsWorld): Footprint {
  const db = w.engine.store.db;
  const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  const last = db.prepare('SELECT action FROM audit_log ORDER BY id DESC LIMIT 1').get() as
    { action: string } | undefined;
  return {
    sendTransaction: calls(w.sandbox, 'sendTransaction'),
    withdrawals: n('SELECT COUNT(*) AS n FROM withdrawals'),
    audit: n('SELECT COUNT(*) AS n FROM audit_log'),
    events: n('SELECT COUNT(*) AS n FROM events'),
    lastAudit: last?.action ?? null,
  };
}

/** Audit actions for a user, oldest first. */
export function auditActions(engine: Engine, userId: number): { action: string; details: Record<string, unknown> }[] {
  return engine.store.audit
    .list({ userId, limit: 1000 })
    .reverse()
    .map((r) => ({ action: r.action, details: r.details as Record<string, unknown> }));
}

export function eventsOf(
  engine: Engine,
  type: string,
  userId?: number,
): { userId: number | null; payload: Record<string, unknown> }[] {
  return engine.store.events
    .list({ type, ...(userId !== undefined ? { userId } : {}), limit: 1000 })
    .reverse()
    .map((e) => ({ userId: e.userId, payload: e.payload as Record<string, unknown> }));
}

/** On-chain balances read fresh (past the read cache), straight from the chain client. */
export async function chainBalances(
  w: FundsWorld,
  address: Address,
): Promise<{ lamports: bigint; token: (t: TokenInfo) => bigint }> {
  w.clock.advance(PAST_CACHE_MS);
  const [b] = await w.funds.net.chain.getBalances([address], SPL_SPECS);
  return { lamports: b!.lamports, token: (t) => b!.tokens.get(t.mint) ?? 0n };
}

/**
 * Awaits `p` while moving the ManualClock forward in `stepMs` steps, so code
 * that sleeps on the clock (polls, backoff) makes progress. Bounded: fails
 * after `maxSteps` steps rather than hanging the test.
 */
export async function driveClock<T>(clock: ManualClock, p: Promise<T>, stepMs = 1_000, maxSteps = 500): Promise<T> {
  let done = false;
  const settled = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setTimeout(r, 2));
    if (!done) clock.advance(stepMs);
  }
  if (!done) throw new Error(`still pending after ${maxSteps} clock steps of ${stepMs} ms`);
  return settled;
}
