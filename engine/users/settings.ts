import { z } from 'zod';

/**
 * A user's settings as stored (JSON, versioned for optimistic locking). Later
 * parts of the engine (risk, strategy, notifications) read their sections from
 * here; unknown future keys are kept as they are.
 */
export const UserSettingsSchema = z
  .object({
    mode: z.enum(['paper', 'live']).default('paper'),
    quoteAsset: z.enum(['USDC', 'SOL']).default('USDC'),
    /** Below this SOL balance (lamports) the engine does not trade for the user. */
    minTradingBalanceLamports: z
      .string()
      .regex(/^\d+$/u, 'a whole number of lamports')
      .default('10000000'),
    riskPreset: z.enum(['conservative', 'moderate', 'aggressive', 'custom']).default('moderate'),
    /** Per asset ('SOL' or a mint), the most that may leave the wallet in 24 h, in base units; defaults per token. */
    withdrawalDailyCaps: z.record(z.string(), z.string().regex(/^\d+$/u)).default({}),
    notifications: z
      .object({
        enabled: z.boolean().default(true),
      })
      .default({ enabled: true }),
  })
  .loose();

export type UserSettings = z.infer<typeof UserSettingsSchema>;

export function defaultUserSettings(): UserSettings {
  return UserSettingsSchema.parse({});
}
