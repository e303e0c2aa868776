import { HarvestError } from '../kernel/errors';

/**
 * Decimal text <-> base units, exactly. "1.5" SOL is 1_500_000_000n lamports;
 * no amount ever passes through a float.
 */
export function parseUnits(text: string, decimals: number): bigint {
  const t = text.trim();
  const m = /^(\d+)(?:\.(\d*))?$/u.exec(t);
  if (!m)
    throw new HarvestError('INVALID_INPUT', `"${text}" is not an amount (use digits and an optional decimal point).`);
  const whole = m[1]!;
  const frac = m[2] ?? '';
  if (frac.length > decimals) {
    throw new HarvestError('INVALID_INPUT', `"${text}" has more than ${decimals} decimal places.`);
  }
  const units = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
  // Every SOL and token amount on Solana is a u64; a bigger one would wrap or throw deep in encoding.
  if (units > U64_MAX) {
    throw new HarvestError(
      'INVALID_INPUT',
      `"${text}" is more than any Solana account can hold (at most ${formatUnits(U64_MAX, decimals)}).`,
    );
  }
  return units;
}

/** The largest amount of lamports or token base units (Solana amounts are unsigned 64-bit). */
export const U64_MAX = 2n ** 64n - 1n;

export function formatUnits(amount: bigint, decimals: number): string {
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const frac = (abs % base).toString().padStart(decimals, '0').replace(/0+$/u, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
