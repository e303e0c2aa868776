import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/renderer', import.meta.url));

/**
 * The renderer: served from / by `harvest serve` and loaded by Electron from
 * its app:// protocol, hence relative asset paths (base './'). No inline
 * scripts anywhere (both hosts send script-src 'self').
 *
 * Dev: `npm run dev:renderer` proxies /api (HTTP and WebSocket) to a running
 * `harvest serve`, at HARVEST_HOST (default http://127.0.0.1:7420). Start the
 * host with --dev-origin http://127.0.0.1:5173 (or its equivalent) so it
 * accepts the dev server's Origin.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: process.env['HARVEST_HOST'] ?? 'http://127.0.0.1:7420', ws: true, changeOrigin: false },
    },
  },
});
