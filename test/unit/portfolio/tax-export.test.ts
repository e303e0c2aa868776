import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market';
import { fifo, flowsCsv, FIFO_NOTE, TRADE_HEADER, tradesCsv } from '../../../engine/portfolio/tax-export';
import type { CashFlowRow, TradeRow } from '../../../engine/store';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;

let id = 0;
function trade(p: Partial<TradeRow> & Pick<TradeRow, 'side' | 'baseAmount' | 'quoteAmount'>): TradeRow {
  id++;
  return {
    id,
    intentId: id,
    userId: 1,
    network: 'sandbox',
    venue: 'jupiter',
    context: 'manual',
    baseMint: WETH.mint,
    quoteMint: USDC.mint,
    feeLamports: 5_000n,
    price: 0,
    realizedPnl: 0n,
    positionId: 1,
    signature: `sig${id}`,
    executedAt: new Date(Date.UTC(2026, 0, 1, 0, id)).toISOString(),
    ...p,
  };
}

const rowsOf = (csv: string): string[][] =>
  csv
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .slice(1)
    .map((l) => l.split(','));

describe('FIFO cost basis', () => {
  it('a sell consumes the oldest lots first, in proportion', () => {
    const b1 = trade({ side: 'buy', baseAmount: 100_000_000n, quoteAmount: 1_000_000_000n }); // 1 WETH for 1000 USDC
    const b2 = trade({ side: 'buy', baseAmount: 100_000_000n, quoteAmount: 2_000_000_000n }); // 1 WETH for 2000 USDC
    const s1 = trade({ side: 'sell', baseAmount: 150_000_000n, quoteAmount: 3_000_000_000n }); // 1.5 WETH for 3000
    const r = fifo([b1, b2, s1]);
    // 1 WETH at 1000 + 0.5 WETH at 2000/2 = 2000 USDC.
    expect(r.costBasis.get(s1.id)).toBe(2_000_000_000n);
    expect(r.realized.get(s1.id)).toBe(1_000_000_000n);
    expect(r.open.get(`${WETH.mint}/${USDC.mint}`)).toEqual([{ qty: 50_000_000n, cost: 1_000_000_000n }]);
  });

  it('with SOL as the quote, fees paid in SOL are part of cost and reduce proceeds', () => {
    const b = trade({
      side: 'buy',
      quoteMint: WRAPPED_SOL_MINT,
      baseAmount: 10n,
      quoteAmount: 1_000_000n,
      feeLamports: 5_000n,
    });
    const s = trade({
      side: 'sell',
      quoteMint: WRAPPED_SOL_MINT,
      baseAmount: 10n,
      quoteAmount: 2_000_000n,
      feeLamports: 5_000n,
    });
    const r = fifo([b, s]);
    expect(r.costBasis.get(s.id)).toBe(1_005_000n);
    expect(r.realized.get(s.id)).toBe(2_000_000n - 5_000n - 1_005_000n);
  });

  it('property: the cost of every lot bought is either still open or in some sell’s basis, to the unit', () => {
    const op = fc.record({
      buy: fc.boolean(),
      qty: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      quote: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        let held = 0n;
        const trades: TradeRow[] = [];
        for (const o of ops) {
          if (o.buy) {
            held += o.qty;
            trades.push(trade({ side: 'buy', baseAmount: o.qty, quoteAmount: o.quote }));
          } else if (held > 0n) {
            const q = o.qty > held ? held : o.qty;
            held -= q;
            trades.push(trade({ side: 'sell', baseAmount: q, quoteAmount: o.quote }));
          }
        }
        const r = fifo(trades);
        const bought = trades.filter((t) => t.side === 'buy').reduce((s, t) => s + t.quoteAmount, 0n);
        const sold = trades.filter((t) => t.side === 'sell').reduce((s, t) => s + r.costBasis.get(t.id)!, 0n);
        const lots = r.open.get(`${WETH.mint}/${USDC.mint}`) ?? [];
        const open = lots.reduce((s, l) => s + l.cost, 0n);
        expect(sold + open).toBe(bought);
        expect(lots.reduce((s, l) => s + l.qty, 0n)).toBe(held);
        for (const t of trades.filter((x) => x.side === 'sell'))
          expect(r.realized.get(t.id)).toBe(t.quoteAmount - r.costBasis.get(t.id)!);
        // Lots stay in time order and never go negative.
        for (const l of lots) expect(l.qty > 0n && l.cost >= 0n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CSV export', () => {
  it('one row per real trade in the window, human units, fees in SOL and USD, FIFO said in the header', () => {
    const b = trade({ side: 'buy', baseAmount: 50_000_000n, quoteAmount: 1_500_000_000n, price: 3000 });
    const paper = trade({ side: 'buy', venue: 'paper', baseAmount: 1n, quoteAmount: 1n });
    const s = trade({ side: 'sell', baseAmount: 25_000_000n, quoteAmount: 800_000_000n, price: 3200 });
    const out = tradesCsv([b, paper, s], { usdAt: (m) => (m === WRAPPED_SOL_MINT ? 200 : null) });
    expect(out.csv.startsWith(`# ${FIFO_NOTE}\n${TRADE_HEADER.join(',')}\n`)).toBe(true);
    expect(out.rows).toBe(2);
    const [r1, r2] = rowsOf(out.csv);
    expect(r1).toEqual([
      b.executedAt,
      'buy',
      'WETH',
      '0.5',
      'USDC',
      '1500',
      '3000',
      '0.000005',
      '0.00',
      '',
      '',
      '',
      '',
      'jupiter',
      b.signature!,
    ]);
    expect(r2).toEqual([
      s.executedAt,
      'sell',
      'WETH',
      '0.25',
      'USDC',
      '800',
      '3200',
      '0.000005',
      '0.00',
      '750',
      '750.00',
      '50',
      '50.00',
      'jupiter',
      s.signature!,
    ]);
    // The window cuts rows, not lots: the sell alone still has the buy's basis.
    const later = tradesCsv([b, s], { fromIso: s.executedAt, usdAt: () => null });
    expect(later.rows).toBe(1);
    expect(rowsOf(later.csv)[0]![9]).toBe('750');
  });

  it('flows: one row each with token, human amount, USD value and signature', () => {
    const f: CashFlowRow = {
      id: 1,
      userId: 1,
      network: 'sandbox',
      ts: '2026-01-02T00:00:00.000Z',
      kind: 'deposit',
      amountUsd: 250_500_000n,
      ref: 'chain:abc:SOL',
      signature: 'abc',
      mint: 'SOL',
      amount: 1_250_000_000n,
    };
    const out = flowsCsv([f, { ...f, id: 2, ts: '2027-01-01T00:00:00.000Z' }], { toIso: '2026-12-31T00:00:00.000Z' });
    expect(out.rows).toBe(1);
    expect(rowsOf(out.csv)).toEqual([
      ['2026-01-02T00:00:00.000Z', 'deposit', 'SOL', '1.25', '250.50', 'abc', 'chain:abc:SOL'],
    ]);
  });
});
