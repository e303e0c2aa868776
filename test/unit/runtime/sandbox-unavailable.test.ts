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

import { ON_CHAIN_SANDBOX_RUNS_ON, onChainSandboxUnavailable } from '../../../engine/runtime/network';
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
  it('says what is missing and where it runs; the next try after a fixed load connects', async () => {
    failures.left = 1;
    engine = openEngine(tmp.dir);
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

  it('the explanation names the platform', () => {
    const e = onChainSandboxUnavailable(new Error('x'), 'win32', 'arm64');
    expect(e.message).toMatch(/no binary for win32-arm64/u);
    expect(e.message).toMatch(/paper users/u);
  });
});
