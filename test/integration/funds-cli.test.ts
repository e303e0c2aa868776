/**
 * The funds CLI (issue #3, item 5) in real child processes: `harvest sandbox
 * start` runs the sandbox on its own; one-shot commands and `harvest run`
 * join it over HTTP; its chain survives a restart of the sandbox.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPairSigner } from '@solana/kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../engine/api';
import {
  describeRun,
  hv,
  jsonUserError,
  ok,
  startEngine,
  startSandbox as startSandboxProcess,
  type RunningSandbox,
  useDataDirs,
  userError,
  type RunningEngine,
} from './support';

const running: { child: ChildProcess; exited: Promise<unknown> }[] = [];
afterEach(async () => {
  // Anything a failed test left running: stop it (by its own pid) before the data directory goes.
  for (const r of running.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }
});
const dataDir = useDataDirs();

async function startSandbox(dir: string): Promise<RunningSandbox> {
  const s = await startSandboxProcess(dir);
  running.push({ child: s.child, exited: s.exited });
  return s;
}

async function stop(p: {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toEqual({ code: 0, signal: null });
}

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await r.json()) as { result?: T; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

const callCounts = async (rpcUrl: string): Promise<Record<string, number>> =>
  (await (await fetch(`${rpcUrl}/sandbox/stats`)).json()) as Record<string, number>;

describe('harvest sandbox start, and the commands that join it', () => {
  it('faucet, balances, whitelist and withdraw run in other processes against the sandbox, which keeps its chain across a restart', async () => {
    const dir = dataDir();
    const dest = (await generateKeyPairSigner()).address;
    const sb = await startSandbox(dir);
    expect(sb.ready.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sb.ready.swapApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    ok(await hv(dir, ['--json', 'user', 'add', 'ana']));
    const wallet = ok<{ address: string }>(await hv(dir, ['--json', 'wallet', 'create', 'ana']));

    const funded = ok<CommandOutput<'funds.faucet'>>(
      await hv(dir, ['--json', 'faucet', 'ana', '--sol', '2', '--token', 'USDC', '--amount', '250.5']),
    );
    expect(funded.signatures).toHaveLength(2);
    expect(funded.balances).toMatchObject({
      address: wallet.address,
      network: 'sandbox',
      lamports: '2000000000',
      active: true,
    });
    expect(funded.balances.tokens.find((t) => t.symbol === 'USDC')).toMatchObject({
      amount: '250500000',
      uiAmount: '250.5',
    });
    // The funds are on the sandbox that `sandbox start` runs, not on one the command started for itself.
    expect(await rpc<{ value: number }>(sb.ready.rpcUrl, 'getBalance', [wallet.address])).toMatchObject({
      value: 2_000_000_000,
    });

    const net = ok<CommandOutput<'network.status'>>(await hv(dir, ['--json', 'network']));
    expect(net).toMatchObject({
      network: 'sandbox',
      sandbox: { rpcUrl: sb.ready.rpcUrl, swapApiUrl: sb.ready.swapApiUrl, inProcess: false },
    });
    expect(net.rpcEndpoints).toEqual([sb.ready.rpcUrl]);

    const added = ok<CommandOutput<'whitelist.add'>>(
      await hv(dir, ['--json', 'whitelist', 'add', 'ana', dest, '--label', 'cold wallet']),
    );
    expect(added).toMatchObject({ address: dest, label: 'cold wallet', usable: true });

    // No --confirm: exit 1 with one clear line, and nothing reaches the chain.
    const before = await callCounts(sb.ready.rpcUrl);
    userError(
      await hv(dir, ['withdraw', 'ana', '--to', dest, '--amount', '0.5']),
      /^harvest: A withdrawal moves funds\. .*--confirm/,
    );
    expect((await callCounts(sb.ready.rpcUrl))['sendTransaction'] ?? 0).toBe(before['sendTransaction'] ?? 0);

    const sent = ok<CommandOutput<'funds.withdraw'>>(
      await hv(dir, ['--json', 'withdraw', 'ana', '--to', dest, '--amount', '0.5', '--confirm']),
    );
    expect(sent.outcome).toBe('confirmed');
    expect(sent.withdrawal).toMatchObject({
      status: 'confirmed',
      amount: '500000000',
      symbol: 'SOL',
      destination: dest,
    });
    expect((await callCounts(sb.ready.rpcUrl))['sendTransaction']).toBe((before['sendTransaction'] ?? 0) + 1);

    const balances = ok<CommandOutput<'wallet.balances'>>(await hv(dir, ['--json', 'wallet', 'balances', 'ana']));
    const anaLamports = BigInt(balances.balances[0]!.lamports);
    expect(anaLamports).toBeLessThan(1_500_000_000n);
    expect(anaLamports).toBeGreaterThan(1_499_000_000n);

    // Restart the sandbox: same chain, new ports.
    await stop(sb);
    const again = await startSandbox(dir);
    expect(await rpc<{ value: number }>(again.ready.rpcUrl, 'getBalance', [dest])).toMatchObject({
      value: 500_000_000,
    });
    const after = ok<CommandOutput<'wallet.balances'>>(await hv(dir, ['--json', 'wallet', 'balances', 'ana']));
    expect(after.balances[0]!.lamports).toBe(anaLamports.toString());
    expect(after.balances[0]!.tokens.find((t) => t.symbol === 'USDC')!.amount).toBe('250500000');
    const history = ok<CommandOutput<'withdrawals.list'>>(await hv(dir, ['--json', 'withdrawals', 'ana']));
    expect(history.withdrawals.map((w) => [w.status, w.signature])).toEqual([['confirmed', sent.withdrawal.signature]]);
    await stop(again);
  });

  it('a command asking for another network than the running engine’s is refused, not silently run on the sandbox', async () => {
    const dir = dataDir();
    const engine: RunningEngine = await startEngine(dir);
    running.push({ child: engine.child, exited: engine.exited });

    // Forwarded to the engine, which started the sandbox in its own process.
    const net = ok<CommandOutput<'network.status'>>(await hv(dir, ['--json', 'network']));
    expect(net).toMatchObject({ network: 'sandbox', sandbox: { inProcess: true } });

    const refused = await hv(dir, ['--json', '--network', 'mainnet', 'wallet', 'balances']);
    jsonUserError(refused, 'REFUSED', /uses sandbox, not mainnet/);
    jsonUserError(
      await hv(dir, ['--json', '--rpc', 'https://rpc.example.com', 'network']),
      'REFUSED',
      /--rpc applies only when no engine is running/,
    );
    expect(
      engine.child.exitCode,
      describeRun({ code: null, signal: null, stdout: engine.stdout(), stderr: engine.stderr() }),
    ).toBeNull();
    await stop(engine);
  });
  it('sandbox send, reconcile and export (issue #9 items 1, 4, 7) through the real command, each run on its own', async () => {
    const dir = dataDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'ana']));
    const wallet = ok<{ address: string }>(await hv(dir, ['--json', 'wallet', 'create', 'ana']));
    ok(await hv(dir, ['--json', 'settings', 'ana', 'set', 'mode', 'live', '--confirm']));
    const sent = ok<CommandOutput<'sandbox.send'>>(await hv(dir, ['--json', 'sandbox', 'send', 'ana', '1.5']));
    expect(sent).toMatchObject({ to: wallet.address, mint: 'SOL', amount: '1500000000' });

    // Reconcile reads the wallet's history: the outside deposit is a flow, and the books balance.
    const rec = ok<CommandOutput<'ledger.reconcile'>>(await hv(dir, ['--json', 'reconcile', 'ana']));
    expect(rec.results[0]).toMatchObject({ name: 'ana', ok: true, discrepancies: [] });
    expect(rec.results[0]!.assets.find((a) => a.symbol === 'SOL')).toMatchObject({
      chain: '1500000000',
      ledger: '1500000000',
    });

    const flows = join(dirname(dir), 'flows.csv');
    const out = ok<CommandOutput<'export.csv'>>(
      await hv(dir, ['--json', 'export', 'flows', 'ana', '--from', '2020-01-01', '--csv', flows]),
    );
    expect(out).toMatchObject({ kind: 'flows', rows: 1, file: flows });
    const row = readFileSync(flows, 'utf8').trimEnd().split('\n')[1]!.split(',');
    expect(row.slice(1, 4)).toEqual(['deposit', 'SOL', '1.5']);
    expect(row[5]).toBe(sent.signature);
    const trades = join(dirname(dir), 'trades.csv');
    ok(await hv(dir, ['--json', 'export', 'trades', 'ana', '--csv', trades]));
    expect(readFileSync(trades, 'utf8').split('\n')[0]).toMatch(/FIFO/u);
  }, 150_000);
});
