import { address, getProgramDerivedAddress, type Address } from '@solana/kit';
import { tokenBySymbol } from '../tokens';
import { feedIdFromHex } from './pyth-account';

/**
 * Which Pyth feed prices which token, and where its account lives.
 *
 * Program ids: pyth-network/pyth-crosschain,
 * target_chains/solana/sdk/js/pyth_solana_receiver/src/address.ts (DEFAULT_RECEIVER_PROGRAM_ID,
 * DEFAULT_PUSH_ORACLE_PROGRAM_ID; the same on every SVM network). The sponsored push-feed account
 * of a feed is the push oracle's PDA of [shard id as u16 LE, feed id] (getPriceFeedAccountForProgram
 * in the same SDK); the account is owned by the receiver program, which wrote it. Feed ids are
 * Pyth's published ids (also quoted in price_update.rs for SOL/USD).
 */
export const PYTH_RECEIVER_PROGRAM = address('rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ');
export const PYTH_PUSH_ORACLE_PROGRAM = address('pythWSnswVUd12oZpeFP8e9CVaEqJg25g1Vtc2biRsT');

export interface PythFeed {
  /** The token it prices (a mint Harvest knows). */
  mint: Address;
  /** Pyth's name of the feed. */
  pair: string;
  /** 32-byte feed id, hex without 0x. */
  feedIdHex: string;
  /** The shard-0 sponsored push-feed account (checked against the derivation in tests). */
  account: Address;
}

function feed(symbol: string, pair: string, feedIdHex: string, account: string): PythFeed {
  const token = tokenBySymbol(symbol);
  if (!token) throw new Error(`unknown token ${symbol}`);
  return { mint: token.mint, pair, feedIdHex, account: address(account) };
}

/** Wrapped ETH and BTC are priced by the ETH/USD and BTC/USD feeds (what the wrapped tokens track). */
export const PYTH_FEEDS: readonly PythFeed[] = [
  feed(
    'SOL',
    'Crypto.SOL/USD',
    'ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d',
    '7UVimffxr9ow1uXYxsr4LHAcV58mLzhmwaeKvJ1pjLiE',
  ),
  feed(
    'USDC',
    'Crypto.USDC/USD',
    'eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a',
    'Dpw1EAVrSB1ibxiDQyTAW6Zip3J4Btk2x4SgApQCeFbX',
  ),
  feed(
    'PYUSD',
    'Crypto.PYUSD/USD',
    'c1da1b73d7f01e7ddd54b3766cf7fcd644395ad14f70aa706ec5384c59e76692',
    '9zXQxpYH3kYhtoybmZfUNNCRVuud7fY9jswTg1hLyT8k',
  ),
  feed(
    'WETH',
    'Crypto.ETH/USD',
    'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace',
    '42amVS4KgzR9rA28tkVYqVXjq9Qa8dcZQMbH5EYFX6XC',
  ),
  feed(
    'WBTC',
    'Crypto.BTC/USD',
    'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43',
    '4cSM2e6rvbGQUFiJbqytoVMi5GgghSMr8LwVrT9VPSPo',
  ),
];

export function pythFeedForMint(mint: string): PythFeed | null {
  return PYTH_FEEDS.find((f) => f.mint === mint) ?? null;
}

/** The push-feed account of a feed id and shard (getPriceFeedAccountForProgram). */
export async function pushFeedAddress(feedIdHex: string, shard = 0): Promise<Address> {
  const seed = new Uint8Array(2);
  new DataView(seed.buffer).setUint16(0, shard, true);
  const [pda] = await getProgramDerivedAddress({
    programAddress: PYTH_PUSH_ORACLE_PROGRAM,
    seeds: [seed, feedIdFromHex(feedIdHex)],
  });
  return pda;
}
