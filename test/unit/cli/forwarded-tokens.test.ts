/**
 * `harvest orders USER` answered by a running engine (forwarded): the CLI process never opened the
 * data directory, so it learns the added tokens from the engine before formatting, and names them
 * by symbol, not by mint.
 */
import { describe, expect, it } from 'vitest';
import { formatters, NO_HUMAN_CONTEXT } from '../../../engine/cli/format';
import { learnForwardedTokens, unknownMints } from '../../../engine/cli/forwarded-tokens';
import { findLeaks } from '../../../engine/api/human-text';

const ADDED = '9PpREJjgWvRMHykGnWUXCZ6eU6ZA74iUpyLU6JkL1rqS';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const orders = {
  orders: [
    {
      id: 1,
      clientId: 'c1',
      venue: 'jupiter',
      context: 'manual',
      side: 'sell' as const,
      inputMint: ADDED,
      outputMint: USDC,
      amount: '19550960',
      status: 'confirmed',
      reasonCode: null,
      error: null,
      signature: '5'.repeat(88),
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  ],
};
const listed = {
  tokens: [{ mint: ADDED, symbol: 'BONKX', name: 'Bonk test', decimals: 6, program: 'Token-2022' }],
};

describe('forwarded output names added tokens', () => {
  it('a mint the CLI does not know is learned from the engine, then shown by symbol', async () => {
    expect(unknownMints(orders)).toEqual([ADDED]);
    let calls = 0;
    await learnForwardedTokens(orders, async () => {
      calls++;
      return listed;
    });
    expect(calls).toBe(1);
    const text = formatters['orders.list'](orders, NO_HUMAN_CONTEXT);
    expect(text).toMatch(/sell BONKX\/USDC\s+19\.55096 BONKX/u);
    expect(text).not.toContain(ADDED);
    expect(findLeaks(text)).toEqual([]);
    // Known now: no further round trip.
    await learnForwardedTokens(orders, async () => {
      calls++;
      return listed;
    });
    expect(calls).toBe(1);
  });
});
