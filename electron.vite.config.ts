import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type RendererViteConfig, type UserConfig as ElectronViteConfig } from 'electron-vite';
import { loadConfigFromFile, mergeConfig, type UserConfig } from 'vite';

/**
 * electron-vite 6: the Electron shell's main process, its preload, and the
 * renderer (renderer/, built into dist/renderer — the same build `harvest
 * serve` serves).
 *
 *   out/main/main.js       the main process (ESM: package.json is "type": "module")
 *   out/preload/preload.cjs the preload (CommonJS: sandboxed preloads cannot be ESM)
 *   dist/renderer/          the UI, loaded through app://harvest/
 */

const root = process.cwd();

// The Electron entry for `electron-vite dev` / `preview`, which otherwise reads package.json "main".
// (electron-builder gets it from build/electron-builder.yml's extraMetadata.)
process.env['ELECTRON_ENTRY'] ??= resolve(root, 'out/main/main.js');

/** The renderer's own Vite config (plugins, aliases), if its engineer keeps one; ours adds only what Electron needs. */
async function rendererBase(command: 'build' | 'serve', mode: string): Promise<UserConfig> {
  for (const file of ['renderer/vite.config.ts', 'renderer/vite.config.mts', 'vite.config.ts']) {
    const path = resolve(root, file);
    if (!existsSync(path)) continue;
    const loaded = await loadConfigFromFile({ command, mode }, path, root);
    if (loaded) return { ...loaded.config, root: loaded.config.root ?? resolve(root, 'renderer') };
  }
  return { root: resolve(root, 'renderer'), plugins: [react()] };
}

export default defineConfig(async ({ command, mode }): Promise<ElectronViteConfig> => {
  const base = await rendererBase(command, mode);
  const renderer = mergeConfig(base, {
    build: {
      outDir: resolve(root, 'dist/renderer'),
      emptyOutDir: true,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
  }) as RendererViteConfig;
  // Electron loads the files through app://harvest/: relative asset URLs work there and under `harvest serve`.
  renderer.base = './';

  return {
    main: {
      build: {
        outDir: resolve(root, 'out/main'),
        // Every package.json dependency stays in node_modules (native modules above all: better-sqlite3,
        // @napi-rs/keyring, litesvm); engine/ and electron/ sources are bundled.
        externalizeDeps: true,
        rolldownOptions: {
          input: { main: resolve(root, 'electron/index.ts') },
          output: {
            format: 'es',
            entryFileNames: '[name].js',
            // Chunks next to main.js, not in a sub-folder: engine code resolves files relative to its
            // module two levels up (engine/sandbox → resources/market), and out/main/x.js keeps that true.
            chunkFileNames: '[name]-[hash].js',
          },
        },
      },
    },
    preload: {
      build: {
        outDir: resolve(root, 'out/preload'),
        // A sandboxed preload can require nothing but 'electron': bundle everything else (the contract and zod).
        externalizeDeps: false,
        rolldownOptions: {
          input: { preload: resolve(root, 'electron/preload.ts') },
          output: { format: 'cjs', entryFileNames: '[name].cjs' },
        },
      },
    },
    renderer,
  };
});
