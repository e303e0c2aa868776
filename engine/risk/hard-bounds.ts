// Apart from presets.ts (zod) so the UI and the CLI can check a limit against its bounds without the schemas.
/** The hard bounds of every limit: [min, max]. Units in the names. */
export const HARD_BOUNDS = {
  maxPositionPctEquity: [1, 100],
  maxPositionUsd: [1, 1_000_000],
  maxExposurePct: [1, 100],
  maxConcurrentPositions: [1, 50],
  maxDailyLossPct: [0.5, 50],
  maxDailyLossUsd: [1, 1_000_000],
  maxDrawdownPct: [1, 90],
  maxTradesPerDay: [1, 1_000],
  lossStreakLosses: [1, 20],
  lossStreakWindowMinutes: [5, 10_080],
  lossStreakPauseMinutes: [0, 10_080],
  cooldownMinutes: [0, 1_440],
  minOrderUsd: [0.01, 10_000],
  maxOrderUsd: [1, 1_000_000],
} as const satisfies Record<string, readonly [number, number]>;
