/**
 * Pyth PriceUpdateV2 accounts (issue #10, item 1): the layout against REAL recorded accounts,
 * the push-feed addresses against the official derivation, and what the on-chain source
 * refuses to use.
 */
import { address, type Address } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import type { AccountSnapshot } from '../../../engine/chain/types';
import { tokenBySymbol } from '../../../engine/market';
import {
  decodePriceUpdateV2,
  encodePriceUpdateV2,
  feedIdToHex,
  PRICE_UPDATE_V2_DISCRIMINATOR,
  PRICE_UPDATE_V2_LEN,
  pushFeedAddress,
  PYTH_FEEDS,
  PYTH_RECEIVER_PROGRAM,
  PythPriceSource,
  scaledPrice,
  type PriceUpdateV2,
} from '../../../engine/market/oracle';

/**
 * BONK/USD push feed DBE3N8uNjhKPRHfANdwGvCZghWXyLPdqdSbEW2XFwBiX as recorded from mainnet in
 * drift-labs/protocol-v2, programs/drift/src/state/oracle/tests.rs (`pyth_pull_1m`), whose
 * assertions give price 34552600 and TWAP (the EMA) 33576300 at 1e12 precision.
 */
const BONK_RECORDED =
  'IvEjY51+9M206svkAq6RZcKrffzb5QRNJ/KEEG+IqQv93vpfv/YMoAFysCEhfKP+aJIqGar5kBCcudhOmtAEtNICWtb1KTFEGbZFBQAAAAAABQIAAAAAAAD2////xXhYZgAAAADFeFhmAAAAAJMfBQAAAAAAnwEAAAAAAAAFMwYQAAAAAAA=';
/**
 * SOL/USD push feed 7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE (owner rec5EKMGg…), a mainnet
 * account recorded in a public LiteSVM test fixture (found with the code search over public repos).
 */
const SOL_RECORDED =
  'IvEjY51+9M1gMUcENA3t3zcf1CRyFI8kjp0abRpesqw6zYt/1dayQwHvDYtv2izrpB2hXUCV0do5Kg0vjtDGx7wPTPrIwoC1bbLod+YDAAAA6QJ4AAAAAAD4////lZpJaAAAAACVmkloAAAAAMC2EeIDAAAALL2AAAAAAADcSaEUAAAAAAA=';

const bytes = (b64: string): Uint8Array => Uint8Array.from(Buffer.from(b64, 'base64'));
const SOL = tokenBySymbol('SOL')!;
const WETH = tokenBySymbol('WETH')!;

describe('PriceUpdateV2 layout', () => {
  it('decodes a real BONK/USD account to the values drift-labs asserts', () => {
    const u = decodePriceUpdateV2(bytes(BONK_RECORDED));
    expect(u.verificationLevel).toEqual({ kind: 'full' });
    expect(feedIdToHex(u.feedId)).toBe('72b021217ca3fe68922a19aaf990109cb9d84e9ad004b4d2025ad6f529314419');
    expect(u.exponent).toBe(-10);
    // Drift's 1e12 precision: price 34552600, EMA 33576300.
    expect((u.price * 10n ** 12n) / 10n ** 10n).toBe(34_552_600n);
    expect((u.emaPrice * 10n ** 12n) / 10n ** 10n).toBe(33_576_300n);
    expect(u.publishTime).toBe(u.prevPublishTime);
    expect(scaledPrice(u.price, u.exponent)).toBeCloseTo(3.45526e-5, 12);
  });

  it('decodes a real SOL/USD account: the SOL feed id, a price near $167.5, slot after publish', () => {
    const data = bytes(SOL_RECORDED);
    expect(data.length).toBe(PRICE_UPDATE_V2_LEN);
    expect([...data.subarray(0, 8)]).toEqual([...PRICE_UPDATE_V2_DISCRIMINATOR]);
    const u = decodePriceUpdateV2(data);
    expect(feedIdToHex(u.feedId)).toBe(PYTH_FEEDS.find((f) => f.mint === SOL.mint)!.feedIdHex);
    expect(u).toMatchObject({ price: 16_751_519_922n, conf: 7_865_065n, exponent: -8, publishTime: 1_749_654_165n });
    expect(scaledPrice(u.price, u.exponent)).toBeCloseTo(167.51519922, 8);
    expect(u.postedSlot).toBe(346_114_524n);
  });

  it('re-encodes both real accounts byte for byte (the trailing byte of a Full account stays zero)', () => {
    for (const b64 of [BONK_RECORDED, SOL_RECORDED]) {
      const data = bytes(b64);
      expect(Buffer.from(encodePriceUpdateV2(decodePriceUpdateV2(data))).toString('base64')).toBe(b64);
    }
  });

  it('a partially verified update shifts the message by the signature count byte, and round-trips', () => {
    const full = decodePriceUpdateV2(bytes(SOL_RECORDED));
    const partial: PriceUpdateV2 = { ...full, verificationLevel: { kind: 'partial', numSignatures: 5 } };
    const enc = encodePriceUpdateV2(partial);
    expect(enc[40]).toBe(0);
    expect(enc[41]).toBe(5);
    expect(decodePriceUpdateV2(enc)).toEqual(partial);
  });

  it('refuses other accounts: wrong discriminator, short data, unknown enum tag', () => {
    const data = bytes(SOL_RECORDED);
    const wrongDisc = data.slice();
    wrongDisc[0] = 0;
    expect(() => decodePriceUpdateV2(wrongDisc)).toThrow(/not a PriceUpdateV2/);
    expect(() => decodePriceUpdateV2(data.subarray(0, 100))).toThrow(/at least 133 bytes/);
    const badTag = data.slice();
    badTag[40] = 7;
    expect(() => decodePriceUpdateV2(badTag)).toThrow(/verification level tag 7/);
  });
});

describe('push-feed accounts', () => {
  it('every address in the table is the push oracle PDA of [shard 0 u16 LE, feed id]', async () => {
    for (const f of PYTH_FEEDS) expect(await pushFeedAddress(f.feedIdHex, 0)).toBe(f.account);
    // Another shard is another account.
    expect(await pushFeedAddress(PYTH_FEEDS[0]!.feedIdHex, 1)).not.toBe(PYTH_FEEDS[0]!.account);
  });
});

describe('PythPriceSource', () => {
  const solFeed = PYTH_FEEDS.find((f) => f.mint === SOL.mint)!;
  const wethFeed = PYTH_FEEDS.find((f) => f.mint === WETH.mint)!;
  const real = decodePriceUpdateV2(bytes(SOL_RECORDED));

  function account(addr: Address, u: PriceUpdateV2, owner: Address = PYTH_RECEIVER_PROGRAM): AccountSnapshot {
    return { address: addr, lamports: 1_825_020n, owner, executable: false, data: encodePriceUpdateV2(u) };
  }

  function sourceOver(accounts: Record<string, AccountSnapshot | null>): {
    src: PythPriceSource;
    reads: Address[][];
  } {
    const reads: Address[][] = [];
    const src = new PythPriceSource({
      read: (addrs) => {
        reads.push([...addrs]);
        return Promise.resolve(addrs.map((a) => accounts[a] ?? null));
      },
    });
    return { src, reads };
  }

  it('reads every wanted feed in one batch; a tick is the price at its publish time', async () => {
    const { src, reads } = sourceOver({ [solFeed.account]: account(solFeed.account, real) });
    const got = await src.prices([SOL.mint, WETH.mint]);
    expect(reads).toEqual([[solFeed.account, wethFeed.account]]);
    expect(got.get(SOL.mint)).toEqual({ mint: SOL.mint, usd: 167.51519922, at: 1_749_654_165_000, source: 'pyth' });
    expect(got.has(WETH.mint)).toBe(false);
    expect(src.lastSkipped()).toEqual([{ mint: WETH.mint, reason: `no account at ${wethFeed.account}` }]);
  });

  it.each([
    ['a foreign owner', { owner: address('11111111111111111111111111111111') }, /not the Pyth receiver/],
    ['another feed in the account', { feed: wethFeed.feedIdHex }, /holds another feed/],
    ['partial verification', { level: { kind: 'partial', numSignatures: 13 } }, /partially verified/],
    ['a wide confidence interval', { conf: real.price / 10n }, /confidence interval is too wide/],
    ['a zero price', { price: 0n }, /no positive price/],
  ] as const)('refuses %s', async (_what, change, reason) => {
    const u: PriceUpdateV2 = {
      ...real,
      ...('feed' in change ? { feedId: Uint8Array.from(Buffer.from(change.feed, 'hex')) } : {}),
      ...('level' in change ? { verificationLevel: change.level } : {}),
      ...('conf' in change ? { conf: change.conf } : {}),
      ...('price' in change ? { price: change.price } : {}),
    };
    const owner = 'owner' in change ? change.owner : PYTH_RECEIVER_PROGRAM;
    const { src } = sourceOver({ [solFeed.account]: account(solFeed.account, u, owner) });
    expect((await src.prices([SOL.mint])).size).toBe(0);
    expect(src.lastSkipped()[0]!.reason).toMatch(reason);
  });

  it('an RPC failure is a feed error (the quorum counts the source as failing)', async () => {
    const src = new PythPriceSource({ read: () => Promise.reject(new Error('No RPC endpoint answered')) });
    await expect(src.prices([SOL.mint])).rejects.toThrow(/Price feed pyth: No RPC endpoint answered/);
  });
});
