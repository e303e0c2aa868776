/**
 * Test tokens: `harvest sandbox token create SYMBOL --price P --liquidity L
 * [--freeze-authority] [--mint-authority] [--transfer-fee BPS] [--transfer-hook]
 * [--permanent-delegate] [--non-transferable] [--default-frozen]`. Each is a real
 * mint on the ledger (Token-2022 when it asks for an extension), priced at a
 * fixed USD price by the replay, with market-maker inventory and depth, so it
 * can be quoted, swapped and priced like a real listing, hostile traits included.
 */
import { randomBytes } from 'node:crypto';
import { getAddressDecoder, type Address } from '@solana/kit';
import { decodeMint, encodeMint, needsToken2022, type MintSpec } from '../tokens/mint-layout';
import type { SandboxFaucet } from './faucet';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM, type SandboxLedger } from './ledger';
import type { SandboxMarketMaker } from './market-maker';
import { registerSandboxToken, tokenBySymbol, type SandboxToken } from './tokens';

const META_TEST_TOKENS = 'test.tokens';
const DECIMALS = 6;

export interface TestTokenRequest {
  symbol: string;
  priceUsd: number;
  liquidityUsd: number;
  freezeAuthority?: boolean;
  mintAuthority?: boolean;
  transferFeeBps?: number;
  transferHook?: boolean;
  permanentDelegate?: boolean;
  nonTransferable?: boolean;
  defaultFrozen?: boolean;
}

export interface TestToken {
  symbol: string;
  name: string;
  mint: string;
  decimals: number;
  token2022: boolean;
  priceUsd: number;
  liquidityUsd: number;
  /** The hostile traits it was made with, in words. */
  traits: string[];
}

interface Stored {
  req: TestTokenRequest;
  mint: string;
}

function traitsOf(r: TestTokenRequest): string[] {
  const t: string[] = [];
  if (r.freezeAuthority) t.push('freeze authority');
  if (r.mintAuthority) t.push('mint authority');
  if (r.transferFeeBps !== undefined) t.push(`transfer fee ${r.transferFeeBps / 100} %`);
  if (r.transferHook) t.push('transfer hook');
  if (r.permanentDelegate) t.push('permanent delegate');
  if (r.nonTransferable) t.push('non-transferable');
  if (r.defaultFrozen) t.push('accounts frozen by default');
  return t;
}

function sandboxTokenOf(s: Stored, token2022: boolean): SandboxToken {
  return {
    symbol: s.req.symbol,
    name: `${s.req.symbol} (sandbox test token)`,
    mint: s.mint as Address,
    decimals: DECIMALS,
    tokenProgram: token2022 ? TOKEN_2022_PROGRAM : TOKEN_PROGRAM,
    priceSource: { kind: 'fixed', usd: s.req.priceUsd },
    native: false,
  };
}

/** A stand-in address for the issuer-side keys a hostile mint names (no one holds them). */
function randomAddress(): Address {
  return getAddressDecoder().decode(randomBytes(32));
}

export class SandboxTestTokens {
  private readonly stored: Stored[];

  constructor(
    private readonly ledger: SandboxLedger,
    private readonly market: SandboxMarketMaker,
    private readonly faucet: SandboxFaucet,
  ) {
    this.stored = JSON.parse(ledger.getMeta(META_TEST_TOKENS) ?? '[]') as Stored[];
  }

  /** Registers the ledger's test tokens again (after a restart). */
  async open(): Promise<void> {
    for (const s of this.stored) await this.install(s);
  }

  private async install(s: Stored): Promise<SandboxToken> {
    const t = sandboxTokenOf(s, needsToken2022(this.spec(s.req, null)));
    registerSandboxToken(t);
    await this.market.listToken(t, s.req.liquidityUsd);
    return t;
  }

  private spec(r: TestTokenRequest, authority: Address | null): MintSpec {
    return {
      decimals: DECIMALS,
      mintAuthority: r.mintAuthority ? authority : null,
      // Token-2022 refuses a default-frozen mint without a freeze authority (someone must thaw).
      freezeAuthority: r.freezeAuthority || r.defaultFrozen ? authority : null,
      ...(r.transferFeeBps !== undefined ? { transferFeeBps: r.transferFeeBps } : {}),
      ...(r.transferHook ? { transferHookProgram: randomAddress() } : {}),
      ...(r.permanentDelegate ? { permanentDelegate: randomAddress() } : {}),
      ...(r.nonTransferable ? { nonTransferable: true } : {}),
      ...(r.defaultFrozen ? { defaultFrozen: true } : {}),
    };
  }

  async create(r: TestTokenRequest): Promise<TestToken> {
    const symbol = r.symbol.trim();
    if (!/^[A-Za-z0-9]{1,10}$/u.test(symbol)) throw new Error('A symbol is 1 to 10 letters or digits.');
    if (tokenBySymbol(symbol)) throw new Error(`The sandbox already has a token called ${symbol}.`);
    if (!(r.priceUsd > 0) || !(r.liquidityUsd > 0)) throw new Error('Price and liquidity must be above zero.');
    if (
      r.transferFeeBps !== undefined &&
      !(Number.isInteger(r.transferFeeBps) && r.transferFeeBps >= 0 && r.transferFeeBps <= 10_000)
    )
      throw new Error('A transfer fee is 0 to 10000 basis points.');
    const req = { ...r, symbol };
    const s: Stored = { req, mint: randomAddress() };
    const authority = this.faucet.authority.address;
    const final = this.spec(req, authority);
    const t = sandboxTokenOf(s, needsToken2022(final));
    // Set-up: the mint starts without the frozen-by-default trait and with the faucet as mint
    // authority, so the market maker's inventory can be minted by a real MintTo; then it gets
    // the traits asked for (a chain set-up write, like genesis).
    this.writeMint(t, { ...final, defaultFrozen: false, mintAuthority: authority });
    registerSandboxToken(t);
    await this.market.listToken(t, req.liquidityUsd);
    const inventory = BigInt(Math.ceil((req.liquidityUsd * 2) / req.priceUsd)) * 10n ** BigInt(DECIMALS);
    await this.faucet.fund(this.market.authority.address, { tokens: [{ mint: t.mint, amount: inventory }] });
    const supply = decodeMint(this.ledger.account(t.mint)!.data).supply;
    this.writeMint(t, { ...final, supply });
    this.stored.push(s);
    this.ledger.setMeta(META_TEST_TOKENS, JSON.stringify(this.stored));
    this.ledger.save();
    return this.describe(s);
  }

  private writeMint(t: SandboxToken, spec: MintSpec): void {
    const data = encodeMint(spec);
    this.ledger.setAccount({
      address: t.mint,
      lamports: this.ledger.minimumBalanceForRentExemption(BigInt(data.length)),
      owner: t.tokenProgram,
      data,
      executable: false,
    });
  }

  list(): TestToken[] {
    return this.stored.map((s) => this.describe(s));
  }

  private describe(s: Stored): TestToken {
    const token2022 = needsToken2022(this.spec(s.req, null));
    return {
      symbol: s.req.symbol,
      name: sandboxTokenOf(s, token2022).name,
      mint: s.mint,
      decimals: DECIMALS,
      token2022,
      priceUsd: s.req.priceUsd,
      liquidityUsd: s.req.liquidityUsd,
      traits: traitsOf(s.req),
    };
  }
}
