import { createHash } from 'node:crypto';
import { getBase58Encoder, getBase64Encoder } from '@solana/kit';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { JITO_TIP_ACCOUNTS, isJitoTipAccount } from '../chain/programs';
import type { Logger } from '../kernel/logger';
import { RPC_INVALID_PARAMS, RpcError } from './errors';
import type { SandboxLedger } from './ledger';
import { writableAccounts } from './rpc-encoding';

/**
 * Jito's Block Engine JSON-RPC API, emulated on the sandbox's HTTP server so
 * the engine's MEV-protected send path runs against the local chain:
 *
 *   POST /api/v1/transactions  sendTransaction [tx, {encoding}]  -> signature (x-bundle-id header)
 *   POST /api/v1/bundles       sendBundle [[tx, ...], {encoding}] -> bundle id
 *                              getTipAccounts []                  -> the tip accounts
 *
 * Like Jito (bundleOnly / a bundle), a transaction lands only if it write-locks
 * a tip account and does not fail (revert protection: a failing one is refused,
 * never landed). Landing goes through the same ledger as sendTransaction on the
 * sandbox RPC. The tip accounts are funded to rent exemption at start, as they
 * are on mainnet, so a small tip can land.
 */
const request = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]).default(null),
  method: z.string(),
  params: z.array(z.unknown()).default([]),
});
const encoding = z
  .object({ encoding: z.enum(['base58', 'base64']).default('base58') })
  .loose()
  .default({ encoding: 'base58' });
const MAX_BUNDLE = 5;

export function registerBlockEngine(app: FastifyInstance, ledger: SandboxLedger, log: Logger): void {
  const rent = ledger.minimumBalanceForRentExemption(0n);
  for (const tip of JITO_TIP_ACCOUNTS) if (!ledger.account(tip)) ledger.airdrop(tip, rent);

  const decode = (tx: unknown, enc: 'base58' | 'base64'): Uint8Array => {
    if (typeof tx !== 'string' || tx === '') throw new RpcError(RPC_INVALID_PARAMS, 'transaction must be a string');
    try {
      return new Uint8Array((enc === 'base64' ? getBase64Encoder() : getBase58Encoder()).encode(tx));
    } catch {
      throw new RpcError(RPC_INVALID_PARAMS, `transaction is not valid ${enc}`);
    }
  };
  /** Checks every transaction before any lands (a bundle is all or nothing), then lands them in order. */
  const land = (wires: Uint8Array[]): string[] => {
    const tipped = wires.some((w) => writableAccounts(ledger.decode(w).message).some((a) => isJitoTipAccount(a)));
    if (!tipped) throw new RpcError(RPC_INVALID_PARAMS, 'Bundles must write lock at least one tip account');
    return wires.map((w) => ledger.send(w, { skipPreflight: false }));
  };

  const handle = async (body: unknown, bundles: boolean): Promise<{ result: unknown; bundleId?: string }> => {
    const r = request.safeParse(body);
    if (!r.success) throw new RpcError(-32600, 'Invalid request');
    const { method, params } = r.data;
    if (bundles && method === 'getTipAccounts') return { result: [...JITO_TIP_ACCOUNTS] };
    if (bundles && method === 'sendBundle') {
      const list = z.array(z.unknown()).min(1).max(MAX_BUNDLE).safeParse(params[0]);
      if (!list.success) throw new RpcError(RPC_INVALID_PARAMS, `a bundle holds 1 to ${MAX_BUNDLE} transactions`);
      const enc = encoding.parse(params[1] ?? undefined).encoding;
      const signatures = land(list.data.map((t) => decode(t, enc)));
      return { result: bundleId(signatures) };
    }
    if (!bundles && method === 'sendTransaction') {
      const enc = encoding.parse(params[1] ?? undefined).encoding;
      const signatures = land([decode(params[0], enc)]);
      return { result: signatures[0], bundleId: bundleId(signatures) };
    }
    throw new RpcError(-32601, `Method not found: ${method}`);
  };

  for (const [path, bundles] of [
    ['/api/v1/transactions', false],
    ['/api/v1/bundles', true],
  ] as const) {
    app.post(path, async (req, reply) => {
      const id = (req.body as { id?: unknown } | undefined)?.id ?? null;
      try {
        const { result, bundleId: bid } = await handle(req.body, bundles);
        if (bid) void reply.header('x-bundle-id', bid);
        return { jsonrpc: '2.0', result, id };
      } catch (e) {
        const err = e instanceof RpcError ? e : new RpcError(-32603, (e as Error).message);
        log.info({ path, err: err.message }, 'sandbox block engine refused');
        return reply.code(400).send({
          jsonrpc: '2.0',
          error: { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) },
          id,
        });
      }
    });
  }
}

function bundleId(signatures: string[]): string {
  return createHash('sha256').update(signatures.join(',')).digest('hex');
}
