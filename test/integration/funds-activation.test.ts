/**
 * Activation over the sandbox (issue #3, item 4): a refreshed balance that
 * crosses the user's minimum (default 0.01 SOL) emits user.activated or
 * user.deactivated exactly once per crossing, recorded in the events table and
 * surviving a restart; users below the minimum are simply inactive.
 */
import { generateKeyPairSigner, type Address } from '@solana/kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../engine/api/events';
import { isoTime, type ManualClock } from '../../engine/kernel/clock';
import type { Engine } from '../../engine/runtime';
import { Sandbox } from '../../engine/sandbox';
import { openEngine } from '../helpers/engine';
import { tempDataDir } from '../helpers/datadir';
import { addUser, eventsOf, PAST_CACHE_MS, type FundsWorld } from './funds-support';

const MIN = 10_000_000n;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** An engine over a data directory that outlives it (so it can be reopened), on the sandbox. */
async function open(dir: string): Promise<FundsWorld> {
  const engine = openEngine(dir);
  const funds = await engine.funds();
  expect(funds.net.sandbox).toBeInstanceOf(Sandbox);
  return {
    dir,
    engine,
    clock: engine.clock as ManualClock,
    funds,
    sandbox: funds.net.sandbox as Sandbox,
    close: () => engine.close(),
  };
}

function activation(engine: Engine, userId: number): string[] {
  return engine.store.events
    .list({ userId, limit: 1000 })
    .reverse()
    .map((e) => e.type)
    .filter((t) => t === 'user.activated' || t === 'user.deactivated');
}

describe('activation against the sandbox', () => {
  it('one user.activated when funded above the minimum, none on later refreshes (even after a restart), one user.deactivated when withdrawn below, and back', async () => {
    const t = tempDataDir('hv-activation-');
    cleanups.push(t.cleanup);
    let w = await open(t.dir);
    cleanups.push(() => w.close());
    const heard: EngineEvent[] = [];
    w.engine.bus.subscribe((e) => heard.push(e));

    const ana = addUser(w.engine, 'ana');
    const refresh = async () => {
      w.clock.advance(PAST_CACHE_MS);
      return (await w.engine.execute('wallet.balances', { user: 'ana' })).balances[0]!;
    };
    // Nothing on chain yet: inactive, and no event for staying inactive.
    expect(await refresh()).toMatchObject({ lamports: '0', active: false, minimumLamports: MIN.toString() });
    expect(activation(w.engine, ana.id)).toEqual([]);

    await w.sandbox.fund(ana.address, { lamports: 20_000_000n, tokens: [] });
    expect(await refresh()).toMatchObject({ lamports: '20000000', active: true });
    expect(activation(w.engine, ana.id)).toEqual(['user.activated']);
    expect(eventsOf(w.engine, 'user.activated', ana.id)).toEqual([
      { userId: ana.id, payload: { balanceLamports: '20000000', minimumLamports: MIN.toString() } },
    ]);
    expect(heard.filter((e) => e.type === 'user.activated')).toHaveLength(1);
    expect(w.engine.store.users.isActive(ana.id)).toBe(true);

    // Refreshing again, with more money, changes nothing.
    await refresh();
    await w.sandbox.fund(ana.address, { lamports: 5_000_000n, tokens: [] });
    expect(await refresh()).toMatchObject({ lamports: '25000000', active: true });
    expect(activation(w.engine, ana.id)).toEqual(['user.activated']);

    // The state is in the database: a restarted engine does not announce it again.
    await w.close();
    w = await open(t.dir);
    expect(await refresh()).toMatchObject({ lamports: '25000000', active: true });
    expect(activation(w.engine, ana.id)).toEqual(['user.activated']);

    // Withdraw below the minimum: 25,000,000 - 15,000,000 - fee < 10,000,000.
    const to = (await generateKeyPairSigner()).address;
    await w.engine.execute('whitelist.add', { user: 'ana', address: to });
    w.clock.advance(PAST_CACHE_MS);
    const r = await w.engine.execute('funds.withdraw', {
      user: 'ana',
      to,
      amount: '0.015',
      token: 'SOL',
      confirm: true,
    });
    expect(r.outcome).toBe('confirmed');
    expect(activation(w.engine, ana.id)).toEqual(['user.activated', 'user.deactivated']);
    const [down] = eventsOf(w.engine, 'user.deactivated', ana.id);
    expect(BigInt(down!.payload['balanceLamports'] as string)).toBeLessThan(MIN);
    expect(await refresh()).toMatchObject({ active: false });
    await refresh();
    expect(activation(w.engine, ana.id)).toEqual(['user.activated', 'user.deactivated']);

    // And back up: the round trip ends where it started, one event per crossing.
    await w.sandbox.fund(ana.address, { lamports: MIN, tokens: [] });
    expect(await refresh()).toMatchObject({ active: true });
    await refresh();
    expect(activation(w.engine, ana.id)).toEqual(['user.activated', 'user.deactivated', 'user.activated']);
  });

  it('users below their minimum are refreshed and left inactive, not errored; exactly the minimum is enough', async () => {
    const t = tempDataDir('hv-activation-');
    cleanups.push(t.cleanup);
    const w = await open(t.dir);
    cleanups.push(() => w.close());

    const grants: Record<string, bigint> = { exact: MIN, under: MIN - 1n, none: 0n, rich: 5n * MIN, picky: 4n * MIN };
    const users = new Map<string, { id: number; address: Address }>();
    for (const [name, lamports] of Object.entries(grants)) {
      const u = addUser(w.engine, name);
      users.set(name, u);
      if (lamports > 0n) await w.sandbox.fund(u.address, { lamports, tokens: [] });
    }
    // A user who wants 0.05 SOL before trading.
    const picky = users.get('picky')!;
    const s = w.engine.store.settings.get(picky.id)!;
    w.engine.store.settings.update(
      picky.id,
      s.version,
      { ...(s.settings as object), minTradingBalanceLamports: String(5n * MIN) },
      isoTime(w.clock),
    );

    w.clock.advance(PAST_CACHE_MS);
    const out = await w.engine.execute('wallet.balances', {});
    const byName = new Map([...users].map(([name, u]) => [name, out.balances.find((b) => b.userId === u.id)!]));
    expect(out.balances).toHaveLength(5);
    expect(Object.fromEntries([...byName].map(([n, b]) => [n, b.active]))).toEqual({
      exact: true,
      under: false,
      none: false,
      rich: true,
      picky: false,
    });
    expect(byName.get('picky')!.minimumLamports).toBe(String(5n * MIN));
    for (const [name, u] of users) {
      expect(byName.get(name)!.lamports).toBe(grants[name]!.toString());
      expect(activation(w.engine, u.id)).toEqual(
        grants[name]! >= (name === 'picky' ? 5n * MIN : MIN) ? ['user.activated'] : [],
      );
    }
    expect(eventsOf(w.engine, 'user.deactivated')).toEqual([]);
  });
});
