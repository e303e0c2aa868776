/**
 * The sandbox's Solana JSON-RPC endpoint: a real HTTP server on 127.0.0.1 over the
 * SandboxLedger, speaking Solana's exact request and response shapes so the engine's
 * ordinary Solana client (@solana/kit) talks to it as it would to mainnet.
 *
 * Built on node:http rather than fastify: the whole protocol is one POST route, and the
 * server must own the raw body both ways (u64 values parsed without precision loss and
 * written back as plain JSON numbers, f64 values written as floats), which fastify's JSON
 * parser and serializer would only get in the way of. No dependency, nothing to configure.
 *
 * Sandbox-only extras: `sandbox_getCallCounts` / `sandbox_resetCallCounts` (and
 * GET /sandbox/stats) expose how many times each method was called, so tests can assert
 * call budgets; GET /health answers "ok" like a validator does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getBase58Decoder, getBase58Encoder, getBase64Encoder, type Address } from '@solana/kit';
import type { Logger } from '../kernel/logger';
import {
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  RPC_SIGNATURE_VERIFICATION_FAILURE,
  RpcError,
  type TransactionErrorJson,
} from './errors';
import {
  accountKeysOf,
  decodeMessage,
  feeForMessage,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
  type AccountState,
  type DecodedMessage,
  type LandedTransaction,
  type SandboxLedger,
  type TokenBalance,
} from './ledger';
import {
  ACCOUNT_ENCODINGS,
  computeUnitPrice,
  encodeAccount,
  encodeTokenBalance,
  encodeTransactionJson,
  parseFullTokenAccount,
  parseMint,
  tokenAmount,
  writableAccounts,
  type AccountEncoding,
  type AccountLookup,
} from './rpc-encoding';
import { parseRpc, stringifyRpc } from './rpc-json';
import { asAddress, asSignature, invalidParams, Params, type Config } from './rpc-params';

/** The Agave version the sandbox reports in every response context. */
export const SANDBOX_API_VERSION = '2.3.6';
/** A feature-set id in getVersion's shape. */
const SANDBOX_FEATURE_SET = 3_294_202_862;

export const RPC_MIN_CONTEXT_SLOT_NOT_REACHED = -32016;
export const RPC_UNSUPPORTED_TRANSACTION_VERSION = -32015;
const RPC_INTERNAL_ERROR = -32603;

/** Solana's limits. */
const MAX_MULTIPLE_ACCOUNTS = 100;
const MAX_SIGNATURE_STATUSES = 256;
/** The all-zero blockhash (base58 of 32 zero bytes), for airdrops that have no message of their own. */
const ZERO_BLOCKHASH = '11111111111111111111111111111111';
/** getSignaturesForAddress returns at most this many per call (Solana's limit). */
const MAX_SIGNATURES_FOR_ADDRESS = 1000;
const MAX_PRIORITIZATION_FEE_ADDRESSES = 128;
/** The status cache holds the last MAX_RECENT_BLOCKHASHES (300) slots; older needs searchTransactionHistory. */
const STATUS_CACHE_SLOTS = 300n;
/** A landed transaction is rooted (finalized) this many slots later. */
const FINALITY_SLOTS = 32n;
/** The prioritization-fee cache covers the last 150 blocks. */
const PRIORITIZATION_FEE_SLOTS = 150n;
/** Wire limits (PACKET_DATA_SIZE and its encoded sizes). */
const MAX_WIRE_BYTES = 1232;
const MAX_BASE64_WIRE = 1644;
const MAX_BASE58_WIRE = 1683;
/** jsonrpc-http-server's request body cap. */
const MAX_BODY_BYTES = 50 * 1024;

export interface RpcServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  log: Logger;
}

export interface RpcServer {
  /** e.g. http://127.0.0.1:45123 */
  url: string;
  close(): Promise<void>;
  /** Calls so far per method name (every entry of a batch counts), sandbox_* methods excluded. */
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
}

type Handler = (p: Params) => unknown;

interface JsonRpcResponse {
  jsonrpc: '2.0';
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  id: unknown;
}

const base58Bytes = getBase58Encoder();
const base64Bytes = getBase64Encoder();
const base58Text = getBase58Decoder();

export async function startRpcServer(ledger: SandboxLedger, opts: RpcServerOptions): Promise<RpcServer> {
  const log = opts.log;
  const counts = new Map<string, number>();
  const fees = new PrioritizationFees();
  const unsubscribe = ledger.onTransaction((tx) => fees.record(tx));
  const methods = rpcMethods(ledger, fees);

  const callCounts = (): Record<string, number> =>
    Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  const resetCallCounts = (): void => counts.clear();

  const sandboxMethods: Record<string, Handler> = {
    sandbox_getCallCounts: (p) => {
      p.atMost(0);
      return callCounts();
    },
    sandbox_resetCallCounts: (p) => {
      p.atMost(0);
      const before = callCounts();
      resetCallCounts();
      return before;
    },
  };

  /** One request object of a (possibly batched) body; null for a notification. */
  function handleOne(req: unknown): JsonRpcResponse | null {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request'));
    }
    const r = req as Record<string, unknown>;
    const hasId = 'id' in r;
    const id = hasId ? r['id'] : null;
    const method = r['method'];
    if (typeof method === 'string' && !method.startsWith('sandbox_')) counts.set(method, (counts.get(method) ?? 0) + 1);
    if (r['jsonrpc'] !== '2.0' || typeof method !== 'string' || !validId(id)) {
      return errorResponse(validId(id) ? id : null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request'));
    }
    const started = performance.now();
    let response: JsonRpcResponse;
    try {
      const table = Object.hasOwn(methods, method)
        ? methods
        : Object.hasOwn(sandboxMethods, method)
          ? sandboxMethods
          : null;
      const handler = table?.[method];
      if (!handler) throw new RpcError(RPC_METHOD_NOT_FOUND, 'Method not found');
      const result = handler(Params.from(method, r['params']));
      response = { jsonrpc: '2.0', result: result === undefined ? null : result, id };
    } catch (e) {
      if (!(e instanceof RpcError)) log.warn({ err: e, method }, 'sandbox rpc: internal error');
      response = errorResponse(id, e);
    }
    log.debug(
      { method, ms: Math.round((performance.now() - started) * 10) / 10, ok: !response.error },
      'sandbox rpc call',
    );
    return hasId ? response : null;
  }

  function handleBody(text: string): string | null {
    let body: unknown;
    try {
      body = parseRpc(text);
    } catch {
      return stringifyRpc(errorResponse(null, new RpcError(RPC_PARSE_ERROR, 'Parse error')));
    }
    if (Array.isArray(body)) {
      if (body.length === 0)
        return stringifyRpc(errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request')));
      const out = body.map(handleOne).filter((r): r is JsonRpcResponse => r !== null);
      return out.length > 0 ? stringifyRpc(out) : null;
    }
    const one = handleOne(body);
    return one ? stringifyRpc(one) : null;
  }

  const server = createServer((req, res) => {
    void serve(req, res).catch((e: unknown) => {
      log.warn({ err: e }, 'sandbox rpc: request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal Server Error');
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, 'text/plain', 'ok');
    if (req.method === 'GET' && path === '/sandbox/stats')
      return send(res, 200, JSON_TYPE, JSON.stringify(callCounts()));
    if (req.method === 'OPTIONS') return send(res, 200, 'text/plain', '');
    if (req.method !== 'POST')
      return send(res, 405, 'text/plain', 'Used HTTP Method is not allowed. POST or OPTIONS is required');
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/json\b/i.test(type)) {
      req.resume();
      return send(
        res,
        415,
        'text/plain',
        'Supplied content type is not allowed. Content-Type: application/json is required',
      );
    }
    const body = await readBody(req);
    if (body === null) return send(res, 413, 'text/plain', 'Payload Too Large');
    const out = handleBody(body);
    if (out === null) return send(res, 200, JSON_TYPE, '');
    send(res, 200, JSON_TYPE, out);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, 'sandbox rpc listening');

  let closed: Promise<void> | null = null;
  return {
    url,
    callCounts,
    resetCallCounts,
    close() {
      closed ??= new Promise<void>((resolve) => {
        unsubscribe();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function validId(id: unknown): boolean {
  return id === null || typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint';
}

function errorResponse(id: unknown, e: unknown): JsonRpcResponse {
  if (e instanceof RpcError) {
    const error: JsonRpcResponse['error'] = { code: e.code, message: e.message };
    if (e.data !== undefined) error.data = e.data;
    return { jsonrpc: '2.0', error, id };
  }
  return {
    jsonrpc: '2.0',
    error: { code: RPC_INTERNAL_ERROR, message: `Internal error: ${(e as Error)?.message ?? String(e)}` },
    id,
  };
}

// ---- methods ------------------------------------------------------------

function rpcMethods(ledger: SandboxLedger, fees: PrioritizationFees): Record<string, Handler> {
  const context = () => ({ slot: ledger.currentSlot(), apiVersion: SANDBOX_API_VERSION });
  const withContext = (value: unknown) => ({ context: context(), value });
  const lookup: AccountLookup = (a) => ledger.account(a);

  /** commitment + minContextSlot, which most reads accept. */
  function checkContext(cfg: Config): void {
    cfg.commitment();
    const min = cfg.u64('minContextSlot');
    const slot = ledger.currentSlot();
    if (min !== undefined && min > slot) {
      throw new RpcError(RPC_MIN_CONTEXT_SLOT_NOT_REACHED, 'Minimum context slot has not been reached', {
        contextSlot: slot,
      });
    }
  }

  function accountEncoding(cfg: Config, fallback: AccountEncoding): AccountEncoding {
    return cfg.oneOf('encoding', ACCOUNT_ENCODINGS) ?? fallback;
  }

  function encode(acc: AccountState | null, encoding: AccountEncoding, cfg: Config) {
    return acc ? encodeAccount(acc, encoding, cfg.dataSlice(), lookup) : null;
  }

  return {
    getHealth: (p) => {
      p.atMost(0);
      return 'ok';
    },

    getVersion: (p) => {
      p.atMost(0);
      return { 'feature-set': SANDBOX_FEATURE_SET, 'solana-core': SANDBOX_API_VERSION };
    },

    getSlot: (p) => {
      checkContext(p.atMost(1).config(0));
      return ledger.currentSlot();
    },

    getBlockHeight: (p) => {
      checkContext(p.atMost(1).config(0));
      return ledger.blockHeight();
    },

    getLatestBlockhash: (p) => {
      checkContext(p.atMost(1).config(0));
      const { blockhash, lastValidBlockHeight } = ledger.latestBlockhash();
      return withContext({ blockhash, lastValidBlockHeight });
    },

    isBlockhashValid: (p) => {
      p.atMost(2);
      const hash = p.string(0, 'blockhash');
      checkContext(p.config(1));
      return withContext(ledger.isBlockhashValid(hash));
    },

    getBalance: (p) => {
      p.atMost(2);
      const addr = p.address(0, 'pubkey');
      checkContext(p.config(1));
      return withContext(ledger.account(addr)?.lamports ?? 0n);
    },

    getAccountInfo: (p) => {
      p.atMost(2);
      const addr = p.address(0, 'pubkey');
      const cfg = p.config(1);
      checkContext(cfg);
      // Solana's default for getAccountInfo is the legacy "binary" (bare base-58 string) encoding.
      return withContext(encode(ledger.account(addr), accountEncoding(cfg, 'binary'), cfg));
    },

    getMultipleAccounts: (p) => {
      p.atMost(2);
      const keys = p.array(0, 'pubkeys');
      if (keys.length > MAX_MULTIPLE_ACCOUNTS) {
        throw invalidParams(`Too many inputs provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
      }
      const addresses = keys.map((k, i) => asAddress(k, `pubkeys[${i}]`));
      const cfg = p.config(1);
      checkContext(cfg);
      const encoding = accountEncoding(cfg, 'base64');
      return withContext(addresses.map((a) => encode(ledger.account(a), encoding, cfg)));
    },

    getTokenAccountsByOwner: (p) => {
      p.atMost(3);
      const owner = p.address(0, 'owner');
      const filter = p.object(1, 'filter');
      const cfg = p.config(2);
      checkContext(cfg);
      const encoding = accountEncoding(cfg, 'binary');
      let program: Address;
      let mint: Address | null = null;
      if (filter.has('mint') === filter.has('programId')) {
        throw invalidParams('Invalid params: filter must be either {"mint": <address>} or {"programId": <address>}');
      }
      if (filter.has('mint')) {
        mint = asAddress(filter.raw('mint'), 'filter.mint');
        const mintAccount = ledger.account(mint);
        if (!mintAccount) throw invalidParams('Invalid param: could not find mint');
        if (mintAccount.owner !== TOKEN_PROGRAM && mintAccount.owner !== TOKEN_2022_PROGRAM) {
          throw invalidParams('Invalid param: not a Token mint');
        }
        program = mintAccount.owner;
      } else {
        program = asAddress(filter.raw('programId'), 'filter.programId');
        if (program !== TOKEN_PROGRAM && program !== TOKEN_2022_PROGRAM) {
          throw invalidParams('Invalid param: unrecognized Token program id');
        }
      }
      const accounts = ledger
        .programAccounts(program)
        .filter((a) => {
          const t = parseFullTokenAccount(a);
          return t !== null && t.owner === owner && (mint === null || t.mint === mint);
        })
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      return withContext(accounts.map((a) => ({ account: encode(a, encoding, cfg), pubkey: a.address })));
    },

    getTokenAccountBalance: (p) => {
      p.atMost(2);
      const addr = p.address(0, 'pubkey');
      p.config(1).commitment();
      const acc = ledger.account(addr);
      const t = acc ? parseFullTokenAccount(acc) : null;
      if (!t) throw invalidParams('Invalid param: not a Token account');
      const mint = ledger.account(t.mint);
      const decimals = mint ? parseMint(mint)?.decimals : undefined;
      if (decimals === undefined) throw invalidParams('Invalid param: Token mint could not be unpacked');
      return withContext(tokenAmount(t.amount, decimals));
    },

    getTokenSupply: (p) => {
      p.atMost(2);
      const addr = p.address(0, 'mint');
      p.config(1).commitment();
      const acc = ledger.account(addr);
      const m = acc ? parseMint(acc) : null;
      if (!m) throw invalidParams('Invalid param: not a Token mint');
      return withContext(tokenAmount(m.supply, m.decimals));
    },

    getMinimumBalanceForRentExemption: (p) => {
      p.atMost(2);
      const size = p.u64(0, 'dataLength');
      p.config(1).commitment();
      return ledger.minimumBalanceForRentExemption(size);
    },

    getFeeForMessage: (p) => {
      p.atMost(2);
      const encoded = p.string(0, 'message');
      checkContext(p.config(1));
      let message: DecodedMessage;
      try {
        message = decodeMessage(decodeBase64(encoded, 'message'));
      } catch (e) {
        if (e instanceof RpcError) throw e;
        throw invalidParams(`Invalid params: failed to deserialize the message: ${(e as Error).message}`);
      }
      // A message whose blockhash has expired has no fee (null), as on Solana.
      return withContext(ledger.isBlockhashValid(message.lifetimeToken) ? feeForMessage(message) : null);
    },

    getRecentPrioritizationFees: (p) => {
      p.atMost(1);
      const list = p.optionalArray(0, 'addresses') ?? [];
      if (list.length > MAX_PRIORITIZATION_FEE_ADDRESSES) {
        throw invalidParams(`Too many inputs provided; max ${MAX_PRIORITIZATION_FEE_ADDRESSES}`);
      }
      const addresses = list.map((a, i) => asAddress(a, `addresses[${i}]`));
      return fees.recent(ledger.currentSlot(), addresses);
    },

    simulateTransaction: (p) => {
      p.atMost(2);
      const encodedTx = p.string(0, 'transaction');
      const cfg = p.config(1);
      checkContext(cfg);
      const sigVerify = cfg.bool('sigVerify', false);
      const replaceRecentBlockhash = cfg.bool('replaceRecentBlockhash', false);
      if (sigVerify && replaceRecentBlockhash)
        throw invalidParams('sigVerify may not be used with replaceRecentBlockhash');
      cfg.bool('innerInstructions', false);
      const wire = decodeWire(encodedTx, cfg.oneOf('encoding', ['base58', 'base64'] as const) ?? 'base58');
      const accountsCfg = cfg.object('accounts');
      let requested: Address[] = [];
      let accountsEncoding: AccountEncoding = 'base64';
      if (accountsCfg) {
        const enc = accountsCfg.oneOf('encoding', ACCOUNT_ENCODINGS) ?? 'base64';
        if (enc === 'binary' || enc === 'base58') throw invalidParams('base58 encoding not supported');
        accountsEncoding = enc;
        requested = (accountsCfg.array('addresses') ?? []).map((a, i) => asAddress(a, `accounts.addresses[${i}]`));
      }
      const decoded = ledger.decode(wire);
      const { message } = decoded;
      const keys = accountKeysOf(message);
      if (requested.length > keys.length) throw invalidParams(`Too many accounts provided; max ${keys.length}`);
      const pre = keys.map((k) => ledger.account(k));
      const sim = ledger.simulate(wire, {
        sigVerify,
        replaceRecentBlockhash,
        accounts: [...keys, ...requested],
        decoded,
      });
      // Each mint read once for both token-balance lists (a mint's decimals do not change in a call).
      const mints = new Map<Address, AccountState | null>();
      const mintOf: AccountLookup = (a) => {
        if (!mints.has(a)) mints.set(a, lookup(a));
        return mints.get(a) ?? null;
      };
      if (sigVerify && sim.err === 'SignatureFailure') {
        throw new RpcError(RPC_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
      }
      const ok = sim.err === null;
      const post = ok && sim.accounts ? sim.accounts.slice(0, keys.length) : null;
      const requestedPost = ok && sim.accounts ? sim.accounts.slice(keys.length) : requested.map(() => null);
      const charged = ok || isInstructionError(sim.err);
      return withContext({
        accounts: accountsCfg
          ? requestedPost.map((a) => (a ? encodeAccount(a, accountsEncoding, undefined, lookup) : null))
          : null,
        err: sim.err,
        fee: charged ? feeForMessage(message) : null,
        innerInstructions: cfg.bool('innerInstructions', false) ? [] : null,
        loadedAccountsDataSize: pre.reduce((n, a) => n + (a?.data.length ?? 0), 0),
        loadedAddresses: message.loadedAddresses,
        logs: sim.logs,
        postBalances: post ? post.map((a) => a?.lamports ?? 0n) : null,
        postTokenBalances: post ? tokenBalances(post, mintOf).map(encodeTokenBalance) : null,
        preBalances: ok ? pre.map((a) => a?.lamports ?? 0n) : null,
        preTokenBalances: ok ? tokenBalances(pre, mintOf).map(encodeTokenBalance) : null,
        replacementBlockhash: sim.replacementBlockhash,
        returnData: null,
        unitsConsumed: sim.unitsConsumed,
      });
    },

    sendTransaction: (p) => {
      p.atMost(2);
      const encodedTx = p.string(0, 'transaction');
      const cfg = p.config(1);
      const encoding = cfg.oneOf('encoding', ['base58', 'base64'] as const) ?? 'base58';
      const skipPreflight = cfg.bool('skipPreflight', false);
      cfg.commitment('preflightCommitment');
      cfg.u64('maxRetries');
      checkContext(cfg);
      const wire = decodeWire(encodedTx, encoding);
      return ledger.send(wire, { skipPreflight });
    },

    getSignaturesForAddress: (p) => {
      p.atMost(2);
      const addr = p.address(0, 'address');
      const cfg = p.config(1);
      checkContext(cfg);
      // Solana's server-side default is finalized; 'processed' is refused as on a real node.
      const commitment = cfg.commitment() ?? 'finalized';
      if (commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
      const limit = cfg.u64('limit') ?? BigInt(MAX_SIGNATURES_FOR_ADDRESS);
      if (limit < 1n || limit > BigInt(MAX_SIGNATURES_FOR_ADDRESS)) {
        throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES_FOR_ADDRESS}`);
      }
      const before = cfg.string('before');
      const until = cfg.string('until');
      if (before !== undefined) asSignature(before, 'before');
      if (until !== undefined) asSignature(until, 'until');
      const slot = ledger.currentSlot();
      return ledger
        .signaturesFor(addr, { limit: Number(limit), before: before ?? null, until: until ?? null })
        .filter((tx) => commitment !== 'finalized' || slot - tx.slot >= FINALITY_SLOTS)
        .map((tx) => ({
          signature: tx.signature,
          slot: tx.slot,
          err: tx.err,
          memo: null,
          blockTime: tx.blockTime,
          confirmationStatus: slot - tx.slot >= FINALITY_SLOTS ? 'finalized' : 'confirmed',
        }));
    },

    getSignatureStatuses: (p) => {
      p.atMost(2);
      const list = p.array(0, 'signatures');
      if (list.length > MAX_SIGNATURE_STATUSES) {
        throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`);
      }
      const signatures = list.map((s, i) => asSignature(s, `signatures[${i}]`));
      const search = p.config(1).bool('searchTransactionHistory', false);
      const slot = ledger.currentSlot();
      return withContext(
        signatures.map((sig) => {
          const tx = ledger.landed(sig);
          if (!tx) return null;
          const age = slot - tx.slot;
          if (!search && age > STATUS_CACHE_SLOTS) return null;
          const finalized = age >= FINALITY_SLOTS;
          return {
            slot: tx.slot,
            confirmations: finalized ? null : age,
            err: tx.err,
            status: statusOf(tx.err),
            // One validator votes at once: a landed transaction is confirmed straight away.
            confirmationStatus: finalized ? 'finalized' : 'confirmed',
          };
        }),
      );
    },

    getTransaction: (p) => {
      p.atMost(2);
      const sig = p.signature(0, 'signature');
      // The config may also be the legacy bare encoding string.
      const raw = p.raw(1);
      const cfg = typeof raw === 'string' ? Params.from('getTransaction', [{ encoding: raw }]).config(0) : p.config(1);
      const encoding = cfg.oneOf('encoding', ['json', 'jsonParsed', 'base58', 'base64', 'binary'] as const) ?? 'json';
      if (encoding === 'jsonParsed') {
        throw invalidParams(
          'Invalid params: the sandbox RPC does not support "jsonParsed" for getTransaction; use "json" or "base64"',
        );
      }
      // Solana's server-side default is finalized (kit leaves `finalized` out of the request).
      const commitment = cfg.commitment() ?? 'finalized';
      if (commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
      const maxVersion = cfg.u64('maxSupportedTransactionVersion');
      const tx = ledger.landed(sig);
      if (!tx) return null;
      if (commitment === 'finalized' && ledger.currentSlot() - tx.slot < FINALITY_SLOTS) return null;
      if (tx.wire === '') {
        // A sandbox airdrop: LiteSVM mints it without transaction bytes the ledger could show. In
        // "json" it is served with an empty message over its real accounts and balance changes
        // (what a history reader needs: a deposit from a faucet, as on devnet); as bytes it has none.
        if (encoding !== 'json') return null;
        return {
          slot: tx.slot,
          transaction: {
            signatures: [tx.signature],
            message: {
              header: { numRequiredSignatures: 0, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 0 },
              accountKeys: tx.accountKeys,
              recentBlockhash: ZERO_BLOCKHASH,
              instructions: [],
              ...(maxVersion === undefined ? {} : { addressTableLookups: [] }),
            },
          },
          meta: transactionMeta(tx),
          version: maxVersion === undefined ? undefined : 0,
          blockTime: tx.blockTime,
        };
      }
      const bytes = base64Bytes.encode(tx.wire) as Uint8Array;
      const decoded = ledger.decode(bytes, tx.loadedAddresses);
      const version = decoded.message.version;
      if (version !== 'legacy' && (maxVersion === undefined || BigInt(version) > maxVersion)) {
        throw new RpcError(
          RPC_UNSUPPORTED_TRANSACTION_VERSION,
          `Transaction version (${version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${version}`,
        );
      }
      let transaction: unknown;
      if (encoding === 'json') transaction = encodeTransactionJson(decoded.tx, decoded.message);
      else if (encoding === 'base64') transaction = [tx.wire, 'base64'];
      else if (encoding === 'base58') transaction = [base58Text.decode(bytes), 'base58'];
      else transaction = base58Text.decode(bytes);
      return {
        slot: tx.slot,
        transaction,
        meta: transactionMeta(tx),
        version: maxVersion === undefined ? undefined : version,
        blockTime: tx.blockTime,
      };
    },

    requestAirdrop: (p) => {
      p.atMost(3);
      const to = p.address(0, 'pubkey');
      const lamports = p.u64(1, 'lamports');
      p.config(2).commitment();
      if (lamports === 0n) throw invalidParams('Invalid params: lamports must be greater than zero');
      return ledger.airdrop(to, lamports);
    },
  };
}

function statusOf(err: TransactionErrorJson | null): Record<string, unknown> {
  return err === null ? { Ok: null } : { Err: err };
}

function isInstructionError(err: TransactionErrorJson | null): boolean {
  return err !== null && typeof err === 'object' && 'InstructionError' in err;
}

function transactionMeta(tx: LandedTransaction): Record<string, unknown> {
  return {
    err: tx.err,
    status: statusOf(tx.err),
    fee: tx.fee,
    preBalances: tx.preBalances,
    postBalances: tx.postBalances,
    innerInstructions: [],
    logMessages: tx.logs,
    preTokenBalances: tx.preTokenBalances.map(encodeTokenBalance),
    postTokenBalances: tx.postTokenBalances.map(encodeTokenBalance),
    rewards: [],
    loadedAddresses: tx.loadedAddresses ?? { writable: [], readonly: [] },
    computeUnitsConsumed: tx.computeUnits,
  };
}

/** Token balances of a transaction's accounts (those that are SPL token accounts). */
function tokenBalances(accounts: (AccountState | null)[], lookup: AccountLookup): TokenBalance[] {
  const out: TokenBalance[] = [];
  accounts.forEach((a, i) => {
    const t = a ? parseFullTokenAccount(a) : null;
    if (!a || !t) return;
    const mint = lookup(t.mint);
    out.push({
      accountIndex: i,
      mint: t.mint,
      owner: t.owner,
      programId: a.owner,
      amount: t.amount,
      decimals: mint ? (parseMint(mint)?.decimals ?? 0) : 0,
    });
  });
  return out;
}

function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
    throw invalidParams(`Invalid params: ${what} is not valid base64`);
  }
  return base64Bytes.encode(text) as Uint8Array;
}

/** A wire transaction from sendTransaction / simulateTransaction, with Solana's size limits. */
function decodeWire(text: string, encoding: 'base58' | 'base64'): Uint8Array {
  if (encoding === 'base58') {
    if (text.length > MAX_BASE58_WIRE) {
      throw invalidParams(
        `base58 encoded solana_transaction::versioned::VersionedTransaction too large: ${text.length} bytes (max: encoded/raw ${MAX_BASE58_WIRE}/${MAX_WIRE_BYTES})`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = base58Bytes.encode(text) as Uint8Array;
    } catch {
      throw invalidParams('invalid base58 encoding: the transaction is not valid base-58');
    }
    return checkWireSize(bytes);
  }
  if (text.length > MAX_BASE64_WIRE) {
    throw invalidParams(
      `base64 encoded solana_transaction::versioned::VersionedTransaction too large: ${text.length} bytes (max: encoded/raw ${MAX_BASE64_WIRE}/${MAX_WIRE_BYTES})`,
    );
  }
  return checkWireSize(decodeBase64(text, 'the transaction'));
}

function checkWireSize(bytes: Uint8Array): Uint8Array {
  if (bytes.length > MAX_WIRE_BYTES) {
    throw invalidParams(
      `decoded solana_transaction::versioned::VersionedTransaction too large: ${bytes.length} bytes (max: ${MAX_WIRE_BYTES} bytes)`,
    );
  }
  return bytes;
}

// ---- prioritization fees ------------------------------------------------

interface FeeSample {
  price: bigint;
  writable: Set<string>;
}

/**
 * getRecentPrioritizationFees: per block, the lowest compute-unit price any landed
 * transaction paid, raised to the lowest price paid by transactions write-locking each
 * requested account (Agave's rule). Kept in memory for the last 150 slots, like Agave's cache.
 */
class PrioritizationFees {
  private readonly bySlot = new Map<bigint, FeeSample[]>();

  record(tx: LandedTransaction): void {
    if (tx.wire === '' || tx.err !== null) return;
    let message: DecodedMessage;
    try {
      const bytes = base64Bytes.encode(tx.wire) as Uint8Array;
      // Skip the signatures: a compact-u16 count (< 128 here, one byte) then 64 bytes each.
      message = decodeMessage(bytes.subarray(1 + (bytes[0] ?? 0) * 64));
      if (tx.loadedAddresses) message.loadedAddresses = tx.loadedAddresses;
    } catch {
      return;
    }
    const samples = this.bySlot.get(tx.slot) ?? [];
    samples.push({ price: computeUnitPrice(message), writable: new Set(writableAccounts(message)) });
    this.bySlot.set(tx.slot, samples);
    for (const s of this.bySlot.keys()) if (s + PRIORITIZATION_FEE_SLOTS <= tx.slot) this.bySlot.delete(s);
  }

  recent(current: bigint, addresses: Address[]): { slot: bigint; prioritizationFee: bigint }[] {
    const out: { slot: bigint; prioritizationFee: bigint }[] = [];
    const first = current >= PRIORITIZATION_FEE_SLOTS - 1n ? current - PRIORITIZATION_FEE_SLOTS + 1n : 0n;
    for (let slot = first; slot <= current; slot++) {
      const samples = this.bySlot.get(slot) ?? [];
      let fee = min(samples.map((s) => s.price)) ?? 0n;
      for (const a of addresses) {
        const own = min(samples.filter((s) => s.writable.has(a)).map((s) => s.price));
        if (own !== null && own > fee) fee = own;
      }
      out.push({ slot, prioritizationFee: fee });
    }
    return out;
  }
}

function min(xs: bigint[]): bigint | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => (b < a ? b : a));
}
