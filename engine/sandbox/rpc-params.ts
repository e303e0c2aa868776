/**
 * Positional-parameter readers for the sandbox RPC server. Every failure is a JSON-RPC
 * -32602 (invalid params) error whose message says which parameter was wrong and why.
 */
import { isAddress, isSignature, type Address } from '@solana/kit';
import { RPC_INVALID_PARAMS, RpcError } from './errors';

export const U64_MAX = 18_446_744_073_709_551_615n;

export function invalidParams(message: string): RpcError {
  return new RpcError(RPC_INVALID_PARAMS, message);
}

function show(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 61)}...` : v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 64 ? `${s.slice(0, 61)}...` : s;
}

/** The positional parameters of one call. */
export class Params {
  constructor(
    private readonly method: string,
    private readonly list: readonly unknown[],
  ) {}

  static from(method: string, params: unknown): Params {
    if (params === undefined || params === null) return new Params(method, []);
    if (!Array.isArray(params)) {
      throw invalidParams(`Invalid params: ${method} takes an array of positional parameters, got ${show(params)}`);
    }
    return new Params(method, params);
  }

  /** Rejects calls with more parameters than the method takes. */
  atMost(n: number): this {
    if (this.list.length > n) {
      throw invalidParams(`Invalid params: ${this.method} takes at most ${n} parameter(s), got ${this.list.length}`);
    }
    return this;
  }

  raw(i: number): unknown {
    return this.list[i];
  }

  private required(i: number, name: string): unknown {
    const v = this.list[i];
    if (v === undefined) throw invalidParams(`Invalid params: ${this.method} needs parameter ${i} (${name})`);
    return v;
  }

  address(i: number, name: string): Address {
    return asAddress(this.required(i, name), `parameter ${i} (${name})`);
  }

  signature(i: number, name: string): string {
    return asSignature(this.required(i, name), `parameter ${i} (${name})`);
  }

  string(i: number, name: string): string {
    const v = this.required(i, name);
    if (typeof v !== 'string')
      throw invalidParams(`Invalid params: parameter ${i} (${name}) must be a string, got ${show(v)}`);
    return v;
  }

  u64(i: number, name: string): bigint {
    return asU64(this.required(i, name), `parameter ${i} (${name})`);
  }

  array(i: number, name: string): unknown[] {
    const v = this.required(i, name);
    if (!Array.isArray(v))
      throw invalidParams(`Invalid params: parameter ${i} (${name}) must be an array, got ${show(v)}`);
    return v;
  }

  optionalArray(i: number, name: string): unknown[] | undefined {
    const v = this.list[i];
    if (v === undefined || v === null) return undefined;
    return this.array(i, name);
  }

  object(i: number, name: string): Config {
    const v = this.required(i, name);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw invalidParams(`Invalid params: parameter ${i} (${name}) must be an object, got ${show(v)}`);
    }
    return new Config(v as Record<string, unknown>, name);
  }

  /** The optional trailing configuration object ({} when absent or null). */
  config(i: number): Config {
    const v = this.list[i];
    if (v === undefined || v === null) return new Config({}, 'config');
    return this.object(i, 'config');
  }
}

export type Commitment = 'processed' | 'confirmed' | 'finalized';

/** Solana still accepts the pre-1.9 commitment names and maps them. */
const COMMITMENTS: Record<string, Commitment> = {
  processed: 'processed',
  confirmed: 'confirmed',
  finalized: 'finalized',
  recent: 'processed',
  single: 'confirmed',
  singleGossip: 'confirmed',
  root: 'finalized',
  max: 'finalized',
};

/** A configuration object; each reader validates one field. */
export class Config {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly name: string,
  ) {}

  has(key: string): boolean {
    return this.fields[key] !== undefined && this.fields[key] !== null;
  }

  private where(key: string): string {
    return `${this.name}.${key}`;
  }

  raw(key: string): unknown {
    return this.fields[key];
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.fields[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean')
      throw invalidParams(`Invalid params: ${this.where(key)} must be true or false, got ${show(v)}`);
    return v;
  }

  u64(key: string): bigint | undefined {
    const v = this.fields[key];
    if (v === undefined || v === null) return undefined;
    return asU64(v, this.where(key));
  }

  string(key: string): string | undefined {
    const v = this.fields[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string')
      throw invalidParams(`Invalid params: ${this.where(key)} must be a string, got ${show(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) {
      throw invalidParams(
        `Invalid params: ${this.where(key)} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`,
      );
    }
    return v as T;
  }

  commitment(key = 'commitment'): Commitment | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const c = COMMITMENTS[v];
    if (!c)
      throw invalidParams(
        `Invalid params: ${this.where(key)} must be "processed", "confirmed" or "finalized", got ${show(v)}`,
      );
    return c;
  }

  object(key: string): Config | undefined {
    const v = this.fields[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw invalidParams(`Invalid params: ${this.where(key)} must be an object, got ${show(v)}`);
    }
    return new Config(v as Record<string, unknown>, this.where(key));
  }

  array(key: string): unknown[] | undefined {
    const v = this.fields[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw invalidParams(`Invalid params: ${this.where(key)} must be an array, got ${show(v)}`);
    return v;
  }

  /** dataSlice: {offset, length} */
  dataSlice(): { offset: number; length: number } | undefined {
    const s = this.object('dataSlice');
    if (!s) return undefined;
    const offset = s.u64('offset');
    const length = s.u64('length');
    if (offset === undefined || length === undefined) {
      throw invalidParams(`Invalid params: ${this.where('dataSlice')} needs both offset and length`);
    }
    return { offset: Number(offset), length: Number(length) };
  }
}

export function asAddress(v: unknown, where: string): Address {
  if (typeof v !== 'string' || !isAddress(v)) {
    throw invalidParams(`Invalid param: ${where} must be a base-58 encoded 32-byte address, got ${show(v)}`);
  }
  return v;
}

export function asSignature(v: unknown, where: string): string {
  if (typeof v !== 'string' || !isSignature(v)) {
    throw invalidParams(`Invalid param: ${where} must be a base-58 encoded 64-byte signature, got ${show(v)}`);
  }
  return v;
}

export function asU64(v: unknown, where: string): bigint {
  let n: bigint | null = null;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  if (n === null || n < 0n || n > U64_MAX) {
    throw invalidParams(`Invalid params: ${where} must be an unsigned 64-bit integer, got ${show(v)}`);
  }
  return n;
}
