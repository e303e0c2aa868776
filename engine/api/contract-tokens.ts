import { z } from 'zod';
import { command } from './command-spec';
import { TestTokenSpec } from '../sandbox/test-token-spec';

/**
 * Commands of the token registry (issue 14, "any token by mint"): add a mint,
 * see its safety checks, acknowledge a warned token once; and the sandbox's
 * test tokens, hostile ones included. Spread into the contract's table.
 */
const Mint = z
  .string()
  .trim()
  .regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u, 'a token mint address (base58)');
const SymbolOrMint = z.string().trim().min(1, 'Name a token: a symbol or a mint address.').max(44);

export const CheckOut = z.object({
  check: z.string(),
  level: z.enum(['ok', 'warn', 'refuse']),
  reason: z.string(),
});

export const TokenOut = z.object({
  mint: z.string(),
  symbol: z.string(),
  name: z.string(),
  decimals: z.number().int(),
  /** "SPL Token", "Token-2022", or "native" for SOL. */
  program: z.string(),
  /** One of the built-in majors (no checks needed). */
  builtIn: z.boolean(),
  verdict: z.enum(['ok', 'warn', 'refuse']),
  checks: z.array(CheckOut),
  checkedAt: z.string().nullable(),
  /** The operator accepted the warnings (once per token). */
  allowed: z.boolean(),
  allowedBy: z.string().nullable(),
  allowedAt: z.string().nullable(),
  /** Whether a buy may go ahead now, and if not why. */
  buyable: z.boolean(),
  notBuyableReason: z.string().nullable(),
  singleSourcePrice: z.boolean(),
});

const TestTokenOut = z.object({
  symbol: z.string(),
  name: z.string(),
  mint: z.string(),
  decimals: z.number().int(),
  token2022: z.boolean(),
  priceUsd: z.number(),
  liquidityUsd: z.number(),
  traits: z.array(z.string()),
});

export const tokenCommands = {
  'tokens.list': command({
    summary: 'Every token Harvest knows: the built-in majors and tokens added by mint, with their safety checks',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ tokens: z.array(TokenOut) }),
  }),
  'tokens.show': command({
    summary: 'One token by symbol or mint, with its safety checks',
    mutates: false,
    input: z.object({ token: SymbolOrMint }).strict(),
    output: TokenOut,
  }),
  'tokens.add': command({
    summary:
      'Add a token by its mint (or check it again): reads decimals and program from the chain, names it, runs the safety checks',
    mutates: true,
    input: z
      .object({
        mint: Mint,
        /** The buy size, in USD, the route and price impact are checked at. */
        sizeUsd: z.number().positive().max(1e7).optional(),
      })
      .strict(),
    output: TokenOut,
  }),
  'tokens.allow': command({
    summary:
      "Accept a warned token's warnings once (this also accepts a single price source for a token without an oracle)",
    mutates: true,
    input: z.object({ mint: Mint, singleSourcePrice: z.boolean().default(false) }).strict(),
    output: z.object({
      mint: z.string(),
      symbol: z.string().nullable(),
      allowed: z.boolean(),
      singleSourcePrice: z.boolean(),
    }),
  }),
  'sandbox.tokenCreate': command({
    summary:
      'Sandbox: make a test token (a real mint; hostile traits on request) with market-maker depth at a fixed price',
    mutates: true,
    input: TestTokenSpec,
    output: TestTokenOut,
  }),
  'sandbox.tokens': command({
    summary: 'Sandbox: the test tokens made on this sandbox, with their hostile traits',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ tokens: z.array(TestTokenOut) }),
  }),
} as const;
