/**
 * Issue 12 item 1: `npm start` builds the UI and the CLI bundle when they are
 * missing or older than their sources, and only then (scripts/build-if-stale.mjs).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

interface Target {
  name: string;
  output: string;
  sources: string[];
}
interface Mod {
  targets(base: string): Target[];
  desktopTarget(base: string): Target;
  stale(t: Target): boolean;
  buildIfStale(o: {
    base: string;
    list?: Target[];
    log: (m: string) => void;
    run: (cmd: string, args: string[]) => { status: number | null };
  }): string[];
}
// Plain ESM run by `node` before anything is built; its helpers are exported for these tests.
const mod = (await import(join(import.meta.dirname, '..', '..', '..', 'scripts', 'build-if-stale.mjs'))) as Mod;

let base = '';
const T0 = new Date('2026-01-01T00:00:00Z');
function file(rel: string, at: Date = T0): void {
  const p = join(base, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, 'x');
  utimesSync(p, at, at);
}
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'hv-stale-'));
  file('renderer/main.tsx');
  file('engine/api/contract.ts');
  file('engine/kernel/errors.ts');
  file('engine/cli/main.ts');
  file('scripts/build-cli.mjs');
  file('package.json');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('build when stale', () => {
  it('a fresh clone builds both; a later start with nothing changed builds nothing', () => {
    const runs: string[][] = [];
    const logs: string[] = [];
    const run = (cmd: string, args: string[]): { status: number } => {
      runs.push(args);
      // What the real builds leave behind.
      for (const t of mod.targets(base))
        if (args.some((a) => a.includes(t.name === 'the UI' ? 'vite' : 'build-cli')))
          file(t.output.slice(base.length + 1), new Date());
      return { status: 0 };
    };
    expect(mod.buildIfStale({ base, log: (m) => logs.push(m), run })).toEqual([]);
    expect(runs).toHaveLength(2);
    expect(logs.join('\n')).toMatch(/Building the UI \(first start/u);
    runs.length = 0;
    expect(mod.buildIfStale({ base, log: () => undefined, run })).toEqual([]);
    expect(runs).toHaveLength(0);
  });

  it('an engine change rebuilds the CLI bundle but not the UI; an API change rebuilds both', () => {
    const later = new Date('2026-01-02T00:00:00Z');
    file('dist/renderer/index.html', later);
    file('dist/cli/harvest.mjs', later);
    const [ui, cli] = mod.targets(base);
    expect(mod.stale(ui!)).toBe(false);
    expect(mod.stale(cli!)).toBe(false);
    file('engine/cli/main.ts', new Date('2026-01-03T00:00:00Z'));
    expect(mod.stale(ui!)).toBe(false);
    expect(mod.stale(cli!)).toBe(true);
    file('engine/api/contract.ts', new Date('2026-01-03T00:00:00Z'));
    expect(mod.stale(ui!)).toBe(true);
  });

  it('a failed build is reported by name, not hidden', () => {
    const logs: string[] = [];
    const failed = mod.buildIfStale({ base, log: (m) => logs.push(m), run: () => ({ status: 1 }) });
    expect(failed).toEqual(['the UI', 'the harvest command']);
    expect(logs.join('\n')).toMatch(/Building the UI failed \(exit 1\)/u);
  });
});

describe('the desktop app (npm run smoke:electron)', () => {
  it('electron-vite build runs when out/main is missing or older than electron/, and only then', () => {
    file('electron/main.ts');
    const desktop = mod.desktopTarget(base);
    const runs: string[][] = [];
    const run = (_cmd: string, args: string[]): { status: number } => {
      runs.push(args);
      file('out/main/main.js', new Date(T0.getTime() + 60_000));
      return { status: 0 };
    };
    expect(mod.buildIfStale({ base, log: () => undefined, run, list: [desktop] })).toEqual([]);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.at(-1)).toBe('build');
    expect(runs[0]![0]).toMatch(/electron-vite/u);
    // Nothing changed: nothing built (and the UI / CLI targets are not this list's business).
    expect(mod.buildIfStale({ base, log: () => undefined, run, list: [desktop] })).toEqual([]);
    expect(runs).toHaveLength(1);
    // The main process's sources changed: built again.
    file('electron/main.ts', new Date(T0.getTime() + 120_000));
    expect(mod.stale(desktop)).toBe(true);
  });
});
