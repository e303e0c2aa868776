/**
 * What the paper sandbox is called and why it exists, apart from its machinery
 * (paper-sandbox.ts, loaded only when it connects): status, health and refusals
 * read these without loading the replay.
 */
import { HarvestError } from '../kernel/errors';

/** What the header, health and `harvest status` call it. */
export const PAPER_SANDBOX_LABEL = 'Paper sandbox — prices replayed, no chain';

/** Where LiteSVM (the on-chain sandbox's runtime) publishes a binary (litesvm's optionalDependencies). */
export const ON_CHAIN_SANDBOX_RUNS_ON = 'Linux (x64, arm64) and macOS (Intel, Apple Silicon)';
const SUPPORTED = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']);

/**
 * Whether this platform has a LiteSVM binary. HARVEST_TEST_NO_LITESVM=1 says no
 * (tests only: it stands for a Windows machine on this one).
 */
export function onChainSandboxSupported(
  env: NodeJS.ProcessEnv = process.env,
  platform: string = process.platform,
  arch: string = process.arch,
): boolean {
  if (env['HARVEST_TEST_NO_LITESVM'] === '1') return false;
  return SUPPORTED.has(`${platform}-${arch}`);
}

/** The sentence that says what is missing here and where the full sandbox runs. */
export function paperSandboxNotice(platform: string = process.platform, arch: string = process.arch): string {
  return (
    `The on-chain sandbox needs LiteSVM, which has no build for this computer (${platform}-${arch}), so Harvest ` +
    `replays the same real market on paper: orders fill at replayed prices, and nothing touches a chain. ` +
    `The full sandbox (wallets on a local chain, withdrawals, copy trading) runs on ${ON_CHAIN_SANDBOX_RUNS_ON}.`
  );
}

/** The refusal for a command that needs a chain, naming why and where it works. */
export function needsChain(what: string): HarvestError {
  return new HarvestError(
    'UNSUPPORTED',
    `${what} needs a chain, and the paper sandbox has none: its prices are replayed and its orders fill on paper. ` +
      `Use the sandbox on ${ON_CHAIN_SANDBOX_RUNS_ON}, or switch to devnet or mainnet.`,
  );
}

/** Throws the human refusal when `network` is the paper sandbox. */
export function refuseOnPaperSandbox(network: string, what: string): void {
  if (network === 'paper-sandbox') throw needsChain(what);
}

/** The label and notice the API reports on the paper sandbox; null on every other network. */
export function paperSandboxInfo(network: string): { label: string; notice: string } | null {
  return network === 'paper-sandbox' ? { label: PAPER_SANDBOX_LABEL, notice: paperSandboxNotice() } : null;
}
