/**
 * What a sandbox test token is made from: one schema for the engine's `sandbox.tokenCreate`
 * command and the sandbox's own HTTP route. Zod only, so the API contract can import it without
 * loading the sandbox.
 */
import { z } from 'zod';

export const TestTokenSpec = z
  .object({
    symbol: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,10}$/u, 'a symbol of 1 to 10 letters or digits'),
    priceUsd: z.number().positive().max(1e9),
    liquidityUsd: z.number().positive().max(1e12),
    freezeAuthority: z.boolean().optional(),
    mintAuthority: z.boolean().optional(),
    transferFeeBps: z.number().int().min(0).max(10_000).optional(),
    transferHook: z.boolean().optional(),
    permanentDelegate: z.boolean().optional(),
    nonTransferable: z.boolean().optional(),
    defaultFrozen: z.boolean().optional(),
  })
  .strict();
