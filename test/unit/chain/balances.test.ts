import { address, type Address } from '@solana/kit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeTokenAccountAmount,
  findAssociatedTokenAddress,
  SYSTEM_PROGRAM_ADDRESS,
  TOKEN_2022_PROGRAM_ADDRESS,
  TOKEN_PROGRAM_ADDRESS,
  type MintSpec,
} from '../../../engine/chain';
import { expectHarvestError, expectHarvestRejection } from '../../helpers/errors';
import { TestClock } from './helpers/clock';
import { FakeRpcServer } from './helpers/fake-rpc';
import { prng, randomAddress, randomU64, testClient, tokenAccountData } from './helpers/fixtures';

const USDC = address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
const WALLET = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');

describe('associated token accounts', () => {
  // Vectors from @solana-program/token's findAssociatedTokenPda.
  it.each([
    [WALLET, USDC, TOKEN_PROGRAM_ADDRESS, 'FGETo8T8wMcN2wCjav8VK6eh3dLk63evNDPxzLSJra8B'],
    [
      address('11111111111111111111111111111111'),
      address('So11111111111111111111111111111111111111112'),
      TOKEN_PROGRAM_ADDRESS,
      'aqxoAhCwpy3oB1BpNw9hL1HdLYLgPpbPjzxDrrQj3Fs',
    ],
    [
      WALLET,
      address('2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo'),
      TOKEN_2022_PROGRAM_ADDRESS,
      '897krAvWH3RbymaCYE3o9emopUwocieHuKTUk9nySpq6',
    ],
  ])('derives the ATA of %s for %s under %s', async (owner, mint, program, expected) => {
    expect(await findAssociatedTokenAddress(owner, mint, program)).toBe(expected);
  });

  it('refuses a token program that is neither Token nor Token-2022', async () => {
    await expectHarvestRejection(
      findAssociatedTokenAddress(WALLET, USDC, SYSTEM_PROGRAM_ADDRESS),
      'INVALID_INPUT',
      /token program/,
    );
  });

  it('decodes the u64 amount exactly and checks mint and owner', () => {
    const ata = address('FGETo8T8wMcN2wCjav8VK6eh3dLk63evNDPxzLSJra8B');
    for (const amount of [0n, 1n, 9007199254740993n, 18446744073709551615n]) {
      for (const t22 of [false, true]) {
        expect(
          decodeTokenAccountAmount(tokenAccountData(USDC, WALLET, amount, t22), {
            mint: USDC,
            owner: WALLET,
            account: ata,
          }),
        ).toBe(amount);
      }
    }
    const data = tokenAccountData(USDC, WALLET, 5n);
    expectHarvestError(
      () => decodeTokenAccountAmount(data, { mint: TOKEN_PROGRAM_ADDRESS, owner: WALLET, account: ata }),
      'INTERNAL',
      /does not hold mint/,
    );
    expectHarvestError(
      () => decodeTokenAccountAmount(data, { mint: USDC, owner: USDC, account: ata }),
      'INTERNAL',
      /not owned by wallet/,
    );
    expectHarvestError(
      () => decodeTokenAccountAmount(data.subarray(0, 100), { mint: USDC, owner: WALLET, account: ata }),
      'INTERNAL',
      /100 bytes/,
    );
  });
});

describe('getBalances', () => {
  let clock: TestClock;
  let server: FakeRpcServer;

  beforeAll(async () => {
    clock = new TestClock();
    server = await FakeRpcServer.start({ now: () => clock.now() });
  });
  afterAll(async () => {
    await server.close();
  });

  it('costs exactly ceil(W·(1+M)/100) requests and decodes every amount exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 350 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        async (W, M, seed) => {
          server.resetCalls();
          server.accounts.clear();
          const rand = prng(seed);
          const wallets = Array.from({ length: W }, () => randomAddress(rand));
          const mints: MintSpec[] = Array.from({ length: M }, (_, i) => ({
            mint: randomAddress(rand),
            tokenProgram: i % 2 === 0 ? TOKEN_PROGRAM_ADDRESS : TOKEN_2022_PROGRAM_ADDRESS,
            decimals: [6, 9, 0][i % 3] as number,
          }));
          const expected = new Map<Address, { lamports: bigint; tokens: Map<Address, bigint> }>();
          for (const wallet of wallets) {
            const lamports = rand() < 0.15 ? 0n : randomU64(rand);
            if (lamports > 0n) server.setAccount(wallet, { lamports, owner: SYSTEM_PROGRAM_ADDRESS });
            const tokens = new Map<Address, bigint>();
            for (const m of mints) {
              const exists = rand() < 0.7;
              const amount = exists ? randomU64(rand) : 0n;
              tokens.set(m.mint, amount);
              if (exists) {
                const ata = await findAssociatedTokenAddress(wallet, m.mint, m.tokenProgram);
                server.setAccount(ata, {
                  lamports: 2_039_280n,
                  owner: m.tokenProgram,
                  data: tokenAccountData(m.mint, wallet, amount, m.tokenProgram === TOKEN_2022_PROGRAM_ADDRESS),
                });
              }
            }
            expected.set(wallet, { lamports, tokens });
          }

          const { client, run } = testClient(clock, { endpoints: [server.url] });
          const balances = await run(client.getBalances(wallets, mints));

          expect(server.count()).toBe(Math.ceil((W * (1 + M)) / 100));
          expect(server.count('getMultipleAccounts')).toBe(server.count());
          for (const call of server.calls) expect((call.params[0] as string[]).length).toBeLessThanOrEqual(100);
          expect(balances.map((b) => b.wallet)).toEqual(wallets);
          for (const b of balances) {
            const want = expected.get(b.wallet);
            expect(b.lamports).toBe(want?.lamports);
            expect(b.tokens).toEqual(want?.tokens);
            expect(b.slot).toBe(server.slot);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('reads a wallet with no accounts at all as zero', async () => {
    server.accounts.clear();
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    const [b] = await run(
      client.getBalances([WALLET], [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 }]),
    );
    expect(b).toEqual({ wallet: WALLET, lamports: 0n, tokens: new Map([[USDC, 0n]]), slot: server.slot });
  });

  it('treats SOL sent to a not-yet-created ATA address as no tokens', async () => {
    server.accounts.clear();
    const ata = await findAssociatedTokenAddress(WALLET, USDC, TOKEN_PROGRAM_ADDRESS);
    server.setAccount(ata, { lamports: 1_000n, owner: SYSTEM_PROGRAM_ADDRESS });
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    const [b] = await run(
      client.getBalances([WALLET], [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 }]),
    );
    expect(b?.tokens.get(USDC)).toBe(0n);
  });

  it('fails closed when the account at an ATA is not what it should be', async () => {
    server.accounts.clear();
    const ata = await findAssociatedTokenAddress(WALLET, USDC, TOKEN_PROGRAM_ADDRESS);
    const mints = [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 }];
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 0 });

    server.setAccount(ata, {
      lamports: 2_039_280n,
      owner: TOKEN_2022_PROGRAM_ADDRESS,
      data: tokenAccountData(USDC, WALLET, 1n),
    });
    await expectHarvestRejection(
      run(client.getBalances([WALLET], mints)),
      'INTERNAL',
      /is owned by Tokenz.*not Tokenkeg/,
    );

    server.setAccount(ata, {
      lamports: 2_039_280n,
      owner: TOKEN_PROGRAM_ADDRESS,
      data: tokenAccountData(USDC, USDC, 1n),
    });
    await expectHarvestRejection(run(client.getBalances([WALLET], mints)), 'INTERNAL', /not owned by wallet/);
  });

  it('refuses a short answer from getMultipleAccounts rather than guessing', async () => {
    server.accounts.clear();
    server.handlers['getMultipleAccounts'] = () => ({ context: { slot: server.slot }, value: [null] });
    try {
      const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 0 });
      await expectHarvestRejection(
        run(client.getBalances([WALLET], [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 }])),
        'INTERNAL',
        /answered 1 accounts for 2 addresses/,
      );
    } finally {
      delete server.handlers['getMultipleAccounts'];
    }
  });

  it('checks its input and costs nothing for no wallets', async () => {
    server.resetCalls();
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    expect(
      await run(client.getBalances([], [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 }])),
    ).toEqual([]);
    expect(server.count()).toBe(0);
    await expectHarvestRejection(
      client.getBalances([WALLET], [{ mint: USDC, tokenProgram: SYSTEM_PROGRAM_ADDRESS, decimals: 6 }]),
      'INVALID_INPUT',
      /neither Token nor Token-2022/,
    );
    await expectHarvestRejection(
      client.getBalances(
        [WALLET],
        [
          { mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 },
          { mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 6 },
        ],
      ),
      'INVALID_INPUT',
      /listed twice/,
    );
    await expectHarvestRejection(client.getBalances(['nope' as Address], []), 'INVALID_INPUT', /Not a Solana address/);
    await expectHarvestRejection(
      client.getBalances([WALLET], [{ mint: USDC, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 1.5 }]),
      'INVALID_INPUT',
      /decimals/,
    );
  });
});
