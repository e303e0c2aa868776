import type { Address } from '@solana/kit';
import type { TransactionDetails } from '../chain';
import { SOL_ASSET, walletEffect } from '../funds/flows';
import { tokenByMint, WRAPPED_SOL_MINT } from '../market';
import type { LegSide } from './types';

/** One side of a leader's swap as a follower would copy it: a buy or a sell of one token. */
export interface TradeLeg {
  side: LegSide;
  /** The token bought or sold (SOL as the wrapped-SOL mint, as orders name it). */
  mint: string;
  /** Base units the leader bought (buy) or sold (sell). */
  amount: bigint;
  /** For a sell: what the leader held of the token before it (the share sold is amount / heldBefore). */
  heldBefore: bigint;
  /** The other side of the swap (what was paid for a buy, what came back for a sell). */
  counter: { mint: string; amount: bigint };
}

export interface LeaderSwap {
  signature: string;
  slot: bigint;
  blockTime: number | null;
  spent: { mint: string; amount: bigint };
  received: { mint: string; amount: bigint };
  legs: TradeLeg[];
}

const mintOf = (asset: string): string => (asset === SOL_ASSET ? WRAPPED_SOL_MINT : asset);
const isStable = (mint: string): boolean => tokenByMint(mint)?.stable === true;

/**
 * What a leader's transaction traded, from its pre/post balances alone (so any
 * DEX or aggregator reads the same): the one asset the leader's wallet spent
 * and the one it received, network fee and rent put back first. With a token
 * on both sides, SOL moving too is a fee or a tip and is left out. Anything
 * else (a transfer, a failed transaction, several assets out or in) is not a
 * swap: null. A swap of one risk token for another is a sell and a buy;
 * stablecoins are the cash side and are never copied as a trade themselves.
 */
export function parseLeaderSwap(tx: TransactionDetails, leader: string): LeaderSwap | null {
  const meta = tx.meta;
  if (!meta || meta.err !== null) return null;
  const effect = walletEffect(tx, leader);
  const sol = (effect.deltas.get(SOL_ASSET) ?? 0n) + effect.fee + effect.rent;
  const tokens = [...effect.deltas].filter(([k, v]) => k !== SOL_ASSET && v !== 0n);
  const outs = tokens.filter(([, v]) => v < 0n);
  const ins = tokens.filter(([, v]) => v > 0n);
  if (outs.length > 1 || ins.length > 1) return null;
  const spentAsset = outs[0] ?? (sol < 0n ? ([SOL_ASSET, sol] as const) : null);
  const receivedAsset = ins[0] ?? (sol > 0n ? ([SOL_ASSET, sol] as const) : null);
  if (!spentAsset || !receivedAsset) return null;
  const spent = { mint: mintOf(spentAsset[0]), amount: -spentAsset[1] };
  const received = { mint: mintOf(receivedAsset[0]), amount: receivedAsset[1] };

  const legs: TradeLeg[] = [];
  if (!isStable(spent.mint))
    legs.push({
      side: 'sell',
      mint: spent.mint,
      amount: spent.amount,
      heldBefore: heldBefore(tx, leader, spent.mint),
      counter: received,
    });
  if (!isStable(received.mint))
    legs.push({ side: 'buy', mint: received.mint, amount: received.amount, heldBefore: 0n, counter: spent });
  return {
    signature: tx.signature,
    slot: tx.slot,
    blockTime: tx.blockTime === null ? null : Number(tx.blockTime),
    spent,
    received,
    legs,
  };
}

/** The leader's balance of `mint` before the transaction: its token accounts (and for SOL, its lamports too). */
function heldBefore(tx: TransactionDetails, leader: string, mint: string): bigint {
  const meta = tx.meta!;
  let held = 0n;
  for (const b of meta.preTokenBalances) if (b.owner === leader && b.mint === mint) held += b.amount;
  if (mint === WRAPPED_SOL_MINT) {
    const i = tx.accountKeys.indexOf(leader as Address);
    if (i >= 0) held += meta.preBalances[i] ?? 0n;
  }
  return held;
}
