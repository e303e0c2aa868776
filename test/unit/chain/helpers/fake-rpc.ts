import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getBase58Decoder } from '@solana/kit';

/**
 * A real node:http JSON-RPC server speaking Solana's response shapes
 * ({ jsonrpc: '2.0', id, result: { context: { slot }, value } } and friends) from canned state, for
 * testing the chain client over real HTTP. It counts calls and can be told to fail.
 */

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'destroy' }
  | { kind: 'rpcError'; code: number; message: string; data?: unknown };

export interface RecordedCall {
  method: string;
  params: unknown[];
  /** Time of arrival on the injected clock. */
  at: number;
}

export interface FakeAccount {
  lamports: bigint;
  owner: string;
  data?: Uint8Array;
  executable?: boolean;
}

export interface FakeStatus {
  slot: bigint;
  confirmations: bigint | null;
  err: unknown;
  confirmationStatus: 'processed' | 'confirmed' | 'finalized' | null;
}

export interface SentTransaction {
  base64: string;
  config: Record<string, unknown>;
  signature: string;
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

type Handler = (params: unknown[], server: FakeRpcServer) => unknown;

/** Thrown from a handler to answer with a JSON-RPC error. */
export class RpcErrorReply {
  constructor(readonly error: RpcErrorBody) {}
}

const U64_MAX = 18446744073709551615n;
const base58 = getBase58Decoder();

/** JSON with bigints written as bare integers, as a Solana node writes u64s. */
export function toSolanaJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__bigint__${v}` : v)).replace(
    /"__bigint__(-?\d+)"/g,
    '$1',
  );
}

export class FakeRpcServer {
  url = '';
  readonly calls: RecordedCall[] = [];
  readonly accounts = new Map<string, FakeAccount>();
  readonly statuses = new Map<string, FakeStatus>();
  readonly transactions = new Map<string, unknown>();
  readonly sent: SentTransaction[] = [];
  slot = 300_000_000n;
  blockHeight = 280_000_000n;
  /** Added to blockHeight after every getBlockHeight answer. */
  blockHeightStep = 0n;
  blockhash = 'EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N';
  /** Faults consumed in order by the requests they match. */
  readonly faults: { method?: string; fault: Fault; times: number }[] = [];
  /** A fault applied to every request while set. */
  alwaysFault: Fault | null = null;
  /** Per-method overrides of the canned answers. */
  readonly handlers: Record<string, Handler> = {};
  /** Called for every sendTransaction after it is recorded; may throw RpcErrorReply. */
  onSend: ((tx: SentTransaction, server: FakeRpcServer) => void) | null = null;

  private server: Server | null = null;
  private readonly hung = new Set<ServerResponse>();

  private constructor(private readonly now: () => number) {}

  static async start(opts: { now?: () => number } = {}): Promise<FakeRpcServer> {
    const fake = new FakeRpcServer(opts.now ?? (() => 0));
    const server = createServer((req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.server = server;
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  count(method?: string): number {
    return method ? this.calls.filter((c) => c.method === method).length : this.calls.length;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  fail(fault: Fault, opts: { method?: string; times?: number } = {}): void {
    this.faults.push({ fault, times: opts.times ?? 1, ...(opts.method ? { method: opts.method } : {}) });
  }

  setAccount(address: string, account: FakeAccount): void {
    this.accounts.set(address, account);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { id?: unknown; method?: unknown; params?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        this.reply(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
        return;
      }
      const method = String(body.method);
      const params = Array.isArray(body.params) ? (body.params as unknown[]) : [];
      this.calls.push({ method, params, at: this.now() });

      const fault = this.takeFault(method);
      if (fault) {
        switch (fault.kind) {
          case 'hang':
            this.hung.add(res);
            res.on('close', () => this.hung.delete(res));
            return;
          case 'destroy':
            req.socket.destroy();
            return;
          case 'status': {
            const headers: Record<string, string> = { 'content-type': 'application/json' };
            if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
            res.writeHead(fault.status, headers);
            res.end(
              toSolanaJson({ jsonrpc: '2.0', id: body.id, error: { code: fault.status, message: 'Fault injected' } }),
            );
            return;
          }
          case 'rpcError':
            this.reply(res, {
              jsonrpc: '2.0',
              id: body.id,
              error: {
                code: fault.code,
                message: fault.message,
                ...(fault.data !== undefined ? { data: fault.data } : {}),
              },
            });
            return;
        }
      }

      try {
        const result = this.answer(method, params);
        this.reply(res, { jsonrpc: '2.0', result, id: body.id });
      } catch (e) {
        if (e instanceof RpcErrorReply) {
          this.reply(res, { jsonrpc: '2.0', error: e.error, id: body.id });
        } else {
          this.reply(res, {
            jsonrpc: '2.0',
            error: { code: -32603, message: `Internal error: ${String(e)}` },
            id: body.id,
          });
        }
      }
    });
  }

  private takeFault(method: string): Fault | null {
    if (this.alwaysFault) return this.alwaysFault;
    const i = this.faults.findIndex((f) => f.times > 0 && (f.method === undefined || f.method === method));
    if (i < 0) return null;
    const entry = this.faults[i] as (typeof this.faults)[number];
    entry.times--;
    if (entry.times === 0) this.faults.splice(i, 1);
    return entry.fault;
  }

  private reply(res: ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(toSolanaJson(body));
  }

  private context() {
    return { apiVersion: '2.2.14', slot: this.slot };
  }

  accountJson(account: FakeAccount | undefined): unknown {
    if (!account) return null;
    const data = account.data ?? new Uint8Array();
    return {
      data: [Buffer.from(data).toString('base64'), 'base64'],
      executable: account.executable ?? false,
      lamports: account.lamports,
      owner: account.owner,
      rentEpoch: U64_MAX,
      space: BigInt(data.length),
    };
  }

  private statusJson(status: FakeStatus | undefined): unknown {
    if (!status) return null;
    return {
      confirmationStatus: status.confirmationStatus,
      confirmations: status.confirmations,
      err: status.err,
      slot: status.slot,
      status: status.err === null ? { Ok: null } : { Err: status.err },
    };
  }

  private answer(method: string, params: unknown[]): unknown {
    const override = this.handlers[method];
    if (override) return override(params, this);
    switch (method) {
      case 'getMultipleAccounts': {
        const addresses = params[0] as string[];
        if (addresses.length > 100) {
          throw new RpcErrorReply({ code: -32602, message: 'Too many inputs provided; max 100' });
        }
        return { context: this.context(), value: addresses.map((a) => this.accountJson(this.accounts.get(a))) };
      }
      case 'getAccountInfo':
        return { context: this.context(), value: this.accountJson(this.accounts.get(params[0] as string)) };
      case 'getBalance':
        return { context: this.context(), value: this.accounts.get(params[0] as string)?.lamports ?? 0n };
      case 'getBlockHeight': {
        const height = this.blockHeight;
        this.blockHeight += this.blockHeightStep;
        return height;
      }
      case 'getSlot':
        return this.slot;
      case 'getLatestBlockhash':
        return {
          context: this.context(),
          value: { blockhash: this.blockhash, lastValidBlockHeight: this.blockHeight + 150n },
        };
      case 'getSignatureStatuses': {
        const signatures = params[0] as string[];
        if (signatures.length > 256) {
          throw new RpcErrorReply({ code: -32602, message: 'Too many inputs provided; max 256' });
        }
        return { context: this.context(), value: signatures.map((s) => this.statusJson(this.statuses.get(s))) };
      }
      case 'sendTransaction': {
        const base64 = params[0] as string;
        const config = (params[1] ?? {}) as Record<string, unknown>;
        const bytes = Buffer.from(base64, 'base64');
        const signature = base58.decode(bytes.subarray(1, 65));
        const tx = { base64, config, signature };
        this.sent.push(tx);
        this.onSend?.(tx, this);
        return signature;
      }
      case 'getMinimumBalanceForRentExemption':
        return (128n + BigInt(params[0] as number)) * 6960n;
      case 'getTransaction':
        return this.transactions.get(params[0] as string) ?? null;
      case 'getFeeForMessage':
        return { context: this.context(), value: 5000n };
      case 'getRecentPrioritizationFees':
        return [
          { prioritizationFee: 0n, slot: this.slot - 1n },
          { prioritizationFee: 12_345n, slot: this.slot },
        ];
      case 'requestAirdrop':
        return '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';
      case 'getHealth':
        return 'ok';
      default:
        throw new RpcErrorReply({ code: -32601, message: 'Method not found' });
    }
  }
}
