/**
 * Shared pieces of the CLI integration tests: every test drives the real
 * `harvest` command (bin/harvest.mjs) in child processes against real SQLite
 * files and the real OS keychain.
 */
import { createHmac } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ed25519 } from '@noble/curves/ed25519.js';
import * as bip39 from 'bip39';
import { afterEach, expect } from 'vitest';
import { MasterKey } from '../../engine/keystore';
import { runHarvest, spawnHarvest, type CliOptions, type CliResult } from '../helpers/cli';
import { keychainEntry, tempDataDir } from '../helpers/datadir';

/** Variables a developer's shell might carry that would change what the CLI does. */
export const CLEAN_ENV: NodeJS.ProcessEnv = {
  HARVEST_MASTER_KEY: undefined,
  HARVEST_FAULT: undefined,
  HARVEST_DATA_DIR: undefined,
  HARVEST_LOG_LEVEL: undefined,
};

/** A D-Bus address nothing listens on: the OS keychain is unreachable. */
export const NO_KEYCHAIN_ENV: NodeJS.ProcessEnv = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' };

/** `harvest --data-dir DIR ...args` with a clean environment (plus opts.env). */
export function hv(dir: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return runHarvest(['--data-dir', dir, ...args], { ...opts, env: { ...CLEAN_ENV, ...opts.env } });
}

export function spawnHv(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawnHarvest(['--data-dir', dir, ...args], { ...CLEAN_ENV, ...env });
}

export function describeRun(r: CliResult): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** The single JSON object a successful `--json` command printed (and nothing else on stdout). */
export function ok<T = Record<string, unknown>>(r: CliResult): T {
  expect(r.code, describeRun(r)).toBe(0);
  return oneJson<T>(r);
}

/** Asserts stdout is exactly one line holding one JSON object, and returns it. */
export function oneJson<T = Record<string, unknown>>(r: CliResult): T {
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  expect(lines, `expected exactly one JSON line\n${describeRun(r)}`).toHaveLength(1);
  expect(r.stdout.endsWith('\n'), describeRun(r)).toBe(true);
  const v = JSON.parse(lines[0]!) as unknown;
  expect(typeof v === 'object' && v !== null && !Array.isArray(v), describeRun(r)).toBe(true);
  return v as T;
}

/** Exit 1, exactly one line on stderr; returns that line. */
export function userError(r: CliResult, pattern?: RegExp): string {
  expect(r.code, describeRun(r)).toBe(1);
  expect(r.signal).toBeNull();
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, `expected one stderr line\n${describeRun(r)}`).toHaveLength(1);
  if (pattern) expect(lines[0]).toMatch(pattern);
  return lines[0]!;
}

/** A `--json` user error: exit 1, one stderr line, one JSON error object on stdout with this code. */
export function jsonUserError(
  r: CliResult,
  code: string,
  pattern?: RegExp,
): { code: string; kind: string; message: string } {
  const line = userError(r, pattern);
  const out = oneJson<{ error: { code: string; kind: string; message: string } }>(r);
  expect(out.error.code, describeRun(r)).toBe(code);
  expect(out.error.kind).toBe('user');
  expect(line).toContain(out.error.message.slice(0, 40));
  return out.error;
}

/** Fresh data directories, always cleaned up (files and keychain entries) after each test. */
export function useDataDirs(): () => string {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    while (cleanups.length > 0) cleanups.pop()!();
  });
  return () => {
    const t = tempDataDir();
    cleanups.push(t.cleanup);
    return t.dir;
  };
}

/** The public id of the key a keychain slot holds, or null. */
export function keychainKeyId(dir: string, which: 'primary' | 'pending'): string | null {
  const hex = keychainEntry(dir, which);
  return hex === null ? null : MasterKey.fromHex(hex).id;
}

/** Runs tasks with at most `limit` in flight (child processes are CPU-heavy on start-up). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// ---------------------------------------------------------------------------
// Independent key derivation, so the tests check the engine's addresses
// against the Solana conventions rather than against itself.

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)]! + s;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    s = '1' + s;
  }
  return s;
}

/** SLIP-0010 ed25519 at m/44'/501'/0'/0' (Phantom, Solflare, Backpack). */
export function solanaKeyFromMnemonic(mnemonic: string, passphrase = ''): SecretKeyFixture {
  const seed = bip39.mnemonicToSeedSync(mnemonic, passphrase);
  let I = createHmac('sha512', 'ed25519 seed').update(seed).digest();
  for (const index of [44, 501, 0, 0]) {
    const data = Buffer.alloc(37);
    I.copy(data, 1, 0, 32);
    data.writeUInt32BE((index | 0x80000000) >>> 0, 33);
    I = createHmac('sha512', I.subarray(32)).update(data).digest();
  }
  return secretKeyFixture(new Uint8Array(I.subarray(0, 32)));
}

export function solanaAddressFromMnemonic(mnemonic: string, passphrase = ''): string {
  return solanaKeyFromMnemonic(mnemonic, passphrase).address;
}

export interface SecretKeyFixture {
  address: string;
  /** 64 bytes, seed || public key, as the Solana CLI writes it. */
  bytes: Uint8Array;
  base58: string;
  json: string;
}

function secretKeyFixture(seed: Uint8Array): SecretKeyFixture {
  const pub = ed25519.getPublicKey(seed);
  const bytes = new Uint8Array(64);
  bytes.set(seed, 0);
  bytes.set(pub, 32);
  return { address: base58(pub), bytes, base58: base58(bytes), json: JSON.stringify(Array.from(bytes)) };
}

export function randomSecretKey(): SecretKeyFixture {
  return secretKeyFixture(ed25519.utils.randomSecretKey());
}

export function randomMnemonic(words: 12 | 24 = 12): string {
  return bip39.generateMnemonic(words === 24 ? 256 : 128);
}

// ---------------------------------------------------------------------------
// A data directory with several users holding wallets of every kind.

export type WalletExport =
  | { kind: 'mnemonic'; address: string; mnemonic: string; passphrase: string; derivationPath: string }
  | { kind: 'secret_key'; address: string; secretKeyBase58: string; secretKeyJson: string };

/**
 * Five users: one created wallet, two mnemonic imports (24 words; 12 words
 * with a BIP39 passphrase), two secret-key imports (base58; Solana CLI JSON).
 * Returns each user's export, checked against independently derived addresses.
 */
export async function seedWallets(dir: string): Promise<Map<string, WalletExport>> {
  const m24 = randomMnemonic(24);
  const m12 = randomMnemonic(12);
  const skB58 = randomSecretKey();
  const skJson = randomSecretKey();
  const plan: Array<{ name: string; args: string[]; input?: string; address?: string }> = [
    { name: 'ann', args: ['wallet', 'create', 'ann'] },
    {
      name: 'ben',
      args: ['wallet', 'import', 'ben', '--mnemonic-stdin'],
      input: `${m24}\n`,
      address: solanaAddressFromMnemonic(m24),
    },
    {
      name: 'cat',
      args: ['wallet', 'import', 'cat', '--mnemonic-stdin', '--bip39-passphrase'],
      input: `${m12}\ncorrect horse\n`,
      address: solanaAddressFromMnemonic(m12, 'correct horse'),
    },
    {
      name: 'dan',
      args: ['wallet', 'import', 'dan', '--secret-key-stdin'],
      input: `${skB58.base58}\n`,
      address: skB58.address,
    },
    {
      name: 'eve',
      args: ['wallet', 'import', 'eve', '--secret-key-stdin'],
      input: `${skJson.json}\n`,
      address: skJson.address,
    },
  ];
  const exports = new Map<string, WalletExport>();
  for (const p of plan) {
    ok(await hv(dir, ['--json', 'user', 'add', p.name]));
    const w = ok<{ address: string }>(
      await hv(dir, ['--json', ...p.args], p.input !== undefined ? { input: p.input } : {}),
    );
    if (p.address) expect(w.address).toBe(p.address);
  }
  const all = await exportAll(
    dir,
    plan.map((p) => p.name),
  );
  for (const [name, e] of all) {
    const p = plan.find((x) => x.name === name)!;
    if (p.address) expect(e.address).toBe(p.address);
    exports.set(name, e);
  }
  expect(exports.get('ben')).toMatchObject({ kind: 'mnemonic', mnemonic: m24, passphrase: '' });
  expect(exports.get('cat')).toMatchObject({ kind: 'mnemonic', mnemonic: m12, passphrase: 'correct horse' });
  expect(exports.get('dan')).toMatchObject({
    kind: 'secret_key',
    secretKeyBase58: skB58.base58,
    secretKeyJson: skB58.json,
  });
  expect(exports.get('eve')).toMatchObject({
    kind: 'secret_key',
    secretKeyBase58: skJson.base58,
    secretKeyJson: skJson.json,
  });
  expect(exports.get('ann')!.kind).toBe('mnemonic');
  expect(solanaAddressFromMnemonic((exports.get('ann') as { mnemonic: string }).mnemonic)).toBe(
    exports.get('ann')!.address,
  );
  return exports;
}

/** `wallet export U --confirm --json` for every user, two processes at a time. */
export async function exportAll(
  dir: string,
  names: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Map<string, WalletExport>> {
  const results = await pool(names, 2, (n) => hv(dir, ['--json', 'wallet', 'export', n, '--confirm'], { env }));
  return new Map(results.map((r, i) => [names[i]!, ok<WalletExport>(r)]));
}

export function expectSameWallets(actual: Map<string, WalletExport>, expected: Map<string, WalletExport>): void {
  expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
}

/** A long-running `harvest` command (`run`, `sandbox start`) that has printed its JSON ready line. */
export interface Running<R> {
  child: ChildProcess;
  ready: R;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export type RunningEngine = Running<{ event: 'ready'; dataDir: string; pid: number; socket: string }>;
export type RunningSandbox = Running<{ event: 'ready'; rpcUrl: string; swapApiUrl: string; pid: number }>;

/** Spawns `harvest ARGS` on a data directory and resolves once it prints {"event":"ready",…}. */
export function startUntilReady<R>(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<Running<R>> {
  const child = spawnHv(dir, args, env);
  child.stdin!.end();
  let out = '';
  let err = '';
  const what = `harvest ${args.filter((a) => a !== '--json').join(' ')}`;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} printed no ready line within ${timeoutMs} ms\nstdout=${out}\nstderr=${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line) as R, stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready\nstdout=${out}\nstderr=${err}`));
    });
  });
}

export function startEngine(dir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<RunningEngine> {
  return startUntilReady(dir, ['--json', 'run'], env, timeoutMs);
}

/** `harvest sandbox start` at real-time speed, so prices hold still within a test. */
export function startSandbox(dir: string, timeoutMs = 30_000): Promise<RunningSandbox> {
  return startUntilReady(dir, ['--json', 'sandbox', 'start', '--speed', '1'], {}, timeoutMs);
}
