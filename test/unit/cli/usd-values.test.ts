/**
 * Issue #17: the CLI's human text gives the USD value beside every token amount
 * ("20.28 SOL ($2,995.10)") in positions, wallet show, balances, fills, orders and
 * withdrawals, valued by the UI's own function (engine/api/human-text usdPrice);
 * a stablecoin amount gets no second dollar figure and an unpriced token none at all.
 */
import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../engine/api';
import { usdPrice, withUsd } from '../../../engine/api/human-text';
import { formatters, NO_HUMAN_CONTEXT, type HumanContext } from '../../../engine/cli/format';
import { usdPrice as uiUsdPrice } from '../../../renderer/state/reducers';

const SOL_MINT = 'So11111111111111111111111111111111111111112';
const USDC_MINT = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const h: HumanContext = { ...NO_HUMAN_CONTEXT, prices: { SOL: 147.69 } };

describe('USD values beside token amounts in the CLI', () => {
  it('is the valuation the UI uses', () => {
    expect(uiUsdPrice).toBe(usdPrice);
    expect(withUsd('20.28 SOL', '20.28', 'SOL', { SOL: 147.69 })).toBe('20.28 SOL ($2,995.15)');
    expect(withUsd('500 USDC', '500', 'USDC', { SOL: 147.69 })).toBe('500 USDC');
    expect(withUsd('1 WETH', '1', 'WETH', {})).toBe('1 WETH');
  });

  it('wallet show, balances, positions, fills, orders and withdrawals', () => {
    const show = formatters['wallet.show'](
      {
        user: { id: 1, name: 'alice' },
        wallet: { address: 'A'.repeat(44), origin: 'created', kind: 'mnemonic' },
        balances: [
          { mint: SOL_MINT, amount: '20280000000', seenAt: '2026-12-07T04:00:00Z' },
          { mint: USDC_MINT, amount: '500000000', seenAt: '2026-12-07T04:00:00Z' },
        ],
      } as unknown as CommandOutput<'wallet.show'>,
      h,
    );
    expect(show).toContain('20.28 SOL ($2,995.15)');
    expect(show).toMatch(/500 USDC \(seen/u);

    const balances = formatters['wallet.balances'](
      {
        balances: [
          {
            account: 'On-chain wallet',
            address: 'A'.repeat(44),
            network: 'sandbox',
            active: true,
            minimumLamports: '100000000',
            sol: '2',
            tokens: [{ symbol: 'USDC', uiAmount: '500' }],
          },
        ],
        paper: [],
      } as unknown as CommandOutput<'wallet.balances'>,
      h,
    );
    expect(balances).toContain('SOL    2 ($295.38)');

    const positions = formatters['positions.list'](
      {
        positions: [
          {
            id: 1,
            status: 'open',
            symbol: 'SOL',
            uiQuantity: '24.106974',
            averageEntryPrice: 1.659,
            quoteSymbol: 'USDC',
            price: 1.658,
            uiRealizedPnl: '0',
            uiUnrealizedPnl: '-0.03',
            stopLoss: null,
            takeProfit: null,
            stuck: false,
            account: 'paper',
            openedAt: '2026-12-07T04:00:00Z',
            closedAt: null,
          },
        ],
      } as unknown as CommandOutput<'positions.list'>,
      h,
    );
    // The position's own price is the freshest for its token.
    expect(positions).toContain('24.106974 ($39.97)');

    const trades = formatters['trades.list'](
      {
        trades: [
          {
            id: 7,
            executedAt: '2026-12-07T04:00:00Z',
            side: 'buy',
            uiBaseAmount: '24.106974',
            symbol: 'SOL',
            uiQuoteAmount: '40',
            quoteSymbol: 'USDC',
            price: 1.6593,
            context: 'manual',
            venue: 'paper',
          },
        ],
      } as unknown as CommandOutput<'trades.list'>,
      h,
    );
    // A fill paid in dollars is worth what was paid for it.
    expect(trades).toContain('24.106974 SOL ($40.00) for 40 USDC');

    const orders = formatters['orders.list'](
      {
        orders: [
          {
            id: 3,
            createdAt: '2026-12-07T04:00:00Z',
            side: 'sell',
            inputMint: SOL_MINT,
            outputMint: USDC_MINT,
            amount: '2000000000',
            context: 'manual',
            status: 'confirmed',
            reasonCode: null,
            error: null,
          },
        ],
      } as unknown as CommandOutput<'orders.list'>,
      h,
    );
    expect(orders).toContain('2 SOL ($295.38)');

    const withdrawals = formatters['withdrawals.list'](
      {
        withdrawals: [
          {
            id: 2,
            createdAt: '2026-12-07T04:00:00Z',
            status: 'confirmed',
            uiAmount: '0.5',
            symbol: 'SOL',
            destination: 'B'.repeat(44),
          },
        ],
      } as unknown as CommandOutput<'withdrawals.list'>,
      h,
    );
    expect(withdrawals).toContain('0.5 SOL ($73.85) ->');
  });

  it('without a price (no running engine) the amounts stand alone', () => {
    const text = formatters['withdrawals.list'](
      {
        withdrawals: [{ id: 2, createdAt: 'x', status: 'confirmed', uiAmount: '0.5', symbol: 'SOL', destination: 'B' }],
      } as unknown as CommandOutput<'withdrawals.list'>,
      NO_HUMAN_CONTEXT,
    );
    expect(text).toContain('0.5 SOL ->');
  });
});
