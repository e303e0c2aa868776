/**
 * A user trades only while their SOL balance is at or above their minimum.
 * Crossing the line either way is an event, exactly once per crossing.
 */
export type ActivationChange = 'activated' | 'deactivated' | null;

export function activationChange(
  wasActive: boolean,
  balanceLamports: bigint,
  minimumLamports: bigint,
): ActivationChange {
  const nowActive = balanceLamports >= minimumLamports;
  if (nowActive === wasActive) return null;
  return nowActive ? 'activated' : 'deactivated';
}
