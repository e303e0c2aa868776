import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MintFacts } from '../../engine/tokens/mint-layout';
import { grossForNet, netOfFee, tokenAccountSize, transferFee } from '../../engine/sandbox/token-2022-fees';

const mint = (bps: number | null, max: bigint | null = null, more: Partial<MintFacts> = {}): MintFacts => ({
  decimals: 6,
  supply: 0n,
  mintAuthority: null,
  freezeAuthority: null,
  transferFeeBps: bps,
  transferFeeMax: max,
  transferHookProgram: null,
  permanentDelegate: null,
  nonTransferable: false,
  defaultFrozen: false,
  pausable: false,
  metadata: null,
  otherExtensions: [],
  ...more,
});

describe('Token-2022 transfer fee arithmetic (the sandbox escrow)', () => {
  it('the fee is rounded up and capped, as spl-token-2022 computes it', () => {
    expect(transferFee(mint(200), 100n)).toBe(2n);
    expect(transferFee(mint(200), 101n)).toBe(3n);
    expect(transferFee(mint(200, 5n), 1_000_000n)).toBe(5n);
    expect(transferFee(null, 1_000n)).toBe(0n);
  });

  it('the gross amount is the smallest that delivers the net amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999 }),
        fc.bigInt({ min: 1n, max: 2n ** 60n }),
        fc.option(fc.bigInt({ min: 0n, max: 2n ** 40n })),
        (bps, net, max) => {
          const f = mint(bps, max ?? 2n ** 64n - 1n);
          const g = grossForNet(f, net)!;
          expect(netOfFee(f, g)).toBeGreaterThanOrEqual(net);
          if (g > net) expect(netOfFee(f, g - 1n)).toBeLessThan(net);
        },
      ),
    );
    expect(grossForNet(mint(10_000), 5n)).toBeNull();
  });

  it('sizes a token account for the account extensions its mint requires', () => {
    expect(tokenAccountSize(null)).toBe(165n);
    expect(tokenAccountSize(mint(null))).toBe(165n);
    expect(tokenAccountSize(mint(200))).toBe(178n); // 165 + account type + TransferFeeAmount (4 + 8)
  });
});
