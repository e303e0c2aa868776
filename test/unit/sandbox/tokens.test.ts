import { getMintDecoder } from '@solana-program/token';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { SandboxLedger, TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from '../../../engine/sandbox/ledger';
import { PlayKey } from '../../../engine/sandbox/play-keys';
import {
  installMints,
  mintAccountData,
  NATIVE_MINT,
  PYUSD_MINT,
  requireToken,
  SANDBOX_TOKENS,
  toBaseUnits,
  tokenByMint,
  tokenBySymbol,
} from '../../../engine/sandbox/tokens';

describe('sandbox tokens', () => {
  it('lists the real mainnet mints with their decimals and token programs', () => {
    const rows = SANDBOX_TOKENS.map((t) => [t.symbol, t.mint, t.decimals, t.tokenProgram]);
    expect(rows).toEqual([
      ['SOL', 'So11111111111111111111111111111111111111112', 9, TOKEN_PROGRAM],
      ['USDC', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', 6, TOKEN_PROGRAM],
      ['wETH', '7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs', 8, TOKEN_PROGRAM],
      ['wBTC', '3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh', 8, TOKEN_PROGRAM],
      ['PYUSD', '2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo', 6, TOKEN_2022_PROGRAM],
    ]);
    expect(SANDBOX_TOKENS.filter((t) => t.native).map((t) => t.symbol)).toEqual(['SOL']);
    for (const t of SANDBOX_TOKENS) {
      expect(t.name.length).toBeGreaterThan(0);
      expect(['candles', 'fixed']).toContain(t.priceSource.kind);
    }
  });

  it('looks tokens up by symbol (any case) and by mint', () => {
    expect(tokenBySymbol('weth')?.mint).toBe('7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs');
    expect(tokenBySymbol('PYUSD')?.tokenProgram).toBe(TOKEN_2022_PROGRAM);
    expect(tokenBySymbol('DOGE')).toBeNull();
    expect(tokenByMint(NATIVE_MINT)?.symbol).toBe('SOL');
    expect(tokenByMint('11111111111111111111111111111111')).toBeNull();
    expect(() => requireToken('nope')).toThrow(/not a sandbox token/);
  });

  it('creates the mints at genesis: sandbox mint authority, no freeze authority, native mint without authority', () => {
    const ledger = SandboxLedger.open({ dir: null, clock: new ManualClock(1_700_000_000_000) });
    try {
      const authority = PlayKey.generate().address;
      expect(installMints(ledger, authority)).toHaveLength(SANDBOX_TOKENS.length);
      for (const t of SANDBOX_TOKENS) {
        const acc = ledger.account(t.mint)!;
        expect(acc.owner).toBe(t.tokenProgram);
        expect(acc.lamports).toBe(ledger.minimumBalanceForRentExemption(82n));
        const mint = getMintDecoder().decode(acc.data);
        expect(mint.decimals).toBe(t.decimals);
        expect(mint.isInitialized).toBe(true);
        expect(mint.supply).toBe(0n);
        expect(mint.freezeAuthority).toEqual({ __option: 'None' });
        expect(mint.mintAuthority).toEqual(t.native ? { __option: 'None' } : { __option: 'Some', value: authority });
      }
      // Idempotent: an existing mint is left alone.
      expect(installMints(ledger, PlayKey.generate().address)).toEqual([]);
      expect(ledger.account(PYUSD_MINT)!.data).toEqual(mintAccountData(requireToken(PYUSD_MINT), authority));
    } finally {
      ledger.close();
    }
  });

  it('converts decimal strings to base units exactly', () => {
    expect(toBaseUnits('1.5', 9)).toBe(1_500_000_000n);
    expect(toBaseUnits('100000000', 6)).toBe(100_000_000_000_000n);
    expect(toBaseUnits('0.00000001', 8)).toBe(1n);
    expect(() => toBaseUnits('0.0000001', 6)).toThrow(/more than 6 decimals/);
    expect(() => toBaseUnits('-1', 6)).toThrow(/not a decimal/);
  });

  it('play keys sign synchronously with ed25519 and persist in ledger meta', async () => {
    const { verifySignature, getPublicKeyFromAddress } = await import('@solana/kit');
    const ledger = SandboxLedger.open({ dir: null, clock: new ManualClock(0) });
    try {
      const k = PlayKey.persisted(ledger, 'test.key');
      expect(PlayKey.persisted(ledger, 'test.key').address).toBe(k.address);
      const msg = new TextEncoder().encode('hello');
      const pub = await getPublicKeyFromAddress(k.address);
      expect(await verifySignature(pub, k.sign(msg) as never, msg)).toBe(true);
      expect(JSON.stringify({ k })).toBe(JSON.stringify({ k: k.address }));
    } finally {
      ledger.close();
    }
  });
});
