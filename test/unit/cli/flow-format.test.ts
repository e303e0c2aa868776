import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../../engine/api';
import { findLeaks } from '../../../engine/api/human-text';
import { flowFormatters } from '../../../engine/cli/flow-format';

const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const SIG = '5'.repeat(88);

/** A mismatch as `harvest reconcile` gets it: amounts in base units, the asset by mint ('SOL' for lamports). */
function mismatch(asset: string, symbol: string, chain: string, ledger: string, difference: string) {
  return {
    results: [
      {
        userId: 1,
        name: 'ana',
        wallet: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM',
        network: 'sandbox',
        checkedAt: '2026-01-01T00:00:00.000Z',
        ok: false,
        inconclusive: null,
        checkId: 4,
        acknowledged: false,
        paused: true,
        assets: [{ asset, symbol, chain, ledger }],
        discrepancies: [
          { kind: 'transaction', asset, symbol, chain, ledger, difference, signatures: [SIG], note: 'the trade' },
        ],
      },
    ],
  } as CommandOutput<'ledger.reconcile'>;
}

describe('harvest reconcile, human output', () => {
  it('a USDC discrepancy reads in USDC (the asset is a mint), never as raw units', () => {
    const text = flowFormatters['ledger.reconcile'](mismatch(USDC, 'USDC', '39000000', '38999999', '1'));
    expect(text).toContain('chain 39 USDC, ledger 38.999999 USDC, off by 0.000001 USDC');
    expect(text).not.toMatch(/raw units/u);
    expect(text).toContain(SIG);
    expect(findLeaks(text)).toEqual([]);
  });

  it('a SOL discrepancy reads in SOL', () => {
    const text = flowFormatters['ledger.reconcile'](mismatch('SOL', 'SOL', '2001500000', '2000000000', '1500000'));
    expect(text).toContain('chain 2.0015 SOL, ledger 2 SOL, off by 0.0015 SOL');
  });
});
