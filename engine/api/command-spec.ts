import type { z } from 'zod';

/** One API command: its input and output schemas and how the host treats it. */
export interface CommandSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  summary: string;
  /** Changes state (the host checks Origin and the UI asks before sending). */
  mutates: boolean;
  /** Reveals or moves secrets or money: needs a second confirmation step in the UI host. */
  sensitive?: boolean;
}

/**
 * Declares a command with its types inferred. Apart from contract.ts so every part of the
 * contract (contract-*.ts, which contract.ts spreads in) declares commands the same way.
 */
export function command<I extends z.ZodType, O extends z.ZodType>(spec: CommandSpec<I, O>): CommandSpec<I, O> {
  return spec;
}
