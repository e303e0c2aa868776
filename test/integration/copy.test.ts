/**
 * Copy trading (issue 16) on real parts: an engine on a SQLite file, its
 * sandbox (LiteSVM) behind real HTTP JSON-RPC and the Jupiter-compatible swap
 * API, leader swaps read from the chain through the ordinary chain client,
 * copies through the one execution path. A friend follows a friend; another
 * follows the sandbox whale (a wallet outside Harvest).
 */
import { createNoopSigner, type Address } from '@solana/kit';
import {
  getCreateAssociatedTokenIdempotentInstruction,
  getMintToInstruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyRepo } from '../../engine/copy';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import { Sandbox, SANDBOX_TOKENS } from '../../engine/sandbox';
import { PlayKey } from '../../engine/sandbox/play-keys';
import { associatedTokenAddress, mintAccountData } from '../../engine/sandbox/tokens';
import { sendAs } from '../../engine/sandbox/tx-build';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { permissiveRisk } from '../helpers/risk';
import { randomSecretKey } from './support';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
const ids: Record<string, number> = {};

async function open(): Promise<void> {
  engine = openEngine(dir.dir, { clock });
  funds = await engine.funds();
  await funds.refreshPrices();
}

function addFriend(name: string): { id: number; address: Address } {
  const u = engine.users.add(name, 'test');
  const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
  ids[name] = u.id;
  return { id: u.id, address: w.address as Address };
}

const repo = (): CopyRepo => new CopyRepo(engine.store.db);
const copyIntents = (userId: number) => engine.store.intents.list(userId, 1000).filter((i) => i.context === 'copy');
/** Moves past the chain client's 1 s read cache, so the next read sees what just landed. */
const tick = (): void => clock.advance(1_500);

beforeAll(async () => {
  dir = tempDataDir('hv-copy-');
  await open();
  expect(funds.net.sandbox).toBeInstanceOf(Sandbox);
  addFriend('lea');
  await permissiveRisk(engine, 'lea');
  await engine.execute('settings.set', { user: 'lea', key: 'mode', value: 'live', confirm: true });
  await engine.execute('funds.faucet', { user: 'lea', sol: '5', token: 'USDC', amount: '1000' });
  // Followers trade paper accounts ($1,000 of USDC each): fast, and as real as the execution path goes.
  for (const n of ['fay', 'fox']) {
    addFriend(n);
    await permissiveRisk(engine, n);
  }
}, 90_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('a friend follows a friend', () => {
  it('refuses to follow oneself and an unknown leader, with words a person can act on', async () => {
    await expect(engine.execute('copy.follow', { user: 'lea', leader: 'lea', sizing: 'proportional' })).rejects.toThrow(
      /own wallet/u,
    );
    await expect(
      engine.execute('copy.follow', { user: 'fay', leader: 'nobody', sizing: 'proportional' }),
    ).rejects.toThrow(/neither a friend's name nor a Solana address/u);
    await expect(engine.execute('copy.follow', { user: 'fay', leader: 'lea', sizing: 'fixed' })).rejects.toThrow(
      /--fixed-usd/u,
    );
  });

  it("copies a buy with proportional sizing: the leader's share of its equity, of the follower's", async () => {
    const f = await engine.execute('copy.follow', { user: 'fay', leader: 'lea', sizing: 'proportional' });
    expect(f).toMatchObject({ user: 'fay', leaderName: 'lea', sizing: 'proportional', copySells: true });
    tick();
    const buy = await engine.execute('orders.submit', { user: 'lea', side: 'buy', token: 'WETH', amount: '100' });
    expect(buy.status).toBe('confirmed');
    tick();
    await funds.refreshPrices();
    const r = await funds.copy.poll();
    expect(r).toMatchObject({ copied: 1, refused: 0, failed: 0, errors: 0 });

    const [intent] = copyIntents(ids['fay']!);
    expect(intent).toMatchObject({ side: 'buy', inputMint: USDC.mint, outputMint: WETH.mint, status: 'confirmed' });
    // Expected: $100 of the leader's equity now (valued at the same trusted prices), of the follower's $1,000.
    const [b] = await funds.net.chain.getBalances(
      [engine.store.wallets.byUser(ids['lea']!)!.address as Address],
      [
        { mint: USDC.mint, tokenProgram: USDC.tokenProgram!, decimals: 6 },
        { mint: WETH.mint, tokenProgram: WETH.tokenProgram!, decimals: 8 },
      ],
    );
    const px = (m: string) => funds.prices.price(m)!;
    const leaderEquity =
      (Number(b!.lamports) / 1e9) * px(tokenBySymbol('SOL')!.mint) +
      Number(b!.tokens.get(USDC.mint)!) / 1e6 +
      (Number(b!.tokens.get(WETH.mint)!) / 1e8) * px(WETH.mint);
    const expectedUsd = (100 / leaderEquity) * 1000;
    expect(Number(intent!.amount) / 1e6).toBeCloseTo(expectedUsd, 1);

    const [row] = (await engine.execute('copy.trades', { user: 'fay' })).trades;
    expect(row).toMatchObject({ user: 'fay', leaderName: 'lea', side: 'buy', token: 'WETH', outcome: 'copied' });
    expect(row!.signature).toBe(buy.signature);
  });

  it('a leader sell sells the same share of what the copy bought', async () => {
    const held = repo().holding(repo().follows(ids['fay']!)[0]!.id, 'sandbox', WETH.mint);
    expect(held).toBeGreaterThan(0n);
    const leaderPos = engine.store.portfolio.openPosition(ids['lea']!, 'sandbox', WETH.mint)!;
    // A third of the leader's WETH, in whole tokens.
    const sold = leaderPos.quantity / 3n;
    tick();
    const sell = await engine.execute('orders.submit', {
      user: 'lea',
      side: 'sell',
      token: 'WETH',
      amount: (Number(sold) / 1e8).toFixed(8),
    });
    expect(sell.status).toBe('confirmed');
    tick();
    await funds.refreshPrices();
    expect(await funds.copy.poll()).toMatchObject({ copied: 1 });
    const s = copyIntents(ids['fay']!).find((i) => i.side === 'sell')!;
    expect(s).toMatchObject({ status: 'confirmed', inputMint: WETH.mint });
    // held × sold / held before, to the base unit.
    expect(s.amount).toBe((held * sold) / leaderPos.quantity);
    const f = repo().follows(ids['fay']!)[0]!;
    expect(repo().holding(f.id, 'sandbox', WETH.mint)).toBe(held - s.amount);
  });

  it('copies each leader trade exactly once: duplicate polls, a lost cursor and a restart copy nothing again', async () => {
    const before = copyIntents(ids['fay']!).length;
    const rows = repo().trades({ userId: ids['fay']! }).length;
    // Two notifications at once (a poll and a duplicate) and one more after.
    const [a, b] = await Promise.all([funds.copy.poll(), funds.copy.poll()]);
    expect(a).toBe(b);
    await funds.copy.poll();
    // The leader's history read again from the start (a lost cursor): every trade is known already.
    engine.store.db.prepare('DELETE FROM copy_cursors').run();
    expect(await funds.copy.poll()).toMatchObject({ copied: 0, skipped: 0, refused: 0 });
    await engine.close();
    await open();
    expect(await funds.copy.poll()).toMatchObject({ copied: 0, skipped: 0, refused: 0 });
    expect(copyIntents(ids['fay']!)).toHaveLength(before);
    expect(repo().trades({ userId: ids['fay']! })).toHaveLength(rows);
  }, 60_000);

  it('a copy the engine planned but never sent (a crash) is sent once at the next start, not twice', async () => {
    tick();
    await engine.execute('orders.submit', { user: 'lea', side: 'buy', token: 'WETH', amount: '20' });
    tick();
    await funds.refreshPrices();
    // Simulate a crash between the write-ahead plan and the order: the row is pending, no intent exists.
    const exec = funds.exec as unknown as { submit: (o: unknown) => Promise<unknown> };
    const real = exec.submit.bind(exec);
    exec.submit = () => Promise.reject(new Error('crash before the order was sent'));
    await funds.copy.poll().catch(() => undefined);
    exec.submit = real;
    const pending = repo().pending('sandbox');
    expect(pending).toHaveLength(1);
    expect(engine.store.intents.byClientId(ids['fay']!, pending[0]!.clientId!)).toBeNull();
    await engine.close();
    await open();
    const r = await funds.copy.poll();
    expect(r.copied).toBe(1);
    expect(
      engine.store.intents.list(ids['fay']!, 1000).filter((i) => i.clientId === pending[0]!.clientId),
    ).toHaveLength(1);
    expect(await funds.copy.poll()).toMatchObject({ copied: 0 });
  }, 60_000);

  it("a refusal by the follower's risk gate is recorded with its reason; nothing is bought", async () => {
    await engine.execute('controls.pause', { user: 'fay' });
    const n = copyIntents(ids['fay']!).filter((i) => i.status === 'confirmed').length;
    tick();
    await engine.execute('orders.submit', { user: 'lea', side: 'buy', token: 'WETH', amount: '10' });
    tick();
    await funds.refreshPrices();
    expect(await funds.copy.poll()).toMatchObject({ refused: 1, copied: 0 });
    const [row] = (await engine.execute('copy.trades', { user: 'fay', limit: 1 })).trades;
    expect(row).toMatchObject({ outcome: 'refused', side: 'buy' });
    expect(row!.reason).toMatch(/PAUSED_USER/u);
    expect(copyIntents(ids['fay']!).filter((i) => i.status === 'confirmed')).toHaveLength(n);
    const ev = engine.store.events.list({ type: 'copy.trade', userId: ids['fay']!, limit: 1 })[0]!;
    expect(ev).toMatchObject({ severity: 'warning', payload: expect.objectContaining({ outcome: 'refused' }) });
    await engine.execute('controls.resume', { user: 'fay' });
  });
});

describe('a friend follows an outside wallet (the sandbox whale)', () => {
  it('copies the whale with a fixed USD size, and a whale sell sells the copy', async () => {
    const status = await engine.execute('sandbox.whale', { action: 'status' });
    expect(status.enabled).toBe(false);
    expect(engine.store.wallets.byAddress(status.address)).toBeNull();
    await engine.execute('copy.follow', {
      user: 'fox',
      leader: status.address,
      sizing: 'fixed',
      fixedUsd: 20,
      maxUsd: 15,
    });
    const bought = await engine.execute('sandbox.whale', { action: 'trade' });
    expect(bought.lastTrade!.side).toBe('buy');
    tick();
    await funds.refreshPrices();
    expect(await funds.copy.poll()).toMatchObject({ copied: 1 });
    const [buy] = copyIntents(ids['fox']!);
    // $20 asked, $15 at most per trade.
    expect(buy).toMatchObject({ side: 'buy', amount: 15_000_000n, status: 'confirmed' });
    const [row] = (await engine.execute('copy.trades', { user: 'fox' })).trades;
    expect(row).toMatchObject({
      leaderName: null,
      leader: status.address,
      outcome: 'copied',
      token: bought.lastTrade!.token.toUpperCase(),
    });

    const sold = await engine.execute('sandbox.whale', { action: 'trade' });
    expect(sold.lastTrade!.side).toBe('sell');
    tick();
    await funds.refreshPrices();
    const r = await funds.copy.poll();
    expect(r.copied + r.skipped).toBe(1);
    const last = (await engine.execute('copy.trades', { user: 'fox', limit: 1 })).trades[0]!;
    // The whale may sell something it held before the follow began: that is not the copy's to sell.
    if (sold.lastTrade!.token === bought.lastTrade!.token) expect(last.outcome).toBe('copied');
    else expect(last).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/holds none/u) });
  });

  it('the whale answers over HTTP too (what `harvest sandbox whale` uses when the sandbox runs apart)', async () => {
    const url = (funds.net.sandbox as Sandbox).swapApiUrl;
    const post = (body: unknown) =>
      fetch(`${url}/sandbox/whale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post({ action: 'dance' })).status).toBe(400);
    const bad = await post({ action: 'start', config: { tokens: ['USDC'] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/SOL, WETH or WBTC/u);
    const started = (await (await post({ action: 'start', config: { everySec: 3600, usd: 10 } })).json()) as {
      enabled: boolean;
      everySec: number;
    };
    expect(started).toMatchObject({ enabled: true, everySec: 3600 });
    expect(await engine.execute('sandbox.whale', { action: 'stop' })).toMatchObject({
      enabled: false,
      everySec: 3600,
      usd: 10,
    });
  });

  it('after downtime, catches up and skips trades older than the maximum age, each with its reason', async () => {
    await engine.execute('copy.follow', {
      user: 'fox',
      leader: (await engine.execute('sandbox.whale', { action: 'status' })).address,
      sizing: 'fixed',
      fixedUsd: 5,
      maxAgeSec: 60,
    });
    const rows = repo().trades({ userId: ids['fox']! }).length;
    await engine.close();
    // The chain moves on without the engine: the sandbox alone, and the whale trades twice.
    const alone = await Sandbox.startForDataDir({ dataDir: dir.dir, clock, log: silentLogger });
    const t1 = await alone.whaleWallet.tradeOnce();
    clock.advance(10_000);
    const t2 = await alone.whaleWallet.tradeOnce();
    await alone.close();
    clock.advance(10 * 60_000);
    await open();
    const r = await funds.copy.poll();
    expect(r.copied).toBe(0);
    const seen = repo()
      .trades({ userId: ids['fox']! })
      .slice(0, repo().trades({ userId: ids['fox']! }).length - rows);
    expect(new Set(seen.map((t) => t.signature))).toEqual(new Set([t1.signature, t2.signature]));
    for (const t of seen) {
      expect(t.outcome).toBe('skipped');
      expect(t.reason).toMatch(/over this follow's 60 s maximum age/u);
    }
  }, 60_000);

  it('unfollowing stops copying; the list and the history stay readable', async () => {
    const whale = (await engine.execute('sandbox.whale', { action: 'status' })).address;
    expect((await engine.execute('copy.list', { user: 'fox' })).follows).toHaveLength(1);
    expect(await engine.execute('copy.unfollow', { user: 'fox', leader: whale })).toMatchObject({ ended: true });
    expect((await engine.execute('copy.list', { user: 'fox' })).follows).toHaveLength(0);
    const n = repo().trades({ userId: ids['fox']! }).length;
    await engine.execute('sandbox.whale', { action: 'trade' });
    tick();
    await funds.copy.poll();
    expect(repo().trades({ userId: ids['fox']! })).toHaveLength(n);
  });
});

describe('a token Harvest does not know', () => {
  it('is added by its mint and checked; a token with no route is not copied, with the reason', async () => {
    const sandbox = funds.net.sandbox as Sandbox;
    const ledger = sandbox.ledger;
    const leader = PlayKey.generate();
    const issuer = PlayKey.generate();
    await sandbox.fund(leader.address, {
      lamports: 2_000_000_000n,
      tokens: [{ mint: USDC.mint, amount: 50_000_000n }],
    });
    await sandbox.fund(issuer.address, { lamports: 1_000_000_000n, tokens: [] });
    // A new token nobody lists: its mint written at genesis-style, everything after through real transactions.
    const mint = PlayKey.generate().address;
    const fake = { ...SANDBOX_TOKENS.find((t) => t.symbol === 'USDC')!, mint, symbol: 'MYST' };
    const data = mintAccountData(fake, issuer.address);
    ledger.setAccount({
      address: mint,
      lamports: ledger.minimumBalanceForRentExemption(BigInt(data.length)),
      owner: fake.tokenProgram,
      data,
      executable: false,
    });
    const f = await engine.execute('copy.follow', {
      user: 'fox',
      leader: leader.address,
      sizing: 'fixed',
      fixedUsd: 5,
    });
    expect(f.leaderName).toBeNull();
    tick();
    // An OTC swap: the leader pays 20 USDC to the issuer and receives 1,000 MYST, in one transaction.
    const usdc = SANDBOX_TOKENS.find((t) => t.symbol === 'USDC')!;
    const payer = createNoopSigner(leader.address);
    const leaderMyst = await associatedTokenAddress(leader.address, fake);
    const issuerUsdc = await associatedTokenAddress(issuer.address, usdc);
    const signature = sendAs(
      ledger,
      leader,
      [
        getCreateAssociatedTokenIdempotentInstruction({
          payer,
          ata: leaderMyst,
          owner: leader.address,
          mint,
          tokenProgram: fake.tokenProgram,
        }),
        getCreateAssociatedTokenIdempotentInstruction({
          payer,
          ata: issuerUsdc,
          owner: issuer.address,
          mint: usdc.mint,
          tokenProgram: usdc.tokenProgram,
        }),
        getMintToInstruction({
          mint,
          token: leaderMyst,
          mintAuthority: createNoopSigner(issuer.address),
          amount: 1_000_000_000n,
        }),
        getTransferCheckedInstruction({
          source: await associatedTokenAddress(leader.address, usdc),
          mint: usdc.mint,
          destination: issuerUsdc,
          authority: payer,
          amount: 20_000_000n,
          decimals: 6,
        }),
      ],
      [issuer],
    );
    tick();
    await funds.refreshPrices();
    expect(await funds.copy.poll()).toMatchObject({ copied: 0 });
    // The leader's unknown mint joined the registry (read from the chain), and its checks refuse it.
    expect(engine.store.tokens.get(mint)).toMatchObject({ decimals: 6, verdict: 'refuse' });
    const [row] = (await engine.execute('copy.trades', { user: 'fox', limit: 1 })).trades;
    expect(row, row!.reason ?? '').toMatchObject({ signature, side: 'buy', outcome: 'skipped' });
    expect(row!.reason).toMatch(/is refused: No swap route for a \$100 buy/u);
  });
});
