/**
 * Which network a data directory trades on, as stored in its meta table. Apart from
 * network.ts (which connects to it), so a command that only reads the setting (status,
 * the paper/risk handlers) does not load the chain client (issue 12, item 5).
 */
import { z } from 'zod';
import type { MetaRepo } from '../store';
import { onChainSandboxSupported } from './paper-sandbox-info';

export const NetworkName = z.enum(['sandbox', 'devnet', 'mainnet', 'paper-sandbox']);
export type NetworkName = z.infer<typeof NetworkName>;

/** Play-money networks: the on-chain sandbox and the paper sandbox (no real funds anywhere). */
export function isPlayNetwork(name: string): boolean {
  return name === 'sandbox' || name === 'paper-sandbox';
}

/** A fresh data folder's network: the on-chain sandbox where LiteSVM runs, else the paper sandbox. */
export function defaultNetwork(env: NodeJS.ProcessEnv = process.env): NetworkName {
  return onChainSandboxSupported(env) ? 'sandbox' : 'paper-sandbox';
}

export interface NetworkConfig {
  network: NetworkName;
  /** Operator-supplied RPC endpoints, in order of preference (devnet/mainnet). */
  rpcUrls: string[];
  /** Jupiter's API base (devnet/mainnet). */
  jupiterUrl: string;
  /** Jito's block engine for MEV-protected swaps (devnet/mainnet; the sandbox emulates one). */
  blockEngineUrl: string;
  /** How long a new withdrawal address waits before it can be used. */
  whitelistDelayMs: number;
  /**
   * The operator stored this very network. Only then does a sandbox that cannot load fail; otherwise (a fresh
   * folder's default, or `--network sandbox` from a start script) the paper sandbox runs in its place.
   */
  chosen: boolean;
  /** A network is stored at all (false on a fresh folder: a fallback is then stored). */
  stored: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const PUBLIC_RPC: Record<'devnet' | 'mainnet', string> = {
  devnet: 'https://api.devnet.solana.com',
  mainnet: 'https://api.mainnet-beta.solana.com',
};
export const JUPITER_API = 'https://api.jup.ag';
/** Jito's mainnet block engine (docs.jito.wtf, low latency transaction send). */
export const JITO_BLOCK_ENGINE = 'https://mainnet.block-engine.jito.wtf';

const META_KEY = 'network_config';

const StoredConfig = z.object({
  network: NetworkName,
  rpcUrls: z.array(z.string().url()).default([]),
  jupiterUrl: z.string().url().optional(),
  blockEngineUrl: z.string().url().optional(),
  whitelistDelayMs: z.number().int().min(0).optional(),
});

export function readNetworkConfig(
  meta: MetaRepo,
  override?: { network?: NetworkName; rpcUrls?: string[] },
): NetworkConfig {
  const raw = meta.get(META_KEY);
  const stored = raw ? StoredConfig.parse(JSON.parse(raw)) : StoredConfig.parse({ network: defaultNetwork() });
  const network = override?.network ?? stored.network;
  const rpcUrls = override?.rpcUrls?.length ? override.rpcUrls : network === stored.network ? stored.rpcUrls : [];
  return {
    network,
    rpcUrls,
    jupiterUrl: stored.jupiterUrl ?? JUPITER_API,
    blockEngineUrl: stored.blockEngineUrl ?? JITO_BLOCK_ENGINE,
    // A delay configured for one network never carries over to another (a sandbox's 0 must not reach mainnet).
    whitelistDelayMs:
      (network === stored.network ? stored.whitelistDelayMs : undefined) ?? (isPlayNetwork(network) ? 0 : DAY_MS),
    chosen: raw !== null && stored.network === network,
    stored: raw !== null,
  };
}

export function writeNetworkConfig(
  meta: MetaRepo,
  cfg: { network: NetworkName; rpcUrls: string[]; whitelistDelayMs?: number },
): void {
  meta.set(META_KEY, JSON.stringify(StoredConfig.parse(cfg)));
}
