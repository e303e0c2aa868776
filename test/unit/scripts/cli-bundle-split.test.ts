/**
 * Issue 12, item 5: a light command must not load the Solana runtime or the
 * sandbox. Reads the chunk graph of a fresh CLI build (esbuild's metafile) and
 * checks what each path can reach: a command forwarded to a running engine
 * loads only the entry chunk; one that opens the data directory itself adds the
 * runtime, store and logger chunks, and neither reaches litesvm, the sandbox
 * or the HTTP host, which stay behind the dynamic imports of the commands that
 * need them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Output {
  imports: { path: string; kind: string; external?: boolean }[];
  inputs: Record<string, unknown>;
}
interface Meta {
  outputs: Record<string, Output>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');
let dir: string;
let meta: Meta;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'harvest-cli-split-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), '--meta', '--outdir', dir]);
  meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The output chunks loaded from the entry chunk, following static imports and the named dynamic ones. */
function reachableFiles(dynamic: readonly string[]): string[] {
  return [...walk(dynamic).seen];
}

/** Every input module loaded from the entry chunk, following static imports and the named dynamic ones. */
function reachable(dynamic: readonly string[]): { inputs: string[]; externals: string[] } {
  const { seen, externals } = walk(dynamic);
  return { inputs: [...seen].flatMap((f) => Object.keys(meta.outputs[f]!.inputs)), externals: [...externals] };
}

function walk(dynamic: readonly string[]): { seen: Set<string>; externals: Set<string> } {
  const outputs = meta.outputs;
  const entry = Object.keys(outputs).find((f) => basename(f) === 'harvest.mjs')!;
  const seen = new Set<string>();
  const externals = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imp of outputs[file]!.imports) {
      if (imp.external) externals.add(imp.path);
      else if (imp.kind !== 'dynamic-import') queue.push(imp.path);
      else if (dynamic.some((name) => new RegExp(`^${name}-[A-Z0-9]+\\.mjs$`, 'u').test(basename(imp.path))))
        queue.push(imp.path);
    }
  }
  return { seen, externals };
}

describe('the split CLI bundle', () => {
  it('forwards a command to a running engine without loading the engine, zod or any Solana code', () => {
    const { inputs, externals } = reachable([]);
    for (const heavy of ['@solana', 'zod', 'engine/runtime', 'engine/sandbox', 'engine/store', 'pino'])
      expect(inputs.filter((i) => i.includes(heavy))).toEqual([]);
    expect(externals).not.toContain('litesvm');
    expect(externals).not.toContain('better-sqlite3');
  });

  it("carries zod's English messages only, not its other 50 locales (half of zod, parsed by every command)", () => {
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    // node_modules may sit elsewhere (a worktree links the main checkout's), so only the path below it counts.
    const locales = inputs.filter((i) => i.includes('zod/v4/locales/')).map((i) => i.replace(/^.*node_modules\//u, ''));
    expect(locales).toEqual(['zod/v4/locales/en.js']);
  });

  it('opens the data directory for a light command without the sandbox, litesvm, the host or the chain services', () => {
    const { inputs, externals } = reachable(['engine', 'store', 'cli-logger']);
    expect(inputs.some((i) => i.includes('engine/runtime/engine.ts'))).toBe(true);
    // grammY (about 1 MB with its fetch polyfills) only loads where the Telegram bridge starts: serve and the desktop app.
    for (const heavy of [
      'engine/sandbox',
      'engine/host',
      'fastify',
      'runtime/services.ts',
      'bip39',
      'qrcode',
      'grammy',
      'telegram/bridge.ts',
    ])
      expect(inputs.filter((i) => i.includes(heavy))).toEqual([]);
    expect(externals).not.toContain('litesvm');
  });

  it('runs a light command (status, user list, positions) without @solana/kit, key derivation, the other handler groups or the rest of the contract', () => {
    const { inputs, externals } = reachable(['engine', 'store', 'cli-logger']);
    expect(inputs.some((i) => i.includes('engine/runtime/light-handlers.ts'))).toBe(true);
    for (const heavy of [
      '@solana/',
      '@solana-program/',
      '@noble/',
      'micro-key-producer',
      'engine/chain/',
      'engine/execution/',
      'engine/funds/',
      'engine/copy/',
      'engine/backtest/',
      'engine/telegram/',
      'engine/strategy/index.ts',
      'engine/keystore/signer.ts',
      'engine/keystore/derivation.ts',
      'engine/runtime/handlers.ts',
      'engine/runtime/services.ts',
      'engine/runtime/network.ts',
      'engine/api/contract.ts',
      // The event schemas (over a hundred zod objects built at load); the event bus needs only their severities.
      'engine/api/events.ts',
    ])
      expect(inputs.filter((i) => i.includes(heavy))).toEqual([]);
    expect(externals).not.toContain('litesvm');
  });

  it('builds no Intl formatter while its chunks load (ICU data costs a light command about 15 ms)', () => {
    const files = reachableFiles(['engine', 'store', 'cli-logger']);
    // A formatter at the top level of a module (column 0, outside any function) is built on load.
    const eager = files.filter((f) =>
      /^(?:var|let|const) \w+ = new Intl\./mu.test(readFileSync(join(dir, basename(f)), 'utf8')),
    );
    expect(eager).toEqual([]);
  });

  it('loads every other handler group, with signing, once a command outside the light set runs', () => {
    const { inputs } = reachable(['engine', 'store', 'cli-logger', 'engine-parts']);
    for (const group of ['engine/runtime/handlers.ts', 'engine/runtime/engine-parts.ts', 'engine/keystore/signer.ts'])
      expect(inputs.some((i) => i.includes(group))).toBe(true);
  });
});
