import { z } from 'zod';
import { command } from './command-spec';

/**
 * Commands of issue #9 items 1, 4 and 7 (flows, ledger = chain, tax export),
 * kept in their own file and spread into the contract's table.
 */
const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');
const DecimalAmount = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/u, 'an amount like 1.5 (digits and an optional decimal point)');
const Amount = z.string().regex(/^-?\d+$/u);

const DiscrepancyOut = z.object({
  kind: z.enum(['balance', 'transaction']),
  asset: z.string(),
  symbol: z.string(),
  chain: Amount,
  ledger: Amount,
  difference: Amount,
  signatures: z.array(z.string()),
  note: z.string(),
});

export const LedgerResultOut = z.object({
  userId: z.number().int(),
  name: z.string(),
  wallet: z.string(),
  network: z.string(),
  checkedAt: z.string(),
  ok: z.boolean().nullable(),
  inconclusive: z.string().nullable(),
  checkId: z.number().int().nullable(),
  acknowledged: z.boolean(),
  paused: z.boolean(),
  assets: z.array(z.object({ asset: z.string(), symbol: z.string(), chain: Amount, ledger: Amount })),
  discrepancies: z.array(DiscrepancyOut),
});

/** An ISO time or a date (YYYY-MM-DD, UTC midnight). */
const TimeBound = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a date like 2026-01-01 or an ISO time');

export const flowCommands = {
  'ledger.reconcile': command({
    summary:
      'Prove ledger = chain for one user or every user with a wallet: each asset, to the base unit, with every discrepancy and its transactions',
    mutates: true,
    input: z.object({ user: UserRef.optional() }).strict(),
    output: z.object({ results: z.array(LedgerResultOut) }),
  }),
  'ledger.ack': command({
    summary: "Acknowledge a user's ledger mismatch (audited) and lift the pause it set",
    mutates: true,
    input: z.object({ user: UserRef }).strict(),
    output: z.object({ userId: z.number().int(), checkId: z.number().int(), resumed: z.boolean() }),
  }),
  'export.csv': command({
    summary: "A user's trades or cash flows as CSV for taxes (FIFO cost basis), written to FILE or returned",
    mutates: false,
    input: z
      .object({
        kind: z.enum(['trades', 'flows']),
        user: UserRef,
        from: TimeBound.optional(),
        to: TimeBound.optional(),
        file: z.string().trim().min(1).optional(),
      })
      .strict(),
    output: z.object({
      kind: z.enum(['trades', 'flows']),
      rows: z.number().int(),
      file: z.string().nullable(),
      csv: z.string(),
    }),
  }),
  'sandbox.send': command({
    summary:
      "Sandbox: send SOL or a token to a user's wallet from an outside wallet (a plain transfer, an outside deposit)",
    mutates: true,
    input: z
      .object({ user: UserRef, amount: DecimalAmount, token: z.string().trim().min(1).max(16).default('SOL') })
      .strict(),
    output: z.object({ signature: z.string(), from: z.string(), to: z.string(), mint: z.string(), amount: Amount }),
  }),
} as const;
