import {
  getBase64Decoder,
  getBase64Encoder,
  isSolanaError,
  type Address,
  type Rpc,
  type SolanaRpcApi,
} from '@solana/kit';
import { HarvestError, isHarvestError } from '../kernel/errors';
import type { AccountSnapshot, Bytes } from './types';

export type SolanaRpc = Rpc<SolanaRpcApi>;

const base64Encoder = getBase64Encoder();
const base64Decoder = getBase64Decoder();

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function bytesFromBase64(value: string, what: string): Uint8Array {
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new HarvestError('INVALID_INPUT', `${what} is not valid base64.`);
  }
  return base64Encoder.encode(value) as Uint8Array;
}

/** Bytes and their base64 form, from either. */
export function toBytesAndBase64(input: Bytes, what: string): { bytes: Uint8Array; base64: string } {
  if (typeof input === 'string') return { bytes: bytesFromBase64(input, what), base64: input };
  if (!(input instanceof Uint8Array))
    throw new HarvestError('INVALID_INPUT', `${what} must be bytes or a base64 string.`);
  return { bytes: input, base64: base64Decoder.decode(input) };
}

/** An RPC error's message, including the node's own words when kit kept them. */
export function describeRpcError(e: unknown): string {
  if (isSolanaError(e)) {
    const ctx = e.context as { __serverMessage?: unknown };
    const server = typeof ctx.__serverMessage === 'string' ? ctx.__serverMessage : undefined;
    return server && !e.message.includes(server) ? `${e.message} (${server})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export function chainError(method: string, e: unknown): HarvestError {
  if (isHarvestError(e)) return e;
  return new HarvestError('INTERNAL', `Solana RPC ${method} failed: ${describeRpcError(e)}`, { cause: e });
}

/** Runs one RPC call, turning whatever it throws into a HarvestError that names the method. */
export async function rpcCall<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw chainError(method, e);
  }
}

/** Runs `worker` over `items` with at most `limit` at a time; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await worker(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface RpcAccount {
  lamports: bigint;
  owner: Address;
  executable: boolean;
  data: readonly [string, 'base64'] | readonly [string, string];
}

export function toAccountSnapshot(address: Address, account: RpcAccount | null): AccountSnapshot | null {
  if (!account) return null;
  const [encoded, encoding] = account.data;
  if (encoding !== 'base64') {
    throw new HarvestError('INTERNAL', `Account ${address} came back in ${encoding} encoding; base64 was requested.`);
  }
  return {
    address,
    lamports: account.lamports,
    owner: account.owner,
    executable: account.executable,
    data: bytesFromBase64(encoded, `Data of account ${address}`),
  };
}
