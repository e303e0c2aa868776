/**
 * Price truth end to end (issue #10, items 1, 2 and their tests in 11): an in-process engine on
 * its in-process sandbox over real HTTP; the sandbox posts Pyth PriceUpdateV2 accounts on its
 * LiteSVM ledger and the engine reads them through its ordinary chain client; Jupiter's Price
 * API and swap API are reached through a hostile proxy in front of the sandbox's.
 *
 *   (a) the swap API lies on /price/v3 and quotes to match (a buy at ~10 % of fair value):
 *       refused and audited, because the on-chain oracle disagrees;
 *   (b) /price/v3 down for over 60 s: a sell is not signed below the floor from the last
 *       trusted price; beyond exitPriceMaxAgeSec the exit is STUCK with a critical event.
 */
import { createServer, type Server } from 'node:http';
import type { Address } from '@solana/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitMonitor, JupiterClient, TradeExecutionService, type OrderOutcome } from '../../engine/execution';
import { type ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { JupiterPriceFeed, ManualPriceFeed, tokenBySymbol, type TokenInfo } from '../../engine/market';
import {
  decodePriceUpdateV2,
  PYTH_FEEDS,
  PYTH_RECEIVER_PROGRAM,
  PriceQuorum,
  PythPriceSource,
  quorumEventsTo,
  scaledPrice,
} from '../../engine/market/oracle';
import { balanceGate, composeGates, controlsGate, orderSizeGate } from '../../engine/risk';
import type { Engine, Funds } from '../../engine/runtime';
import { Sandbox } from '../../engine/sandbox';
import type { PositionRow } from '../../engine/store';
import { tempDataDir } from '../helpers/datadir';
import { openEngine, engineExecParts } from '../helpers/engine';
import { permissiveRisk } from '../helpers/risk';
import { randomSecretKey } from './support';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const SOL = tokenBySymbol('SOL')!;
const LAMPORTS = 1_000_000_000n;
const usdc = (whole: number): bigint => BigInt(Math.round(whole * 1e6));

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
let sandbox: Sandbox;
let clock: ManualClock;
let api: HostileSwapApi;

/**
 * A Jupiter-compatible API in front of the sandbox's: /price/v3 can lie (one mint's price ×
 * factor) or be down (503); /swap/v2/build can shrink what the quote promises (outAmount and
 * minimum) to match such a lie. Everything else passes through.
 */
class HostileSwapApi {
  price: { mode: 'pass' } | { mode: 'down' } | { mode: 'lie'; mint: string; factor: number } = { mode: 'pass' };
  /** Share of the honest output the quote promises (1 = honest). */
  quoteShare = 1;
  private server!: Server;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.answer(req.method!, req.url!, Buffer.concat(chunks), req.headers['content-type'])
          .then(({ status, text }) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(text);
          })
          .catch((e: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: String(e) }));
          });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  }

  private async answer(
    method: string,
    url: string,
    body: Buffer,
    contentType: string | undefined,
  ): Promise<{ status: number; text: string }> {
    if (url.startsWith('/price/v3') && this.price.mode === 'down') return { status: 503, text: '{"error":"down"}' };
    const up = await fetch(`${this.upstream}${url}`, {
      method,
      headers: { 'content-type': contentType ?? 'application/json' },
      ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
    });
    let text = await up.text();
    if (up.ok && url.startsWith('/price/v3') && this.price.mode === 'lie') {
      const json = JSON.parse(text) as Record<string, { usdPrice: number } | null>;
      const entry = json[this.price.mint];
      if (entry) entry.usdPrice *= this.price.factor;
      text = JSON.stringify(json);
    }
    if (up.ok && url.startsWith('/swap/v2/build') && this.quoteShare !== 1) {
      const q = JSON.parse(text) as { outAmount: string; otherAmountThreshold: string };
      const share = BigInt(Math.round(this.quoteShare * 1e6));
      q.outAmount = ((BigInt(q.outAmount) * share) / 1_000_000n).toString();
      q.otherAmountThreshold = ((BigInt(q.otherAmountThreshold) * share) / 1_000_000n).toString();
      text = JSON.stringify(q);
    }
    return { status: up.status, text };
  }

  honest(): void {
    this.price = { mode: 'pass' };
    this.quoteShare = 1;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The engine's own quorum rule over the same two kinds of source, with Jupiter reached through the proxy. */
function quorumBehindProxy(): PriceQuorum {
  return new PriceQuorum({
    clock,
    sources: [
      {
        feed: new PythPriceSource({
          read: (a) => {
            funds.net.chain.clearCache();
            return funds.net.chain.getMultipleAccounts(a);
          },
        }),
        venue: false,
      },
      { feed: new JupiterPriceFeed({ baseUrl: api.url, clock }), venue: true },
    ],
    onEvent: quorumEventsTo(engine.bus),
  });
}

function serviceOver(prices: PriceQuorum): TradeExecutionService {
  return new TradeExecutionService({
    ...engineExecParts(engine),
    risk: composeGates(
      controlsGate(engine.controls),
      orderSizeGate(engine.store),
      balanceGate(engine.store, funds.net.name),
    ),
    prices,
    network: funds.net.name,
    chain: funds.net.chain,
    jupiter: new JupiterClient({ baseUrl: api.url }),
  });
}

beforeAll(async () => {
  dir = tempDataDir('hv-oracle-e2e-');
  engine = openEngine(dir.dir);
  funds = await engine.funds();
  expect(funds.net.sandbox).toBeInstanceOf(Sandbox);
  sandbox = funds.net.sandbox as Sandbox;
  clock = engine.clock as ManualClock;
  api = new HostileSwapApi(sandbox.swapApiUrl);
  await api.start();
}, 60_000);

afterAll(async () => {
  await api?.close();
  await engine?.close();
  dir?.cleanup();
});

interface TestUser {
  id: number;
  name: string;
  address: Address;
}

async function user(name: string, settings: Record<string, unknown> = {}): Promise<TestUser> {
  const u = engine.users.add(name, 'test');
  const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
  await sandbox.fund(w.address, { lamports: 2n * LAMPORTS, tokens: [{ mint: USDC.mint, amount: usdc(1000) }] });
  await permissiveRisk(engine, name);
  for (const [k, v] of Object.entries({ mode: 'live', breakerFailures: 100, ...settings })) {
    await engine.execute('settings.set', {
      user: name,
      key: k,
      value: typeof v === 'string' ? v : JSON.stringify(v),
      // Going live needs a confirmation (issue 10); these tests are about prices, not that step.
      confirm: true,
    });
  }
  return { id: u.id, name, address: w.address as Address };
}

let seq = 0;
function buy(exec: TradeExecutionService, u: TestUser, token: TokenInfo, quote: bigint, stop = 0.000001) {
  return exec.submit({
    userId: u.id,
    side: 'buy',
    inputMint: USDC.mint,
    outputMint: token.mint,
    amount: quote,
    context: 'manual',
    clientId: `oracle-${++seq}`,
    slippageBps: 50,
    stopLossPrice: stop,
  });
}

function sell(exec: TradeExecutionService, u: TestUser, token: TokenInfo, base: bigint) {
  return exec.submit({
    userId: u.id,
    side: 'sell',
    inputMint: token.mint,
    outputMint: USDC.mint,
    amount: base,
    context: 'manual',
    clientId: `oracle-${++seq}`,
    slippageBps: 50,
  });
}

const show = (o: unknown): string => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const sends = (): number => sandbox.rpc.callCounts()['sendTransaction'] ?? 0;

function eventsOf(type: string, userId?: number): { severity: string; payload: Record<string, unknown> }[] {
  return engine.store.events
    .list({ type, limit: 1000, ...(userId !== undefined ? { userId } : {}) })
    .reverse()
    .map((e) => ({ severity: e.severity, payload: e.payload as Record<string, unknown> }));
}

function priceRefusals(userId: number): Record<string, unknown>[] {
  return engine.store.audit
    .list({ limit: 1000, userId })
    .filter((r) => r.action === 'order.priceRefused')
    .reverse()
    .map((r) => r.details as Record<string, unknown>);
}

/** Nothing signed, nothing sent, no trade while `fn` runs. */
async function nothingSigned<T>(u: TestUser, fn: () => Promise<T>): Promise<T> {
  const signed = engine.signer.signedCount;
  const sent = sends();
  const trades = engine.store.portfolio.trades(u.id, { limit: 1000 }).length;
  const out = await fn();
  expect(engine.signer.signedCount).toBe(signed);
  expect(sends()).toBe(sent);
  expect(engine.store.portfolio.trades(u.id, { limit: 1000 })).toHaveLength(trades);
  return out;
}

function confirmed(o: OrderOutcome): Extract<OrderOutcome, { status: 'confirmed' }> {
  expect(o.status, show(o)).toBe('confirmed');
  return o as Extract<OrderOutcome, { status: 'confirmed' }>;
}

// =============================================================================

describe('the sandbox posts Pyth accounts and the engine trusts a quorum', () => {
  it('oracle accounts sit at the real push-feed addresses, owned by the receiver, in the real layout, at the replay price', async () => {
    for (const f of PYTH_FEEDS) {
      const acc = await funds.net.chain.getAccountInfo(f.account);
      expect(acc, f.pair).not.toBeNull();
      expect(acc!.owner).toBe(PYTH_RECEIVER_PROGRAM);
      const u = decodePriceUpdateV2(acc!.data);
      expect(u.verificationLevel).toEqual({ kind: 'full' });
      expect(Buffer.from(u.feedId).toString('hex')).toBe(f.feedIdHex);
      expect(scaledPrice(u.price, u.exponent)).toBeCloseTo(sandbox.replay.price(f.mint)!, 6);
      expect(Number(u.publishTime)).toBe(Math.floor(clock.now() / 1000));
    }
  });

  it("the engine's own prices: Pyth and Jupiter agree; a paused oracle leaves one source, so no trusted price, an event, and entries blocked", async () => {
    await funds.refreshPrices();
    const t = funds.prices.trusted(SOL.mint)!;
    expect(t.sources.sort()).toEqual(['jupiter', 'pyth']);
    expect(t.usd).toBeCloseTo(sandbox.replay.price(SOL.mint)!, 4);
    const ivy = await user('ivy');
    sandbox.pyth.pause();
    try {
      clock.advance(61_000);
      await funds.refreshPrices();
      expect(funds.prices.price(WETH.mint)).toBeNull();
      expect(funds.prices.whyUntrusted(WETH.mint)).toMatch(/only jupiter has a fresh price/);
      const stale = eventsOf('price.stale').map((e) => e.payload);
      expect(stale.find((p) => p['mint'] === WETH.mint)).toMatchObject({ reason: 'too-few' });
      const o = await nothingSigned(ivy, () => buy(funds.exec, ivy, WETH, usdc(50)));
      expect(o).toMatchObject({ status: 'rejected', code: 'STALE_PRICE' });
      expect(priceRefusals(ivy.id).at(-1)).toMatchObject({ code: 'STALE_PRICE', outputMint: WETH.mint });
    } finally {
      sandbox.pyth.resume();
    }
    await funds.refreshPrices();
    expect(funds.prices.trusted(WETH.mint)?.sources.sort()).toEqual(['jupiter', 'pyth']);
    expect(eventsOf('price.restored').some((e) => e.payload['mint'] === WETH.mint)).toBe(true);
    confirmed(await buy(funds.exec, ivy, WETH, usdc(50)));
  });
});

describe('(a) a swap API that lies about the price and quotes to match', () => {
  it('a buy at ~10 % of fair value is refused and audited: the on-chain oracle disagrees', async () => {
    api.honest();
    const prices = quorumBehindProxy();
    const exec = serviceOver(prices);
    const mal = await user('mallory');
    const fair = sandbox.replay.price(WETH.mint)!;
    // The API says WETH costs ten times what it does, and its quote gives a tenth of the WETH.
    api.price = { mode: 'lie', mint: WETH.mint, factor: 10 };
    api.quoteShare = 0.1;
    await prices.refresh([WETH.mint, USDC.mint]);
    expect(prices.price(WETH.mint)).toBeNull();
    const ev = eventsOf('price.disagreement').at(-1)!;
    expect(ev.severity).toBe('warning');
    expect(ev.payload).toMatchObject({ mint: WETH.mint, reason: 'disagree' });
    const seen = Object.fromEntries(
      (ev.payload['observations'] as { source: string; usd: number }[]).map((x) => [x.source, x.usd]),
    );
    expect(seen['pyth']).toBeCloseTo(fair, 4);
    expect(seen['jupiter']).toBeCloseTo(fair * 10, 2);

    const o = await nothingSigned(mal, () => buy(exec, mal, WETH, usdc(100)));
    expect(o, show(o)).toMatchObject({ status: 'rejected', code: 'STALE_PRICE' });
    expect((o as { message: string }).message).toMatch(/No trusted price for WETH \(the sources disagree/);
    expect(priceRefusals(mal.id).at(-1)).toMatchObject({
      code: 'STALE_PRICE',
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: WETH.mint,
      inAmount: usdc(100).toString(),
      untrustedMint: WETH.mint,
    });
    expect(engine.store.intents.byId((o as { intentId: number }).intentId)).toMatchObject({
      status: 'rejected',
      reasonCode: 'STALE_PRICE',
      signature: null,
    });
  });

  it('with honest prices, a quote more than the allowed deviation below the trusted price is refused, audited and alerted', async () => {
    api.honest();
    const prices = quorumBehindProxy();
    const exec = serviceOver(prices);
    const mal = await user('mallory2');
    await prices.refresh([WETH.mint, USDC.mint]);
    expect(prices.trusted(WETH.mint)?.sources.sort()).toEqual(['jupiter', 'pyth']);
    api.quoteShare = 0.1;
    const o = await nothingSigned(mal, () => buy(exec, mal, WETH, usdc(100)));
    expect(o, show(o)).toMatchObject({ status: 'rejected', code: 'BAD_QUOTE' });
    expect((o as { message: string }).message).toMatch(/far below what the trusted price implies/);
    const audit = priceRefusals(mal.id).at(-1)!;
    expect(audit).toMatchObject({ code: 'BAD_QUOTE', priceAgeMs: 0 });
    expect(BigInt(audit['quotedMinOut'] as string)).toBeLessThan(BigInt(audit['floor'] as string));
    expect(eventsOf('order.priceRefused', mal.id).at(-1)).toMatchObject({
      severity: 'critical',
      payload: { code: 'BAD_QUOTE' },
    });
    // The same order at an honest quote fills: the refusal was the quote, nothing else.
    api.quoteShare = 1;
    confirmed(await buy(exec, mal, WETH, usdc(100)));
  });
});

describe('(b) /price/v3 down for more than 60 s', () => {
  let prices: PriceQuorum;
  let exec: TradeExecutionService;
  let monitor: ExitMonitor;
  let pat: TestUser;

  beforeAll(async () => {
    prices = quorumBehindProxy();
    exec = serviceOver(prices);
    monitor = new ExitMonitor(engine.store, exec, prices, engine.bus, clock, silentLogger, funds.net.name);
    pat = await user('pat', { exitPriceMaxAgeSec: 120 });
  });

  /** A WETH position bought at a trusted $600 with a stop at $570, then a trusted $560 just before the API fails. */
  async function positionThenOutage(): Promise<PositionRow> {
    api.honest();
    sandbox.replay.setPrice(WETH.mint, 600);
    await prices.refresh([WETH.mint, USDC.mint]);
    const o = confirmed(await buy(exec, pat, WETH, usdc(100), 570));
    const p = engine.store.portfolio.position(engine.store.portfolio.tradeByIntent(o.intentId)!.positionId!)!;
    sandbox.replay.setPrice(WETH.mint, 560);
    await prices.refresh([WETH.mint, USDC.mint]);
    expect(prices.trusted(WETH.mint)?.usd).toBeCloseTo(560, 6);
    api.price = { mode: 'down' };
    clock.advance(61_000);
    await prices.refresh([WETH.mint, USDC.mint]);
    expect(prices.price(WETH.mint)).toBeNull();
    expect(prices.whyUntrusted(WETH.mint)).toMatch(/only pyth has a fresh price.*HTTP 503/);
    expect(prices.lastTrusted(WETH.mint)?.usd).toBeCloseTo(560, 6);
    return p;
  }

  it('a sell quoted below the floor from the last trusted price is not signed; an honest one is, above the floor', async () => {
    const p = await positionThenOutage();
    api.quoteShare = 0.1; // "1 SOL sold for 0.19 USDC"
    const o = await nothingSigned(pat, () => sell(exec, pat, WETH, p.quantity));
    expect(o, show(o)).toMatchObject({ status: 'rejected', code: 'BAD_QUOTE' });
    expect((o as { message: string }).message).toMatch(/from a price 61 s old/);
    const audit = priceRefusals(pat.id).at(-1)!;
    expect(audit).toMatchObject({ code: 'BAD_QUOTE', side: 'sell', priceAgeMs: 61_000 });
    // The floor: 560 USDC per WETH for the quantity, less slippage (50), impact (100) and fee (100) bps.
    const fair = (p.quantity * 560n * 10n ** 6n) / 10n ** 8n;
    expect(BigInt(audit['floor'] as string)).toBeGreaterThan((fair * (10_000n - 50n - 100n - 100n - 60n)) / 10_000n);
    expect(BigInt(audit['floor'] as string)).toBeLessThanOrEqual((fair * (10_000n - 250n)) / 10_000n);

    // The exit monitor's stop fires from the last trusted price ($560 < $570) and meets the same floor: STUCK.
    const r = await nothingSigned(pat, () => monitor.runCycle());
    expect(r).toMatchObject({ exits: 0, stuck: 1 });
    expect(engine.store.portfolio.position(p.id)!.stuckSince).not.toBeNull();

    // An honest quote while the price API is still down: the exit is signed, above the floor.
    api.quoteShare = 1;
    expect((await monitor.runCycle()).exits).toBe(1);
    const sold = engine.store.portfolio
      .trades(pat.id, { limit: 1000 })
      .find((t) => t.positionId === p.id && t.side === 'sell')!;
    expect(sold.context).toBe('exit');
    expect(sold.quoteAmount).toBeGreaterThanOrEqual(BigInt(audit['floor'] as string));
    expect(engine.store.portfolio.position(p.id)!).toMatchObject({ status: 'closed', stuckSince: null });
  });

  it('beyond exitPriceMaxAgeSec the exit is STUCK with a critical alert, never sold at an unknown price, until a trusted price returns', async () => {
    const p = await positionThenOutage();
    api.quoteShare = 0.1;
    expect(await nothingSigned(pat, () => monitor.runCycle())).toMatchObject({ exits: 0, stuck: 1 });
    // Past the user's 120 s bound, even an honest quote is not taken: there is no price to judge it by.
    api.quoteShare = 1;
    clock.advance(60_000);
    await prices.refresh([WETH.mint, USDC.mint]);
    const stuckBefore = eventsOf('exit.stuck', pat.id).length;
    const r = await nothingSigned(pat, () => monitor.runCycle());
    expect(r).toMatchObject({ exits: 0, stuck: 1 });
    const stuck = eventsOf('exit.stuck', pat.id).slice(stuckBefore);
    expect(stuck).toHaveLength(1);
    expect(stuck[0]!.severity).toBe('critical');
    expect(stuck[0]!.payload['reason']).toMatch(
      /No trusted price for WETH within the last 120 s .*last one is 121 s old.*not sold at an unknown price/,
    );
    expect(eventsOf('order.priceRefused', pat.id).at(-1)).toMatchObject({
      severity: 'critical',
      payload: { code: 'STALE_PRICE', context: 'exit' },
    });
    expect(priceRefusals(pat.id).at(-1)).toMatchObject({ code: 'STALE_PRICE', context: 'exit' });
    expect(engine.store.portfolio.position(p.id)!).toMatchObject({ status: 'open', quantity: p.quantity });

    // The price API is back: the quorum trusts again and the stuck exit completes.
    api.honest();
    await prices.refresh([WETH.mint, USDC.mint]);
    expect(prices.trusted(WETH.mint)?.sources.sort()).toEqual(['jupiter', 'pyth']);
    expect((await monitor.runCycle()).exits).toBe(1);
    expect(engine.store.portfolio.position(p.id)!).toMatchObject({ status: 'closed', stuckSince: null });
    sandbox.replay.clearPrice();
  });
});

describe('long-tail tokens: the single-source price opt-in', () => {
  /** BONK: a real mint Harvest does not list and the Pyth table does not cover. */
  const BONK = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';

  it('is a persisted, audited per-token flag; refused for a token with an oracle; shown by prices.status', async () => {
    await expect(engine.execute('prices.singleSource', { mint: WETH.mint, allow: true })).rejects.toThrow(
      /WETH has an on-chain oracle \(Crypto\.ETH\/USD\); its price always needs two agreeing sources/,
    );
    expect(await engine.execute('prices.singleSource', { mint: BONK })).toEqual({
      mint: BONK,
      singleSourcePrice: true,
    });
    expect(engine.store.priceTrust.isAllowed(BONK)).toBe(true);
    const audit = engine.store.audit.list({ limit: 5 }).find((r) => r.action === 'prices.singleSourceAllowed');
    expect(audit?.details).toEqual({ mint: BONK });
    await funds.refreshPrices();
    const status = await engine.execute('prices.status', {});
    const bonk = status.tokens.find((t) => t.mint === BONK)!;
    // Marked, and (the sandbox prices no BONK) without a trusted price: nothing to trade at.
    expect(bonk).toMatchObject({ symbol: null, singleSourcePrice: true, trusted: null });
    expect(bonk.untrustedReason).toMatch(/no source/);
    expect(status.tokens.find((t) => t.mint === WETH.mint)).toMatchObject({
      singleSourcePrice: false,
      trusted: { sources: expect.arrayContaining(['pyth', 'jupiter']) as unknown },
    });
    expect(await engine.execute('prices.singleSource', { mint: BONK, allow: false })).toEqual({
      mint: BONK,
      singleSourcePrice: false,
    });
    expect(engine.store.audit.list({ limit: 5 }).some((r) => r.action === 'prices.singleSourceRevoked')).toBe(true);
  });

  it('the quorum accepts one source only for a token whose flag is set in the database', async () => {
    const lone = new ManualPriceFeed('aggregator', clock);
    const q = new PriceQuorum({
      clock,
      sources: [{ feed: lone, venue: true }],
      singleSourceAllowed: (m) => engine.store.priceTrust.isAllowed(m),
    });
    lone.set(BONK, 0.00002);
    await q.refresh([BONK]);
    expect(q.price(BONK)).toBeNull();
    await engine.execute('prices.singleSource', { mint: BONK, allow: true });
    await q.refresh([BONK]);
    expect(q.trusted(BONK)).toMatchObject({ usd: 0.00002, sources: ['aggregator'], singleSource: true });
    await engine.execute('prices.singleSource', { mint: BONK, allow: false });
    await q.refresh([BONK]);
    expect(q.price(BONK)).toBeNull();
  });
});
