/**
 * Withdrawals over real HTTP against the sandbox (issue #3, items 3 and 6):
 * only to whitelisted addresses (after the delay), within a rolling 24 h cap,
 * never below what the wallet must keep, only when confirmed, always audited;
 * every refusal says why and changes nothing. The signing policy refuses a
 * transaction that does not match the withdrawal it claims to be.
 */
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  generateKeyPairSigner,
  getTransactionDecoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Instruction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureOfWireTransaction } from '../../engine/chain';
import { isoTime } from '../../engine/kernel/clock';
import { formatUnits, tokenBySymbol, WRAPPED_SOL_MINT } from '../../engine/market';
import { readNetworkConfig, writeNetworkConfig } from '../../engine/runtime';
import { expectHarvestRejection } from '../helpers/errors';
import {
  auditActions,
  chainBalances,
  eventsOf,
  footprint,
  LAMPORTS_PER_SOL,
  openFundsWorld,
  PYUSD,
  USDC,
  type FundsWorld,
} from './funds-support';

const SOL = tokenBySymbol('SOL')!;
const WALLET_RENT = 890_880n;
const FEE_RESERVE = 5_000_000n;
const PER_POSITION = 2_500_000n;
const DAY_MS = 24 * 60 * 60 * 1000;

async function freshAddress(): Promise<Address> {
  return (await generateKeyPairSigner()).address;
}

/** A user with a created wallet (the API path), funded through the API faucet. */
async function fundedUser(
  w: FundsWorld,
  name: string,
  grant: { sol: string; usdc?: string; pyusd?: string },
): Promise<{ id: number; address: Address }> {
  const u = await w.engine.execute('users.add', { name });
  const wallet = await w.engine.execute('wallet.create', { user: name, words: 12 });
  await w.engine.execute('funds.faucet', { user: name, sol: grant.sol });
  if (grant.usdc) await w.engine.execute('funds.faucet', { user: name, token: 'USDC', amount: grant.usdc });
  if (grant.pyusd) await w.engine.execute('funds.faucet', { user: name, token: 'PYUSD', amount: grant.pyusd });
  return { id: u.id, address: wallet.address as Address };
}

/** Runs a refused operation and checks it said why and left no trace: no transaction, no journal row, no audit, no event. */
async function expectRefusal(
  w: FundsWorld,
  p: () => Promise<unknown>,
  code: 'REFUSED' | 'INVALID_INPUT' | 'CONFIRMATION_REQUIRED',
  message: RegExp,
): Promise<void> {
  const before = footprint(w);
  await expectHarvestRejection(p(), code, message);
  expect(footprint(w)).toEqual(before);
}

describe('withdrawals against the sandbox', () => {
  let w: FundsWorld;
  let ana: { id: number; address: Address };
  let dest: Address;

  beforeAll(async () => {
    w = await openFundsWorld();
    ana = await fundedUser(w, 'ana', { sol: '5', usdc: '1000', pyusd: '400' });
    dest = await freshAddress();
  }, 60_000);

  afterAll(async () => {
    await w?.close();
  });

  const withdraw = (user: string, to: string, amount: string, token = 'SOL') =>
    w.engine.execute('funds.withdraw', { user, to, amount, token, confirm: true });

  it('whitelist changes are audited; the own wallet, duplicates and unknown entries are refused without a trace', async () => {
    const before = auditActions(w.engine, ana.id).length;
    const added = await w.engine.execute('whitelist.add', { user: 'ana', address: dest, label: "Ana's Phantom" });
    expect(added).toMatchObject({
      address: dest,
      label: "Ana's Phantom",
      usable: true,
      addedAt: isoTime(w.clock),
      usableAt: isoTime(w.clock),
    });
    const temp = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'ana', address: temp });
    expect(await w.engine.execute('whitelist.remove', { user: 'ana', address: temp })).toEqual({ removed: temp });

    const audit = auditActions(w.engine, ana.id).slice(before);
    expect(audit).toEqual([
      { action: 'whitelist.added', details: { address: dest, label: "Ana's Phantom", usableAt: isoTime(w.clock) } },
      { action: 'whitelist.added', details: { address: temp, label: '', usableAt: isoTime(w.clock) } },
      { action: 'whitelist.removed', details: { address: temp } },
    ]);
    expect(eventsOf(w.engine, 'whitelist.changed', ana.id).map((e) => e.payload['action'])).toEqual([
      'added',
      'added',
      'removed',
    ]);
    expect((await w.engine.execute('whitelist.list', { user: 'ana' })).entries.map((e) => e.address)).toEqual([dest]);

    await expectRefusal(
      w,
      () => w.engine.execute('whitelist.add', { user: 'ana', address: ana.address }),
      'INVALID_INPUT',
      /own wallet/,
    );
    await expectHarvestRejection(
      w.engine.execute('whitelist.add', { user: 'ana', address: dest }),
      'CONFLICT',
      /already on this user's whitelist/,
    );
    await expectHarvestRejection(
      w.engine.execute('whitelist.remove', { user: 'ana', address: temp }),
      'NOT_FOUND',
      /not on this user's whitelist/,
    );
    await expectRefusal(
      w,
      () => w.engine.execute('whitelist.add', { user: 'ana', address: 'not-an-address' }),
      'INVALID_INPUT',
      /not a Solana address/,
    );
    expect(auditActions(w.engine, ana.id).length).toBe(before + 3);
  });

  it.each([
    { token: 'SOL', amount: '0.25', base: 250_000_000n },
    { token: 'USDC', amount: '12.345678', base: 12_345_678n },
    // Token-2022.
    { token: 'PYUSD', amount: '7.000001', base: 7_000_001n },
  ])(
    'withdraws $token to a whitelisted address: exactly the amount arrives, journaled, audited, announced',
    async ({ token, amount, base }) => {
      const t = tokenBySymbol(token)!;
      const destBefore = await chainBalances(w, dest);
      const srcBefore = await chainBalances(w, ana.address);
      const auditBefore = auditActions(w.engine, ana.id).length;

      const r = await withdraw('ana', dest, amount, token);

      expect(r.outcome).toBe('confirmed');
      expect(r.withdrawal).toMatchObject({
        status: 'confirmed',
        amount: base.toString(),
        uiAmount: amount,
        symbol: token,
        destination: dest,
        error: null,
      });
      expect(r.withdrawal.asset).toBe(t.tokenProgram ? t.mint : 'SOL');
      const signature = r.withdrawal.signature!;
      expect(signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);

      const destAfter = await chainBalances(w, dest);
      const srcAfter = await chainBalances(w, ana.address);
      const tx = await w.funds.net.chain.getTransaction(signature as never);
      expect(tx?.meta?.err).toBeNull();
      const fee = tx!.meta!.fee;
      expect(fee).toBeGreaterThan(0n);
      if (!t.tokenProgram) {
        expect(destAfter.lamports - destBefore.lamports).toBe(base);
        expect(srcBefore.lamports - srcAfter.lamports).toBe(base + fee);
      } else {
        expect(destAfter.token(t) - destBefore.token(t)).toBe(base);
        expect(srcBefore.token(t) - srcAfter.token(t)).toBe(base);
        // Only the fee and (the first time) the recipient's token account rent: never the amount in SOL.
        expect(srcBefore.lamports - srcAfter.lamports).toBe(tx!.meta!.preBalances[0]! - tx!.meta!.postBalances[0]!);
        expect(srcBefore.lamports - srcAfter.lamports).toBeLessThan(3_000_000n);
        expect(destAfter.lamports).toBe(destBefore.lamports);
      }
      // Other assets did not move.
      for (const other of [USDC, PYUSD].filter((o) => o.mint !== t.mint))
        expect(srcAfter.token(other)).toBe(srcBefore.token(other));

      const row = w.engine.store.funds.withdrawal(r.withdrawal.id)!;
      expect(row).toMatchObject({
        status: 'confirmed',
        signature,
        amount: base,
        destination: dest,
        network: 'sandbox',
      });
      expect(row.lastValidBlockHeight).not.toBeNull();

      expect(auditActions(w.engine, ana.id).slice(auditBefore)).toEqual([
        {
          action: 'withdrawal.requested',
          details: { withdrawalId: r.withdrawal.id, asset: r.withdrawal.asset, amount: base.toString(), to: dest },
        },
        { action: 'withdrawal.confirmed', details: { withdrawalId: r.withdrawal.id } },
      ]);
      expect(eventsOf(w.engine, 'withdrawal.sent', ana.id).at(-1)!.payload).toEqual({
        withdrawalId: r.withdrawal.id,
        mint: r.withdrawal.asset,
        amount: base.toString(),
        to: dest,
        signature,
      });
      expect((await w.engine.execute('withdrawals.list', { user: 'ana' })).withdrawals[0]).toMatchObject({
        id: r.withdrawal.id,
        status: 'confirmed',
      });
    },
  );

  it('refuses a destination that is not (or no longer, or only another user’s) whitelisted', async () => {
    const stranger = await freshAddress();
    await expectRefusal(
      w,
      () => withdraw('ana', stranger, '0.1'),
      'REFUSED',
      new RegExp(`${stranger} is not on this user's withdrawal whitelist`),
    );
    await expectRefusal(
      w,
      () => withdraw('ana', stranger, '1', 'USDC'),
      'REFUSED',
      /not on this user's withdrawal whitelist/,
    );

    const gone = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'ana', address: gone });
    await w.engine.execute('whitelist.remove', { user: 'ana', address: gone });
    await expectRefusal(w, () => withdraw('ana', gone, '0.1'), 'REFUSED', /not on this user's withdrawal whitelist/);

    // Users are isolated: Bea's whitelist is not Ana's.
    await w.engine.execute('users.add', { name: 'bea' });
    await w.engine.execute('wallet.create', { user: 'bea', words: 12 });
    const beas = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'bea', address: beas });
    await expectRefusal(w, () => withdraw('ana', beas, '0.1'), 'REFUSED', /not on this user's withdrawal whitelist/);
  });

  it('refuses without explicit confirmation, at the API and in the service', async () => {
    await expectRefusal(
      w,
      () => w.engine.execute('funds.withdraw', { user: 'ana', to: dest, amount: '0.1', token: 'SOL', confirm: false }),
      'INVALID_INPUT',
      /confirm it explicitly/,
    );
    await expectRefusal(
      w,
      () => w.engine.execute('funds.withdraw', { user: 'ana', to: dest, amount: '0.1' }),
      'INVALID_INPUT',
      /confirm/,
    );
    await expectRefusal(
      w,
      () => w.funds.withdrawals.withdraw({ userId: ana.id, to: dest, token: SOL, amount: 1n, confirm: false }, 'test'),
      'CONFIRMATION_REQUIRED',
      /confirm it explicitly/,
    );
  });

  it('refuses above the daily cap; the cap is a rolling 24 h window, custom or per-token default', async () => {
    const cy = await fundedUser(w, 'cy', { sol: '3', usdc: '6000' });
    const to = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'cy', address: to });
    const s = w.engine.store.settings.get(cy.id)!;
    expect(
      w.engine.store.settings.update(
        cy.id,
        s.version,
        { ...(s.settings as object), withdrawalDailyCaps: { SOL: '300000000' } },
        isoTime(w.clock),
      ),
    ).toBe(true);

    expect((await withdraw('cy', to, '0.2')).outcome).toBe('confirmed');
    await expectRefusal(
      w,
      () => withdraw('cy', to, '0.15'),
      'REFUSED',
      /^Over the daily withdrawal cap: 0\.15 SOL requested, 0\.1 of 0\.3 left in the last 24 h\.$/,
    );
    w.clock.advance(1_500);
    expect((await withdraw('cy', to, '0.1')).outcome).toBe('confirmed');
    await expectRefusal(w, () => withdraw('cy', to, '0.000000001'), 'REFUSED', /0 of 0\.3 left/);
    // Still inside the window a moment before 24 h after the first withdrawal...
    w.clock.advance(DAY_MS - 1_500 - 1);
    await expectRefusal(w, () => withdraw('cy', to, '0.1'), 'REFUSED', /Over the daily withdrawal cap/);
    // ...and the first one ages out of it after.
    w.clock.advance(2);
    expect((await withdraw('cy', to, '0.2')).outcome).toBe('confirmed');

    // USDC has no custom cap: the default is 5,000 USDC a day.
    await expectRefusal(
      w,
      () => withdraw('cy', to, '5000.000001', 'USDC'),
      'REFUSED',
      /5000\.000001 USDC requested, 5000 of 5000 left/,
    );
    expect((await withdraw('cy', to, '5000', 'USDC')).outcome).toBe('confirmed');
    expect((await chainBalances(w, to)).token(USDC)).toBe(5_000_000_000n);
  });

  it('refuses above the available balance: rent and a fee reserve stay; open positions raise the reserve and lock their tokens', async () => {
    const di = await fundedUser(w, 'di', { sol: '1', usdc: '100' });
    const to = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'di', address: to });
    const lamports = (await chainBalances(w, di.address)).lamports;
    expect(lamports).toBe(LAMPORTS_PER_SOL);

    const keep0 = WALLET_RENT + FEE_RESERVE;
    const available0 = lamports - keep0;
    await expectRefusal(
      w,
      () => withdraw('di', to, formatUnits(available0 + 1n, 9)),
      'REFUSED',
      new RegExp(
        `^Not enough available SOL: ${formatUnits(available0, 9)} SOL can be withdrawn \\(the wallet keeps ${formatUnits(keep0, 9)} SOL for rent, fees and 0 open position\\(s\\)\\)\\.$`,
      ),
    );
    await expectRefusal(w, () => withdraw('di', to, '9'), 'REFUSED', /Not enough available SOL/);

    // An open USDC position: more SOL kept for its exit, and its tokens are not withdrawable.
    w.engine.store.db
      .prepare("INSERT INTO positions (user_id, mint, status, quantity, opened_at) VALUES (?, ?, 'open', ?, ?)")
      .run(di.id, USDC.mint, '40000000', isoTime(w.clock));
    const keep1 = keep0 + PER_POSITION;
    const available1 = lamports - keep1;
    // Fine without the position, too much with it.
    await expectRefusal(
      w,
      () => withdraw('di', to, formatUnits(available1 + 1n, 9)),
      'REFUSED',
      new RegExp(
        `${formatUnits(available1, 9)} SOL can be withdrawn \\(the wallet keeps ${formatUnits(keep1, 9)} SOL for rent, fees and 1 open position\\(s\\)\\)`,
      ),
    );
    await expectRefusal(
      w,
      () => withdraw('di', to, '60.000001', 'USDC'),
      'REFUSED',
      /^Not enough available USDC: 60 USDC can be withdrawn \(40 is held by open positions\)\.$/,
    );

    // An open SOL position (wrapped-SOL mint, held as lamports): its SOL is kept too.
    w.engine.store.db
      .prepare("INSERT INTO positions (user_id, mint, status, quantity, opened_at) VALUES (?, ?, 'open', ?, ?)")
      .run(di.id, WRAPPED_SOL_MINT, '100000000', isoTime(w.clock));
    const keep2 = keep1 + PER_POSITION + 100_000_000n;
    await expectRefusal(
      w,
      () => withdraw('di', to, formatUnits(lamports - keep2 + 1n, 9)),
      'REFUSED',
      new RegExp(
        `${formatUnits(lamports - keep2, 9)} SOL can be withdrawn \\(the wallet keeps ${formatUnits(keep2, 9)} SOL for rent, fees and 2 open position\\(s\\)\\)`,
      ),
    );

    // Exactly the available amounts go through.
    expect((await withdraw('di', to, '60', 'USDC')).outcome).toBe('confirmed');
    const lamportsNow = (await chainBalances(w, di.address)).lamports;
    expect((await withdraw('di', to, formatUnits(lamportsNow - keep2, 9))).outcome).toBe('confirmed');
    const left = await chainBalances(w, di.address);
    expect(left.token(USDC)).toBe(40_000_000n);
    expect(left.lamports).toBeGreaterThanOrEqual(keep2 - 10_000n);
    expect(left.lamports).toBeLessThan(keep2);
    expect((await chainBalances(w, to)).token(USDC)).toBe(60_000_000n);
    await expectRefusal(
      w,
      () => withdraw('di', to, '0.000001', 'USDC'),
      'REFUSED',
      /0 USDC can be withdrawn \(40 is held by open positions\)/,
    );
  });

  it('concurrent withdrawals are taken one at a time: the cap and the reserve hold, and identical requests land as separate transfers', async () => {
    const fay = await fundedUser(w, 'fay', { sol: '2' });
    const to = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'fay', address: to });
    const s = w.engine.store.settings.get(fay.id)!;
    w.engine.store.settings.update(
      fay.id,
      s.version,
      { ...(s.settings as object), withdrawalDailyCaps: { SOL: '300000000' } },
      isoTime(w.clock),
    );
    w.clock.advance(1_500);
    // Four identical requests at the same instant (same slot, same blockhash): 0.3 SOL of cap for 0.4 SOL asked.
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => withdraw('fay', to, '0.1')));
    const landed = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).message);
    expect(landed.map((r) => r.outcome)).toEqual(['confirmed', 'confirmed', 'confirmed']);
    expect(new Set(landed.map((r) => r.withdrawal.signature)).size).toBe(3);
    expect(refused).toEqual([
      expect.stringMatching(/^Over the daily withdrawal cap: 0\.1 SOL requested, 0 of 0\.3 left/),
    ]);
    expect((await chainBalances(w, to)).lamports).toBe(300_000_000n);
    expect(w.engine.store.funds.withdrawals(fay.id).map((r) => r.status)).toEqual([
      'confirmed',
      'confirmed',
      'confirmed',
    ]);

    // Two withdrawals that each fit the available balance but not together.
    const gus = await fundedUser(w, 'gus', { sol: '1' });
    await w.engine.execute('whitelist.add', { user: 'gus', address: to });
    w.clock.advance(1_500);
    const both = await Promise.allSettled([withdraw('gus', to, '0.6'), withdraw('gus', to, '0.6')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(String((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(
      /Not enough available SOL/,
    );
    expect((await chainBalances(w, gus.address)).lamports).toBeGreaterThan(WALLET_RENT + FEE_RESERVE - 10_000n);
  });

  it('a token withdrawal needs SOL for the fee and the recipient token account’s rent, which is higher for Token-2022', async () => {
    // 0.00295 SOL: enough for a Token account (2,039,280 rent) but not a Token-2022 one (2,074,080), plus fee and own rent.
    const hal = await fundedUser(w, 'hal', { sol: '0.00295', usdc: '10', pyusd: '10' });
    const to = await freshAddress();
    await w.engine.execute('whitelist.add', { user: 'hal', address: to });
    w.clock.advance(1_500);
    await expectRefusal(
      w,
      () => withdraw('hal', to, '1', 'PYUSD'),
      'REFUSED',
      /^Not enough SOL for the fee and the recipient's token account rent: 0\.00296996 SOL needed\.$/,
    );
    const r = await withdraw('hal', to, '1', 'USDC');
    expect(r.outcome).toBe('confirmed');
    const after = await chainBalances(w, hal.address);
    expect(after.lamports).toBe(2_950_000n - 5_000n - 2_039_280n);
    expect(after.token(PYUSD)).toBe(10_000_000n);
    expect((await chainBalances(w, to)).token(USDC)).toBe(1_000_000n);
  });

  describe('the signing policy refuses a transaction that is not the withdrawal it claims to be', () => {
    async function unsigned(
      instructions: (from: ReturnType<typeof createNoopSigner>) => Instruction[],
    ): Promise<Uint8Array> {
      const bh = await w.funds.net.chain.getLatestBlockhash();
      const from = createNoopSigner(ana.address);
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayer(ana.address, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
        (m) => appendTransactionMessageInstructions(instructions(from), m),
      );
      return new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
    }
    const solPurpose = (amount: bigint) => ({
      kind: 'withdrawal' as const,
      asset: 'SOL' as const,
      amount,
      destination: dest,
      decimals: 9,
      tokenProgram: null,
    });

    it('signs the honest transaction (control), refuses tampered ones, audits each refusal, signs nothing', async () => {
      const honest = await unsigned((from) => [
        getTransferSolInstruction({ source: from, destination: dest, amount: 1_000n }),
      ]);
      const signed = await w.engine.signer.sign(ana.id, honest, solPurpose(1_000n), 'test');
      expect(Object.values(getTransactionDecoder().decode(signed).signatures)[0]).not.toBeNull();
      expect(signatureOfWireTransaction(signed)).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);

      const attacker = await freshAddress();
      const [attackerAta] = await findAssociatedTokenPda({
        owner: attacker,
        mint: USDC.mint,
        tokenProgram: USDC.tokenProgram!,
      });
      const [sourceAta] = await findAssociatedTokenPda({
        owner: ana.address,
        mint: USDC.mint,
        tokenProgram: USDC.tokenProgram!,
      });
      const cases: {
        name: string;
        wire: Uint8Array;
        purpose: Parameters<typeof w.engine.signer.sign>[2];
        reason: RegExp;
      }[] = [
        {
          name: 'another destination',
          wire: await unsigned((from) => [
            getTransferSolInstruction({ source: from, destination: attacker, amount: 1_000n }),
          ]),
          purpose: solPurpose(1_000n),
          reason: /moves SOL other than the requested withdrawal/,
        },
        {
          name: 'a bigger amount',
          wire: await unsigned((from) => [
            getTransferSolInstruction({ source: from, destination: dest, amount: 1_000_000_000n }),
          ]),
          purpose: solPurpose(1_000n),
          reason: /moves SOL other than the requested withdrawal/,
        },
        {
          name: 'a second transfer',
          wire: await unsigned((from) => [
            getTransferSolInstruction({ source: from, destination: dest, amount: 1_000n }),
            getTransferSolInstruction({ source: from, destination: dest, amount: 1_000n }),
          ]),
          purpose: solPurpose(1_000n),
          reason: /exactly one transfer; this one makes 2/,
        },
        {
          name: 'tokens to someone else’s token account',
          wire: await unsigned(() => [
            getTransferCheckedInstruction(
              {
                source: sourceAta,
                mint: USDC.mint,
                destination: attackerAta,
                authority: ana.address,
                amount: 5_000_000n,
                decimals: 6,
              },
              { programAddress: USDC.tokenProgram! },
            ),
          ]),
          purpose: {
            kind: 'withdrawal',
            asset: USDC.mint,
            amount: 5_000_000n,
            destination: dest,
            decimals: 6,
            tokenProgram: USDC.tokenProgram,
          },
          reason: /moves tokens other than the requested withdrawal/,
        },
        {
          name: 'a destination that is not whitelisted, honestly described',
          wire: await unsigned((from) => [
            getTransferSolInstruction({ source: from, destination: attacker, amount: 1_000n }),
          ]),
          purpose: { ...solPurpose(1_000n), destination: attacker },
          reason: new RegExp(`${attacker} is not on this user's withdrawal whitelist`),
        },
      ];
      for (const c of cases) {
        const sends = footprint(w).sendTransaction;
        const auditBefore = auditActions(w.engine, ana.id).length;
        const e = await expectHarvestRejection(
          w.engine.signer.sign(ana.id, c.wire, c.purpose, 'test'),
          'REFUSED',
          c.reason,
        );
        expect(e.message, c.name).toMatch(/^Signing refused: /);
        const audit = auditActions(w.engine, ana.id).slice(auditBefore);
        expect(audit, c.name).toEqual([
          { action: 'signing.refused', details: { purpose: 'withdrawal', reason: e.message } },
        ]);
        expect(footprint(w).sendTransaction).toBe(sends);
      }
    });
  });

  it('deposit info: the wallet address, a solana: URI and an SVG QR code of that URI', async () => {
    const d = await w.engine.execute('wallet.deposit', { user: 'ana' });
    expect(d.address).toBe(ana.address);
    expect(address(d.address)).toBe(ana.address);
    expect(d.uri).toBe(`solana:${ana.address}`);
    const grid = svgQrModules(d.qrSvg);
    const size = grid.length;
    // A QR symbol: 4·version + 17 modules, finder patterns in three corners.
    expect((size - 17) % 4).toBe(0);
    for (const [x, y] of [
      [0, 0],
      [size - 7, 0],
      [0, size - 7],
    ] as const)
      expect(finderAt(grid, x, y), `finder at ${x},${y}`).toBe(true);
    expect(finderAt(grid, size - 7, size - 7)).toBe(false);
    // And the symbol is the one for this URI (not, say, for another address).
    const qr = QRCode.create(d.uri, { errorCorrectionLevel: 'M' });
    expect(size).toBe(qr.modules.size);
    const expected = Array.from({ length: size }, (_, y) =>
      Array.from({ length: size }, (_, x) => qr.modules.get(y, x) === 1),
    );
    expect(grid).toEqual(expected);
    const other = QRCode.create(`solana:${dest}`, { errorCorrectionLevel: 'M' });
    expect(grid).not.toEqual(
      Array.from({ length: other.modules.size }, (_, y) =>
        Array.from({ length: other.modules.size }, (_, x) => other.modules.get(y, x) === 1),
      ),
    );

    await w.engine.execute('users.add', { name: 'nowallet' });
    await expectHarvestRejection(w.engine.execute('wallet.deposit', { user: 'nowallet' }), 'NOT_FOUND', /no wallet/);
  });
});

describe('the whitelist delay (a network configured with one)', () => {
  let w: FundsWorld;
  const DELAY = 3_600_000;

  beforeAll(async () => {
    w = await openFundsWorld((engine) =>
      writeNetworkConfig(engine.store.meta, { network: 'sandbox', rpcUrls: [], whitelistDelayMs: DELAY }),
    );
    await fundedUser(w, 'eli', { sol: '2' });
  }, 60_000);

  afterAll(async () => {
    await w?.close();
  });

  it('a new address is refused until the delay has passed, then accepted', async () => {
    expect(w.funds.net.whitelistDelayMs).toBe(DELAY);
    const to = await freshAddress();
    const usableAt = new Date(w.clock.now() + DELAY).toISOString();
    const added = await w.engine.execute('whitelist.add', { user: 'eli', address: to });
    expect(added).toMatchObject({ usable: false, usableAt });
    const withdraw = () =>
      w.engine.execute('funds.withdraw', { user: 'eli', to, amount: '0.5', token: 'SOL', confirm: true });

    await expectRefusal(
      w,
      withdraw,
      'REFUSED',
      new RegExp(`^${to} was whitelisted recently and becomes usable at ${usableAt.replace(/\./g, '\\.')}\\.$`),
    );
    w.clock.advance(DELAY - 1);
    await expectRefusal(w, withdraw, 'REFUSED', /becomes usable at/);
    expect((await w.engine.execute('whitelist.list', { user: 'eli' })).entries[0]!.usable).toBe(false);

    w.clock.advance(1);
    expect((await w.engine.execute('whitelist.list', { user: 'eli' })).entries[0]!.usable).toBe(true);
    const r = await withdraw();
    expect(r.outcome).toBe('confirmed');
    expect((await chainBalances(w, to)).lamports).toBe(500_000_000n);
  });

  it('an address whitelisted under a network without a delay (the sandbox) still waits out this network’s delay', async () => {
    const eli = w.engine.users.resolve('eli');
    const to = await freshAddress();
    // What an entry added while the data directory was on the sandbox looks like: usable the moment it was added.
    const addedAt = isoTime(w.clock);
    w.engine.store.funds.addWhitelist(eli.id, to, 'from the sandbox days', addedAt, addedAt);
    const usableAt = new Date(w.clock.now() + DELAY).toISOString();
    expect(
      (await w.engine.execute('whitelist.list', { user: 'eli' })).entries.find((e) => e.address === to),
    ).toMatchObject({
      usable: false,
      usableAt,
    });
    const withdraw = () =>
      w.engine.execute('funds.withdraw', { user: 'eli', to, amount: '0.1', token: 'SOL', confirm: true });
    await expectRefusal(w, withdraw, 'REFUSED', new RegExp(`becomes usable at ${usableAt.replace(/\./g, '\\.')}`));
    w.clock.advance(DELAY);
    expect((await withdraw()).outcome).toBe('confirmed');
  });

  it('a delay stored for one network does not carry over to another', () => {
    const meta = w.engine.store.meta;
    const saved = meta.get('network_config');
    try {
      writeNetworkConfig(meta, { network: 'sandbox', rpcUrls: [], whitelistDelayMs: 0 });
      expect(readNetworkConfig(meta).whitelistDelayMs).toBe(0);
      expect(readNetworkConfig(meta, { network: 'mainnet' }).whitelistDelayMs).toBe(DAY_MS);
      expect(readNetworkConfig(meta, { network: 'devnet' }).whitelistDelayMs).toBe(DAY_MS);
      writeNetworkConfig(meta, { network: 'mainnet', rpcUrls: [], whitelistDelayMs: 7_200_000 });
      expect(readNetworkConfig(meta).whitelistDelayMs).toBe(7_200_000);
      expect(readNetworkConfig(meta, { network: 'sandbox' }).whitelistDelayMs).toBe(0);
    } finally {
      if (saved !== null) meta.set('network_config', saved);
    }
  });
});

/** The dark modules of a qrcode-style SVG (one stroked path of horizontal runs, "M x y.5h n m dx 0h n ..."). */
function svgQrModules(svg: string): boolean[][] {
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
  expect(svg.trim().endsWith('</svg>')).toBe(true);
  const view = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
  const d = /<path stroke="#000000" d="([^"]+)"/.exec(svg)![1]!;
  const margin = 2;
  const size = view - 2 * margin;
  const grid = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d.matchAll(/([MmHhVv])([^MmHhVv]*)/g)) {
    const n = args!
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (cmd === 'M') [x, y] = [n[0]!, n[1]!];
    else if (cmd === 'm') [x, y] = [x + n[0]!, y + n[1]!];
    else if (cmd === 'h') {
      for (let i = 0; i < n[0]!; i++) grid[Math.floor(y) - margin]![x - margin + i] = true;
      x += n[0]!;
    } else throw new Error(`unexpected path command ${cmd}`);
  }
  return grid;
}

function finderAt(grid: boolean[][], x0: number, y0: number): boolean {
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 7; x++) {
      const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
      if (grid[y0 + y]![x0 + x] !== (ring !== 2)) return false;
    }
  }
  return true;
}
