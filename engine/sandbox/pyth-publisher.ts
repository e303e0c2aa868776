import { getAddressEncoder, type Address } from '@solana/kit';
import type { Clock } from '../kernel/clock';
import {
  encodePriceUpdateV2,
  feedIdFromHex,
  PYTH_FEEDS,
  PYTH_PUSH_ORACLE_PROGRAM,
  PYTH_RECEIVER_PROGRAM,
  toMantissa,
  type PythFeed,
} from '../market/oracle';
import type { SandboxLedger } from './ledger';
import type { PriceReplay } from './price-replay';

/** Pyth publishes crypto USD prices with exponent -8. */
const EXPONENT = -8;
/** The sandbox quotes a confidence of 5 bps of the price (Pyth's majors run at a few bps). */
const CONF_BPS = 5n;

/**
 * The sandbox's Pyth push oracle: PriceUpdateV2 accounts in the real layout, at the real
 * sponsored push-feed addresses, owned by the real receiver program, carrying the price
 * replay's current price (sandbox overrides included). An account is re-posted when it is
 * read and the price or the second has changed since its last post, so the engine's
 * ordinary RPC reads always see what a live push oracle would show. `pause` stops posting
 * (the on-chain price then ages, as when a feed stops updating).
 */
export class SandboxPythPublisher {
  private readonly byAccount = new Map<string, PythFeed>();
  private readonly posted = new Map<string, { usd: number; publishTime: bigint }>();
  private readonly paused = new Set<string>();
  private readonly writeAuthority: Uint8Array;
  private readonly unhook: () => void;

  constructor(
    private readonly ledger: SandboxLedger,
    private readonly replay: PriceReplay,
    private readonly clock: Clock,
    feeds: readonly PythFeed[] = PYTH_FEEDS,
  ) {
    for (const f of feeds) if (replay.supports(f.mint)) this.byAccount.set(f.account, f);
    // The sandbox has no posting keys: the push oracle program's id stands in as the writer.
    this.writeAuthority = new Uint8Array(getAddressEncoder().encode(PYTH_PUSH_ORACLE_PROGRAM));
    this.unhook = ledger.beforeRead((a) => this.refresh(a));
    for (const a of this.byAccount.keys()) this.refresh(a as Address);
  }

  /** Stops posting one feed (by mint), or all of them. */
  pause(mint?: string): void {
    for (const f of this.byAccount.values()) if (mint === undefined || f.mint === mint) this.paused.add(f.account);
  }

  resume(mint?: string): void {
    if (mint === undefined) this.paused.clear();
    else for (const f of this.byAccount.values()) if (f.mint === mint) this.paused.delete(f.account);
  }

  accounts(): Address[] {
    return [...this.byAccount.keys()] as Address[];
  }

  private refresh(account: Address): void {
    const f = this.byAccount.get(account);
    if (!f || this.paused.has(account)) return;
    const usd = this.replay.price(f.mint);
    if (usd === null) return;
    const publishTime = BigInt(Math.floor(this.clock.now() / 1000));
    const prev = this.posted.get(account);
    if (prev && prev.usd === usd && prev.publishTime === publishTime) return;
    const price = toMantissa(usd, EXPONENT);
    const data = encodePriceUpdateV2({
      writeAuthority: this.writeAuthority,
      verificationLevel: { kind: 'full' },
      feedId: feedIdFromHex(f.feedIdHex),
      price,
      conf: (price * CONF_BPS) / 10_000n,
      exponent: EXPONENT,
      publishTime,
      prevPublishTime: prev?.publishTime ?? publishTime,
      emaPrice: price,
      emaConf: (price * CONF_BPS) / 10_000n,
      postedSlot: this.ledger.currentSlot(),
    });
    this.ledger.setAccount({
      address: account,
      lamports: this.ledger.minimumBalanceForRentExemption(BigInt(data.length)),
      owner: PYTH_RECEIVER_PROGRAM,
      data,
      executable: false,
    });
    this.posted.set(account, { usd, publishTime });
  }

  close(): void {
    this.unhook();
  }
}
