/**
 * The mint layout decoded by hand (no @solana-program/token-2022 here): every mint the sandbox
 * can write, with any mix of Token-2022 extensions, decodes back to what was asked; the SPL
 * Token program's own encoder agrees on the 82-byte base; and the safety checks name each
 * hostile trait, so a trait that stops decoding fails here.
 */
import fc from 'fast-check';
import { getAddressDecoder } from '@solana/kit';
import { getMintEncoder } from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { decodeMint, encodeMint, mintChecks, verdictOf, type MintSpec } from '../../engine/tokens';

/** All zeros means "none" in Token-2022's optional keys, so a present key is never all zeros. */
const key = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((b) => b.some((x) => x !== 0))
  .map((b) => getAddressDecoder().decode(b));

const spec: fc.Arbitrary<MintSpec> = fc.record(
  {
    decimals: fc.integer({ min: 0, max: 18 }),
    supply: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    mintAuthority: fc.option(key, { nil: null }),
    freezeAuthority: fc.option(key, { nil: null }),
    transferFeeBps: fc.integer({ min: 0, max: 10_000 }),
    transferHookProgram: key,
    permanentDelegate: key,
    nonTransferable: fc.boolean(),
    defaultFrozen: fc.boolean(),
  },
  { requiredKeys: ['decimals', 'mintAuthority', 'freezeAuthority'] },
);

describe('mint layout', () => {
  it('decodes every encoded mint back to its spec', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const f = decodeMint(encodeMint(s));
        expect(f.decimals).toBe(s.decimals);
        expect(f.supply).toBe(s.supply ?? 0n);
        expect(f.mintAuthority).toBe(s.mintAuthority);
        expect(f.freezeAuthority).toBe(s.freezeAuthority);
        expect(f.transferFeeBps).toBe(s.transferFeeBps ?? null);
        expect(f.transferHookProgram).toBe(s.transferHookProgram ?? null);
        expect(f.permanentDelegate).toBe(s.permanentDelegate ?? null);
        expect(f.nonTransferable).toBe(s.nonTransferable === true);
        expect(f.defaultFrozen).toBe(s.defaultFrozen === true);
        expect(f.otherExtensions).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with the SPL Token program's own encoder on the base mint", () => {
    fc.assert(
      fc.property(spec, (s) => {
        const base = { decimals: s.decimals, mintAuthority: s.mintAuthority, freezeAuthority: s.freezeAuthority };
        const theirs = getMintEncoder().encode({ ...base, supply: s.supply ?? 0n, isInitialized: true });
        expect(encodeMint({ ...base, ...(s.supply !== undefined ? { supply: s.supply } : {}) })).toEqual(
          new Uint8Array(theirs),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('names every hostile trait in the checks, and refuses the ones a holder cannot undo', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const checks = mintChecks(decodeMint(encodeMint(s)));
        const level = (c: string) => checks.find((x) => x.check === c)?.level ?? 'absent';
        expect(level('freezeAuthority')).toBe(s.freezeAuthority ? 'warn' : 'ok');
        expect(level('mintAuthority')).toBe(s.mintAuthority ? 'warn' : 'ok');
        if (s.nonTransferable) expect(level('nonTransferable')).toBe('refuse');
        if (s.defaultFrozen) expect(level('defaultFrozen')).toBe('refuse');
        if (s.permanentDelegate) expect(level('permanentDelegate')).toBe('refuse');
        if (s.transferHookProgram) expect(level('transferHook')).toBe('warn');
        if (s.transferFeeBps) expect(level('transferFee')).toBe(s.transferFeeBps >= 1_000 ? 'refuse' : 'warn');
        const hostile = s.nonTransferable || s.defaultFrozen || s.permanentDelegate || (s.transferFeeBps ?? 0) >= 1_000;
        expect(verdictOf(checks) === 'refuse').toBe(Boolean(hostile));
        for (const c of checks) expect(c.reason).not.toMatch(/[{}]|base units/u);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not a mint, in words', () => {
    expect(() => decodeMint(new Uint8Array(10))).toThrow(/too short/u);
    expect(() => decodeMint(new Uint8Array(82))).toThrow(/not initialized/u);
    const account = new Uint8Array(170);
    account[45] = 1;
    account[165] = 2;
    expect(() => decodeMint(account)).toThrow(/token account, not a mint/u);
  });
});
