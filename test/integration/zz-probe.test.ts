import { it, expect } from 'vitest';
import type { Address } from '@solana/kit';
import { openEngine } from '../helpers/engine';
import { tempDataDir } from '../helpers/datadir';
import { randomSecretKey } from './support';
import { tokenBySymbol } from '../../engine/market';
import type { Sandbox } from '../../engine/sandbox';

it('probe', async () => {
  const t = tempDataDir('hv-probe-');
  const engine = openEngine(t.dir);
  try {
    let t0 = performance.now();
    const f = await engine.funds();
    console.log('funds', performance.now() - t0);
    const u = engine.users.add('ana', 'test');
    const key = randomSecretKey();
    const w = engine.wallets.import(u.id, { secretKey: key.base58 }, 'test');
    const USDC = tokenBySymbol('USDC')!;
    const WETH = tokenBySymbol('WETH')!;
    await f.net.faucet!.fund(w.address, { lamports: 2_000_000_000n, tokens: [{ mint: USDC.mint, amount: 1000_000_000n }] });
    await engine.execute('settings.set', { user: 'ana', key: 'mode', value: 'live' });
    await f.refreshPrices();
    t0 = performance.now();
    const o = await f.exec.submit({ userId: u.id, side: 'buy', inputMint: USDC.mint, outputMint: WETH.mint, amount: 100_000_000n, context: 'manual', clientId: 'c1', slippageBps: 50 });
    console.log('order', performance.now() - t0, o);
    const o2 = await f.exec.submit({ userId: u.id, side: 'buy', inputMint: USDC.mint, outputMint: tokenBySymbol('SOL')!.mint, amount: 100_000_000n, context: 'manual', clientId: 'c2', slippageBps: 50 });
    console.log(o2);
    const sb = f.net.sandbox as Sandbox;
    console.log(sb.rpc.callCounts());
    console.log(engine.store.portfolio.positions(u.id));
    expect(o.status).toBe('confirmed');
  } finally {
    await engine.close();
    t.cleanup();
  }
});
