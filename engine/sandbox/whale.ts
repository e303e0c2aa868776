import { getBase64Encoder, getTransactionDecoder, type Address } from '@solana/kit';
import { randomInt } from 'node:crypto';
import type { Clock } from '../kernel/clock';
import { silentLogger, type Logger } from '../kernel/logger';
import type { SandboxFaucet } from './faucet';
import { parseTokenAccount, type SandboxLedger } from './ledger';
import type { SandboxMarketMaker } from './market-maker';
import { PlayKey } from './play-keys';
import { associatedTokenAddress, tokenBySymbol, USDC_MINT, type SandboxToken } from './tokens';
import { signWith, toWire } from './tx-build';

/** Meta keys of the whale: its key, and its schedule (kept with the chain, so it survives a restart). */
export const SANDBOX_WHALE_META = 'sandbox.whale.seed';
const CONFIG_META = 'sandbox.whale.config';

export interface WhaleConfig {
  /** Off by default: the whale trades only once started (`harvest sandbox whale start`). */
  enabled: boolean;
  /** Seconds between trades. */
  everySec: number;
  /** USDC per buy. */
  usd: number;
  /** What it trades (sandbox token symbols other than stablecoins). */
  tokens: string[];
}

export interface WhaleTrade {
  signature: string;
  side: 'buy' | 'sell';
  token: string;
  /** Clock ms when it landed. */
  at: number;
}

/** What `sandbox.whale` asks of the whale: its status, a new schedule, or one trade now. */
export interface WhaleRequest {
  action: 'status' | 'start' | 'stop' | 'trade';
  config?: Partial<Omit<WhaleConfig, 'enabled'>>;
}

export interface WhaleStatus extends WhaleConfig {
  address: string;
  trades: number;
  lastTrade: WhaleTrade | null;
}

const DEFAULT_CONFIG: WhaleConfig = { enabled: false, everySec: 30, usd: 50, tokens: ['SOL', 'WETH', 'WBTC'] };
const LAMPORTS_PER_SOL = 1_000_000_000n;
/** SOL the whale keeps for its fees and token-account rent, never sold. */
const SOL_KEEP = 2n * LAMPORTS_PER_SOL;

/**
 * A simulated whale: a wallet outside Harvest that swaps through the sandbox
 * market maker on its own schedule, as a busy trader on mainnet would, so a
 * friend can follow it and copy trading can be seen working offline. It buys
 * a token for `usd` USDC, then sells half or all of something it holds, in
 * turn; it tops itself up from the faucet when it runs low. Its swaps are
 * ordinary signed transactions: a follower reads them from the chain like any.
 */
export class SandboxWhale {
  readonly key: PlayKey;
  private trades = 0;
  private last: WhaleTrade | null = null;
  private stopper: AbortController | null = null;
  private busy: Promise<WhaleTrade> | null = null;

  constructor(
    private readonly ledger: SandboxLedger,
    private readonly market: SandboxMarketMaker,
    private readonly faucet: SandboxFaucet,
    private readonly clock: Clock,
    private readonly log: Logger = silentLogger,
  ) {
    this.key = PlayKey.persisted(ledger, SANDBOX_WHALE_META);
    if (this.config().enabled) this.schedule();
  }

  get address(): Address {
    return this.key.address;
  }

  config(): WhaleConfig {
    const raw = this.ledger.getMeta(CONFIG_META);
    return raw ? { ...DEFAULT_CONFIG, ...(JSON.parse(raw) as Partial<WhaleConfig>) } : { ...DEFAULT_CONFIG };
  }

  status(): WhaleStatus {
    return { ...this.config(), address: this.address, trades: this.trades, lastTrade: this.last };
  }

  /** Changes the schedule (and starts or stops it); validated by the caller's schema, checked again here. */
  configure(patch: Partial<WhaleConfig>): WhaleStatus {
    const next = { ...this.config(), ...patch };
    if (!(next.everySec >= 1)) throw new Error('the whale trades at most once a second');
    if (!(next.usd > 0)) throw new Error('the whale buys for more than $0');
    for (const s of next.tokens) {
      const t = tokenBySymbol(s);
      if (!t || t.priceSource.kind === 'fixed') throw new Error(`the whale trades SOL, WETH or WBTC, not "${s}"`);
    }
    if (next.tokens.length === 0) throw new Error('the whale needs a token to trade');
    this.ledger.setMeta(CONFIG_META, JSON.stringify(next));
    this.stopper?.abort();
    this.stopper = null;
    if (next.enabled) this.schedule();
    return this.status();
  }

  private schedule(): void {
    const stopper = new AbortController();
    this.stopper = stopper;
    void (async () => {
      while (!stopper.signal.aborted) {
        await this.clock.sleep(this.config().everySec * 1000, stopper.signal).catch(() => undefined);
        if (stopper.signal.aborted) return;
        try {
          await this.tradeOnce();
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'sandbox whale: trade failed');
        }
      }
    })();
  }

  /** One swap now (alternating buys and sells); one at a time. */
  tradeOnce(): Promise<WhaleTrade> {
    this.busy ??= this.trade().finally(() => (this.busy = null));
    return this.busy;
  }

  private async trade(): Promise<WhaleTrade> {
    const cfg = this.config();
    await this.topUp(cfg);
    const held = await this.holdings(cfg);
    const sell = this.trades % 2 === 1 && held.length > 0;
    let input: string;
    let output: string;
    let amount: bigint;
    let token: SandboxToken;
    if (sell) {
      const [t, qty] = held[randomInt(held.length)]!;
      token = t;
      // Half or all of it: a follower sells the same share of what its copy holds.
      amount = randomInt(2) === 0 ? qty / 2n : qty;
      [input, output] = [t.mint, USDC_MINT];
    } else {
      token = tokenBySymbol(cfg.tokens[randomInt(cfg.tokens.length)]!)!;
      amount = BigInt(Math.round(cfg.usd * 1e6));
      [input, output] = [USDC_MINT, token.mint];
    }
    const quote = this.market.quote({ inputMint: input, outputMint: output, amount, slippageBps: 100 });
    const built = await this.market.buildSwap({ quoteResponse: quote, userPublicKey: this.address });
    const tx = getTransactionDecoder().decode(getBase64Encoder().encode(built.swapTransaction));
    const signature = this.ledger.send(toWire(signWith(tx, [this.key])));
    this.trades++;
    this.last = { signature, side: sell ? 'sell' : 'buy', token: token.symbol, at: this.clock.now() };
    this.log.info({ signature, side: this.last.side, token: token.symbol }, 'sandbox whale traded');
    return this.last;
  }

  /** What it holds of the tokens it trades (SOL above what it keeps for fees), biggest first. */
  private async holdings(cfg: WhaleConfig): Promise<[SandboxToken, bigint][]> {
    const out: [SandboxToken, bigint][] = [];
    for (const s of cfg.tokens) {
      const t = tokenBySymbol(s)!;
      const qty = t.native
        ? (this.ledger.account(this.address)?.lamports ?? 0n) - SOL_KEEP - 5n * LAMPORTS_PER_SOL
        : await this.tokenBalance(t);
      if (qty > 1000n) out.push([t, qty]);
    }
    return out;
  }

  private async tokenBalance(t: SandboxToken): Promise<bigint> {
    const acc = this.ledger.account(await associatedTokenAddress(this.address, t));
    return acc ? (parseTokenAccount(acc)?.amount ?? 0n) : 0n;
  }

  private async topUp(cfg: WhaleConfig): Promise<void> {
    const lamports = this.ledger.account(this.address)?.lamports ?? 0n;
    const usdc = await this.tokenBalance(tokenBySymbol('USDC')!);
    const wantUsdc = BigInt(Math.round(cfg.usd * 1e6)) * 20n;
    const req = {
      // 5 SOL of float on top of what it keeps: SOL it bought is what it sells.
      ...(lamports < SOL_KEEP ? { lamports: SOL_KEEP + 5n * LAMPORTS_PER_SOL - lamports } : {}),
      tokens: usdc < wantUsdc / 4n ? [{ mint: USDC_MINT as string, amount: wantUsdc }] : [],
    };
    if (req.lamports !== undefined || req.tokens.length > 0) await this.faucet.fund(this.address, req);
  }

  close(): void {
    this.stopper?.abort();
    this.stopper = null;
  }
}
