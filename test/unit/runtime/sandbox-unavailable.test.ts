/**
 * Issue 18 item 3: where the on-chain sandbox cannot load (LiteSVM has no binary for
 * this OS, e.g. Windows), a chain command says what is missing and where the sandbox
 * runs, and the failed start is not cached: once the load works, the next command
 * connects, without a network switch or a restart. The import is forced to fail here.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const failures = vi.hoisted(() => ({ left: 0 }));
vi.mock('../../../engine/sandbox', async (importOriginal) => {
  if (failures.left > 0) {
    failures.left--;
    throw new Error("Cannot find module 'litesvm-win32-x64-msvc'");
  }
  return importOriginal();
});

import {
  defaultNetwork,
  ON_CHAIN_SANDBOX_RUNS_ON,
  onChainSandboxUnavailable,
  writeNetworkConfig,
} from '../../../engine/runtime/network';
import { onChainSandboxSupported } from '../../../engine/runtime/paper-sandbox-info';
import type { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';

let tmp: ReturnType<typeof tempDataDir>;
let engine: Engine | null = null;
beforeEach(() => {
  tmp = tempDataDir('hv-nosvm-');
});
afterEach(async () => {
  await engine?.close();
  engine = null;
  tmp.cleanup();
});

describe('the on-chain sandbox cannot load', () => {
  // First: a module that loaded once stays loaded (the mock's failure is only seen before that).
  it('a fresh folder runs the paper sandbox instead, and keeps it', async () => {
    failures.left = 1;
    engine = openEngine(tmp.dir);
    const funds = await engine.funds();
    expect(funds.net.name).toBe('paper-sandbox');
    expect(funds.net.sandbox).toBeNull();
    expect(JSON.parse(engine.store.meta.get('network_config')!)).toMatchObject({ network: 'paper-sandbox' });
  });

  it('chosen by the operator: says what is missing and where it runs; the next try after a fixed load connects', async () => {
    failures.left = 1;
    engine = openEngine(tmp.dir);
    // Stored by the operator: no fallback, the sandbox itself is what was asked for.
    writeNetworkConfig(engine.store.meta, { network: 'sandbox', rpcUrls: [] });
    const err = await engine.funds().then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('UNSUPPORTED');
    expect(err?.message).toMatch(/LiteSVM\) has no binary for/u);
    expect(err?.message).toContain(ON_CHAIN_SANDBOX_RUNS_ON);
    // Not cached as failed: the same engine connects once the module loads.
    const funds = await engine.funds();
    expect(funds.net.name).toBe('sandbox');
    expect(funds.net.sandbox).not.toBeNull();
  });

  it('the fresh default follows where LiteSVM ships binaries (and the test switch)', () => {
    expect(onChainSandboxSupported({}, 'win32', 'x64')).toBe(false);
    expect(onChainSandboxSupported({}, 'linux', 'ia32')).toBe(false);
    for (const [p, a] of [
      ['linux', 'x64'],
      ['linux', 'arm64'],
      ['darwin', 'x64'],
      ['darwin', 'arm64'],
    ] as const)
      expect(onChainSandboxSupported({}, p, a)).toBe(true);
    expect(onChainSandboxSupported({ HARVEST_TEST_NO_LITESVM: '1' }, 'linux', 'x64')).toBe(false);
    expect(defaultNetwork({ HARVEST_TEST_NO_LITESVM: '1' })).toBe('paper-sandbox');
  });

  it('the explanation names the platform', () => {
    const e = onChainSandboxUnavailable(new Error('x'), 'win32', 'arm64');
    expect(e.message).toMatch(/no binary for win32-arm64/u);
    expect(e.message).toMatch(/paper users/u);
    expect(e.message).toMatch(/harvest network set paper-sandbox --confirm/u);
  });
});
