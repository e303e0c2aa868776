import http from 'node:http';
import { createChainClient } from './engine/chain';
import { systemClock } from './engine/kernel/clock';
import { silentLogger } from './engine/kernel/logger';
import { Sandbox } from './engine/sandbox';
const sandbox = await Sandbox.start({ dir: null, clock: systemClock, log: silentLogger });
const chain = createChainClient({ endpoints: [{ url: sandbox.rpcUrl, rateLimit: { requests: 100000, perMs: 1000 } }], clock: systemClock, logger: silentLogger });
const addr = 'So11111111111111111111111111111111111111112' as never;
const agent = new http.Agent({ keepAlive: true });
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSignaturesForAddress', params: [addr, { limit: 1000 }] });
const raw = () => new Promise<unknown>((res, rej) => {
  const u = new URL(sandbox.rpcUrl);
  const r = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (resp) => {
    const chunks: Buffer[] = []; resp.on('data', (c) => chunks.push(c)); resp.on('end', () => res(JSON.parse(Buffer.concat(chunks).toString())));
  }); r.on('error', rej); r.end(body);
});
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < 300; i++) { chain.clearCache(); await chain.getSignaturesForAddress(addr, { limit: 1000 }); }
  const a = (performance.now() - t) / 300;
  t = performance.now();
  for (let i = 0; i < 300; i++) await fetch(sandbox.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json());
  const b = (performance.now() - t) / 300;
  t = performance.now();
  for (let i = 0; i < 300; i++) await raw();
  const c = (performance.now() - t) / 300;
  t = performance.now();
  for (let i = 0; i < 300; i++) { chain.clearCache(); await chain.getLatestBlockhash(); }
  const d = (performance.now() - t) / 300;
  console.log(`chain client ${a.toFixed(3)} ms, fetch+json ${b.toFixed(3)} ms, node:http ${c.toFixed(3)} ms, blockhash via client ${d.toFixed(3)}`);
}
await sandbox.close(); process.exit(0);
