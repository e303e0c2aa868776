import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { Engine } from '../../engine/runtime';
import { keychainEntry, tempDataDir } from '../helpers/datadir';
import {
  describeRun,
  expectSameWallets,
  exportAll,
  hv,
  keychainKeyId,
  ok,
  seedWallets,
  spawnHv,
  type WalletExport,
} from './support';

interface Status {
  keyId: string;
  users: number;
  wallets: number;
  owner: { kind: string; pid: number };
}
interface Rotated {
  wallets: number;
  oldKeyId: string;
  newKeyId: string;
}

/** Where `keys rotate` can die, and whether the rotation must then count as done. */
const FAULTS = [
  { point: 'rotate:after-pending', rolledForward: false },
  { point: 'rotate:mid-transaction', rolledForward: false },
  { point: 'rotate:after-commit', rolledForward: true },
  { point: 'rotate:after-primary', rolledForward: true },
] as const;

const RANDOM_KILLS = Number(process.env['HARVEST_TEST_KILLS'] ?? 15);
const TARGETED_KILLS = Number(process.env['HARVEST_TEST_TARGETED_KILLS'] ?? 5);
const TARGET_SPREAD_MS = 15;
const SEED = Number(process.env['HARVEST_TEST_SEED'] ?? Date.now() % 2 ** 31);

describe('master key rotation survives being killed at any point', { timeout: 300_000 }, () => {
  let dir = '';
  let cleanup = (): void => {};
  let originals = new Map<string, WalletExport>();
  let names: string[] = [];
  /** Every key change observed; the audit log must record exactly these. */
  const rotations: Array<{ from: string; to: string }> = [];

  beforeAll(async () => {
    ({ dir, cleanup } = tempDataDir('hv-rot-'));
    originals = await seedWallets(dir);
    names = [...originals.keys()];
  }, 300_000);
  afterAll(() => cleanup());

  /**
   * The next start after a crash (a real `harvest status` process, which is
   * what finishes or drops an interrupted rotation): every wallet opens and is
   * unchanged, and the keychain is tidy. Returns the key id in force.
   *
   * Exports go through `harvest wallet export` processes, or, to keep the
   * random-kill loop within budget, through the same engine command in this
   * process (same code, same SQLite file, same OS keychain entries).
   */
  async function verifyRecovered(via: 'cli' | 'in-process' = 'cli'): Promise<string> {
    const status = ok<Status>(await hv(dir, ['--json', 'status']));
    expect(status).toMatchObject({ users: 5, wallets: 5, owner: { kind: 'cli' } });
    expect(keychainEntry(dir, 'pending'), 'the pending key slot must be cleared by the next start').toBeNull();
    expect(keychainKeyId(dir, 'primary'), 'the keychain must hold the key the database was sealed under').toBe(
      status.keyId,
    );
    expectSameWallets(via === 'cli' ? await exportAll(dir, names) : await exportInProcess(), originals);
    return status.keyId;
  }

  async function exportInProcess(): Promise<Map<string, WalletExport>> {
    const engine = Engine.open({ dataDir: dir, env: {}, clock: systemClock, logger: silentLogger });
    try {
      const out = new Map<string, WalletExport>();
      for (const n of names) out.set(n, await engine.execute('wallet.export', { user: n, confirm: true }));
      return out;
    } finally {
      await engine.close();
    }
  }

  async function cleanRotate(expectedOld: string): Promise<Rotated> {
    const r = ok<Rotated>(await hv(dir, ['--json', 'keys', 'rotate']));
    expect(r).toMatchObject({ wallets: 5, oldKeyId: expectedOld });
    expect(r.newKeyId).not.toBe(expectedOld);
    expect(keychainEntry(dir, 'pending')).toBeNull();
    expect(keychainKeyId(dir, 'primary')).toBe(r.newKeyId);
    rotations.push({ from: r.oldKeyId, to: r.newKeyId });
    return r;
  }

  for (const { point, rolledForward } of FAULTS) {
    it(`recovers from a SIGKILL at ${point} (${rolledForward ? 'rolled forward' : 'rolled back'}), then rotates cleanly`, async () => {
      const before = keychainKeyId(dir, 'primary')!;
      expect(before).not.toBeNull();

      const crashed = await hv(dir, ['--json', 'keys', 'rotate'], { env: { HARVEST_FAULT: point } });
      expect(crashed.signal, `the fault point must be reached\n${describeRun(crashed)}`).toBe('SIGKILL');
      expect(crashed.stdout).toBe('');
      const pending = keychainKeyId(dir, 'pending');
      expect(pending, 'every fault point lies between writing and clearing the pending key').not.toBeNull();
      expect(pending).not.toBe(before);
      if (point === 'rotate:after-primary') expect(keychainKeyId(dir, 'primary')).toBe(pending);
      else expect(keychainKeyId(dir, 'primary')).toBe(before);

      const after = await verifyRecovered();
      expect(after).toBe(rolledForward ? pending : before);
      if (rolledForward) rotations.push({ from: before, to: after });

      await cleanRotate(after);
    });
  }

  it(`recovers from ${RANDOM_KILLS} SIGKILLs at random moments of a rotation (seed ${SEED})`, async () => {
    console.log(`rotation random-kill seed: ${SEED} (rerun with HARVEST_TEST_SEED=${SEED})`);
    const t0 = performance.now();
    await cleanRotate(keychainKeyId(dir, 'primary')!);
    const duration = Math.ceil(performance.now() - t0);
    expect(duration).toBeGreaterThan(0);

    const delays = fc.sample(fc.integer({ min: 0, max: duration }), { seed: SEED, numRuns: RANDOM_KILLS });
    const outcomes: Record<'untouched' | 'rolled back' | 'rolled forward' | 'completed', number> = {
      untouched: 0,
      'rolled back': 0,
      'rolled forward': 0,
      completed: 0,
    };
    for (const [i, delay] of delays.entries()) {
      const before = keychainKeyId(dir, 'primary')!;
      const r = await hv(dir, ['--json', 'keys', 'rotate'], { killAfterMs: delay });
      const label = `kill #${i} after ${delay} ms of ${duration} ms (seed ${SEED})`;
      const completed = r.code === 0;
      if (!completed) expect(r.signal, `${label}\n${describeRun(r)}`).toBe('SIGKILL');
      const pendingAtKill = keychainKeyId(dir, 'pending');
      const primaryAtKill = keychainKeyId(dir, 'primary');

      const after = await verifyRecovered(i === delays.length - 1 ? 'cli' : 'in-process');
      if (completed) {
        const out = ok<Rotated>(r);
        expect(after, label).toBe(out.newKeyId);
        outcomes.completed++;
      } else {
        expect([before, pendingAtKill, primaryAtKill], label).toContain(after);
        outcomes[after !== before ? 'rolled forward' : pendingAtKill !== null ? 'rolled back' : 'untouched']++;
      }
      if (after !== before) rotations.push({ from: before, to: after });
    }
    console.log(`rotation random kills (${duration} ms per run, seed ${SEED}): ${JSON.stringify(outcomes)}`);
  });

  it(`recovers from ${TARGETED_KILLS} SIGKILLs timed from the rotation's first re-sealed wallet (seed ${SEED})`, async () => {
    // Uniform kills mostly land in process start-up. These land where the keychain and the
    // database are being changed: 0-${TARGET_SPREAD_MS} ms after the rotation reports its first wallet.
    const delays = fc.sample(fc.integer({ min: 0, max: TARGET_SPREAD_MS }), {
      seed: SEED + 1,
      numRuns: TARGETED_KILLS,
    });
    let midRotation = 0;
    let rolledForward = 0;
    for (const [i, delay] of delays.entries()) {
      const before = keychainKeyId(dir, 'primary')!;
      const child = spawnHv(dir, ['-v', '--json', 'keys', 'rotate']);
      child.stdin!.end();
      let stdout = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (timer === undefined && stderr.includes('key rotation progress')) {
          timer = setTimeout(() => child.kill('SIGKILL'), delay);
        }
      });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      clearTimeout(timer);
      const label = `targeted kill #${i}, ${delay} ms after the first progress line (seed ${SEED})`;
      expect(stderr, `${label}: the rotation must report progress with -v`).toContain('key rotation progress');
      const pendingAtKill = keychainKeyId(dir, 'pending');
      const primaryAtKill = keychainKeyId(dir, 'primary');
      if (pendingAtKill !== null) midRotation++;
      const after = await verifyRecovered('in-process');
      if (exit.code === 0) {
        expect(after, label).toBe(ok<Rotated>({ ...exit, stdout, stderr: '' }).newKeyId);
      } else {
        expect(exit.signal, `${label}\n${stderr}`).toBe('SIGKILL');
        expect([before, pendingAtKill, primaryAtKill], label).toContain(after);
      }
      if (after !== before) rotations.push({ from: before, to: after });
      if (after !== before && exit.code !== 0) rolledForward++;
    }
    console.log(
      `rotation targeted kills (seed ${SEED}): ${midRotation}/${TARGETED_KILLS} left a pending key behind, ${rolledForward} rolled forward`,
    );
  });

  it('keeps the audit chain intact and records exactly the rotations that took effect', async () => {
    const verify = ok<{ ok: boolean; rows: number }>(await hv(dir, ['--json', 'audit', 'verify']));
    expect(verify.ok).toBe(true);
    const list = ok<{
      entries: Array<{ action: string; details: { oldKeyId?: string; newKeyId?: string; wallets?: number } }>;
    }>(await hv(dir, ['--json', 'audit', 'list', '--limit', '1000']));
    const recorded = list.entries
      .filter((e) => e.action === 'keys.rotated')
      .reverse()
      .map((e) => ({ from: e.details.oldKeyId, to: e.details.newKeyId }));
    expect(recorded).toEqual(rotations);
    expect(rotations.length).toBeGreaterThanOrEqual(FAULTS.length + 2);
    // One unbroken chain of keys from the first to the current.
    for (let i = 1; i < rotations.length; i++) expect(rotations[i]!.from).toBe(rotations[i - 1]!.to);
    expect(rotations.at(-1)!.to).toBe(keychainKeyId(dir, 'primary'));
  });
});
