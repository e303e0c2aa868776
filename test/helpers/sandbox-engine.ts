import type { Address } from '@solana/kit';
import type { ChainClient } from '../../engine/chain';
import { tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import type { Sandbox } from '../../engine/sandbox';
import { tempDataDir } from './datadir';
import { openEngine } from './engine';
import { permissiveRisk } from './risk';
import { randomSecretKey } from '../integration/support';

/** An engine on a fresh data folder (the real keychain), connected to its in-process sandbox, prices read. */
export async function openSandboxEngine(prefix: string): Promise<{
  dir: { dir: string; cleanup: () => void };
  engine: Engine;
  funds: Funds;
  sandbox: Sandbox;
  chain: ChainClient;
}> {
  const dir = tempDataDir(prefix);
  const engine = openEngine(dir.dir);
  const funds = await engine.funds();
  await funds.refreshPrices();
  return { dir, engine, funds, sandbox: funds.net.sandbox as Sandbox, chain: funds.net.chain };
}

/**
 * A live friend on the sandbox: an imported key, 2 SOL and 500 USDC from the faucet, permissive risk
 * limits, then `settings` (each set with its confirmation).
 */
export async function addLiveFriend(
  engine: Engine,
  name: string,
  settings: Record<string, unknown> = {},
): Promise<{ id: number; address: Address }> {
  const sandbox = (await engine.funds()).net.sandbox!;
  const u = engine.users.add(name, 'test');
  const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
  await sandbox.fund(w.address, {
    lamports: 2_000_000_000n,
    tokens: [{ mint: tokenBySymbol('USDC')!.mint, amount: 500_000_000n }],
  });
  await permissiveRisk(engine, name);
  for (const [key, value] of Object.entries({ mode: 'live', ...settings })) {
    await engine.execute('settings.set', {
      user: name,
      key,
      value: typeof value === 'string' ? value : JSON.stringify(value),
      confirm: true,
    });
  }
  return { id: u.id, address: w.address as Address };
}
