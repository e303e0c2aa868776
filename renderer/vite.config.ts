import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/renderer', import.meta.url));
/** The `harvest serve` the dev server forwards /api to. */
const engineHost = process.env['HARVEST_HOST'] ?? 'http://127.0.0.1:7420';

/**
 * The renderer: served from / by `harvest serve` and loaded by Electron from
 * its app:// protocol, hence relative asset paths (base './'). No inline
 * scripts anywhere (both hosts send script-src 'self').
 *
 * Dev: start `harvest serve` (port 7420 by default), then `npm run
 * dev:renderer` and open http://127.0.0.1:5173/?token=<the token it printed>.
 * /api (HTTP and the WebSocket) is proxied to the host with its own Host and
 * Origin, so the host's loopback and origin checks see a same-origin caller.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // HARVEST_SOURCEMAP=1 for readable stack traces while debugging.
    sourcemap: process.env['HARVEST_SOURCEMAP'] === '1',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': {
        target: engineHost,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', (req) => req.setHeader('origin', engineHost));
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', engineHost));
        },
      },
    },
  },
});
