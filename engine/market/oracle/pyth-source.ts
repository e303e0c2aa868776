import type { Address } from '@solana/kit';
import type { AccountSnapshot } from '../../chain/types';
import { PriceFeedError, type PriceFeed } from '../price-feed';
import type { PriceTick } from '../types';
import { decodePriceUpdateV2, feedIdToHex, PythLayoutError, scaledPrice } from './pyth-account';
import { PYTH_FEEDS, PYTH_RECEIVER_PROGRAM, type PythFeed } from './pyth-feeds';

/** Reads accounts in one batch (the chain client's getMultipleAccounts), null for a missing one. */
export type AccountReader = (addresses: readonly Address[]) => Promise<(AccountSnapshot | null)[]>;

export interface PythPriceSourceOptions {
  read: AccountReader;
  feeds?: readonly PythFeed[];
  /** A price whose confidence interval is wider than this share of it is not used. Default 2 %. */
  maxConfidenceRatio?: number;
  name?: string;
}

export interface PythSkip {
  mint: string;
  reason: string;
}

/**
 * Pyth's on-chain prices, read through the ordinary RPC client: the sponsored push-feed
 * PriceUpdateV2 accounts of the tokens Harvest knows, all in one getMultipleAccounts. An
 * account is used only if the receiver program owns it, it decodes, its feed id is the
 * expected one, it is fully verified (every guardian signature checked) and its confidence
 * is tight; a tick's time is the price's publish time, so staleness is the oracle's own.
 * This source never sees the swap API.
 */
export class PythPriceSource implements PriceFeed {
  readonly name: string;
  private readonly feeds: readonly PythFeed[];
  private readonly maxConf: number;
  private skipped: PythSkip[] = [];

  constructor(private readonly opts: PythPriceSourceOptions) {
    this.name = opts.name ?? 'pyth';
    this.feeds = opts.feeds ?? PYTH_FEEDS;
    this.maxConf = opts.maxConfidenceRatio ?? 0.02;
  }

  async prices(mints: readonly string[]): Promise<Map<string, PriceTick>> {
    const wanted = this.feeds.filter((f) => mints.includes(f.mint));
    const out = new Map<string, PriceTick>();
    this.skipped = [];
    if (wanted.length === 0) return out;
    let accounts: (AccountSnapshot | null)[];
    try {
      accounts = await this.opts.read(wanted.map((f) => f.account));
    } catch (err) {
      throw new PriceFeedError(this.name, err instanceof Error ? err.message : String(err), null, { cause: err });
    }
    wanted.forEach((f, i) => {
      const verdict = this.read(f, accounts[i] ?? null);
      if (typeof verdict === 'string') this.skipped.push({ mint: f.mint, reason: verdict });
      else out.set(f.mint, verdict);
    });
    return out;
  }

  /** Why accounts were not used in the last call (missing, foreign owner, partial verification...). */
  lastSkipped(): readonly PythSkip[] {
    return this.skipped;
  }

  private read(f: PythFeed, acc: AccountSnapshot | null): PriceTick | string {
    if (!acc) return `no account at ${f.account}`;
    if (acc.owner !== PYTH_RECEIVER_PROGRAM) return `${f.account} is owned by ${acc.owner}, not the Pyth receiver`;
    let u;
    try {
      u = decodePriceUpdateV2(acc.data);
    } catch (e) {
      return e instanceof PythLayoutError ? e.message : String(e);
    }
    if (feedIdToHex(u.feedId) !== f.feedIdHex) return `${f.account} holds another feed`;
    if (u.verificationLevel.kind !== 'full') return `${f.pair} is only partially verified`;
    if (u.price <= 0n) return `${f.pair} has no positive price`;
    const usd = scaledPrice(u.price, u.exponent);
    const conf = scaledPrice(u.conf, u.exponent);
    if (!Number.isFinite(usd) || conf > usd * this.maxConf) return `${f.pair}'s confidence interval is too wide`;
    return { mint: f.mint, usd, at: Number(u.publishTime) * 1000, source: this.name };
  }
}
