/**
 * Issue 18, item 3: the paper sandbox must start where LiteSVM cannot load, so nothing
 * it imports, statically or on demand, may reach the `litesvm` package. Checked on the
 * real import graph (esbuild's metafile), with the on-chain sandbox's ledger as the
 * control that does reach it.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli';

/**
 * Every package the entry's graph reaches through static imports (what must load before
 * its code runs); dynamic imports (the on-chain sandbox, loaded on demand) are not followed.
 */
async function packagesReached(entry: string): Promise<Set<string>> {
  const r = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const inputs = r.metafile.inputs;
  const root = Object.keys(inputs).find((k) => join(REPO_ROOT, k) === join(REPO_ROOT, entry))!;
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind === 'dynamic-import') continue;
      if (i.external)
        out.add(
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        );
      else walk(i.path);
    }
  };
  walk(root);
  return out;
}

describe('the paper sandbox loads without LiteSVM', () => {
  it('its module and the replay it reads reach no litesvm package; the ledger (the control) does', async () => {
    for (const entry of [
      'engine/runtime/paper-sandbox.ts',
      'engine/runtime/paper-sandbox-info.ts',
      // What a chain command loads before it chooses a network: the engine and its services.
      'engine/runtime/engine.ts',
      'engine/runtime/services.ts',
    ]) {
      const reached = await packagesReached(entry);
      expect(
        [...reached].filter((p) => p.startsWith('litesvm')),
        entry,
      ).toEqual([]);
    }
    expect(await packagesReached('engine/sandbox/ledger.ts')).toContain('litesvm');
    // The walk does follow the engine's own files down to its packages.
    expect(await packagesReached('engine/runtime/engine.ts')).toContain('better-sqlite3');
  });
});
