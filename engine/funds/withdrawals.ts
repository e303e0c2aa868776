import {
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Instruction,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction } from '@solana-program/compute-budget';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferCheckedInstruction,
} from '@solana-program/token';
import { signatureOfWireTransaction, type ChainClient, type SendOutcome } from '../chain';
import { isoTime, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import type { TransactionSigner } from '../keystore';
import { formatUnits, NATIVE_SOL, WRAPPED_SOL_MINT, type TokenInfo } from '../market';
import type { Store, WithdrawalRow } from '../store';
import { UserSettingsSchema } from '../users/settings';
import {
  defaultDailyCap,
  FEE_RESERVE_LAMPORTS,
  PER_POSITION_RESERVE_LAMPORTS,
  tokenAccountRent,
  WALLET_RENT_LAMPORTS,
} from './reserves';
import { parseAddress, type Whitelist } from './whitelist';

export interface WithdrawRequest {
  userId: number;
  to: string;
  token: TokenInfo;
  amount: bigint;
  confirm: boolean;
}

export interface WithdrawResult {
  withdrawal: WithdrawalRow;
  outcome: SendOutcome['status'];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * Compute-unit limit of a withdrawal transaction, plus a per-withdrawal offset: two withdrawals
 * of the same amount to the same address under one blockhash would otherwise be byte-identical
 * transactions with one signature, and the second would "confirm" as the first.
 */
const WITHDRAWAL_CU_LIMIT = 200_000;
const WITHDRAWAL_CU_SPREAD = 100_000;

/**
 * Moves a user's SOL or tokens out, only to a whitelisted address, within a
 * 24 h cap, and never below what the wallet must keep (rent, a fee reserve,
 * what open positions need). Every check runs before anything is written, so
 * a refusal changes nothing; past the checks, the withdrawal is journaled
 * before it is signed and followed to an outcome, and audited at each step.
 */
export class Withdrawals {
  constructor(
    private readonly store: Store,
    private readonly chain: ChainClient,
    private readonly signer: TransactionSigner,
    private readonly whitelist: Whitelist,
    private readonly network: string,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    /**
     * Runs work for a wallet one at a time. The engine passes the execution
     * service's wallet queue, so a withdrawal never races a swap on the same
     * wallet and each one's cap and balance checks see the ones before it.
     */
    private readonly serialize: <T>(userId: number, task: () => Promise<T>) => Promise<T> = perUserSerializer(),
  ) {}

  async withdraw(req: WithdrawRequest, actor: string): Promise<WithdrawResult> {
    return this.serialize(req.userId, () => this.withdrawNow(req, actor));
  }

  /**
   * Runs every check a withdrawal would run (wallet, address, whitelist, cap,
   * balance) and writes nothing: what a confirmation dialog asks first, so an
   * operator never confirms a withdrawal that would then be refused.
   */
  async check(req: Omit<WithdrawRequest, 'confirm'>): Promise<void> {
    if (req.amount <= 0n) throw new HarvestError('INVALID_INPUT', 'The amount must be more than zero.');
    const wallet = this.store.wallets.byUser(req.userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', 'This user has no wallet.');
    const to = parseAddress(req.to);
    this.whitelist.assertUsable(req.userId, to);
    this.assertWithinCap({ ...req, confirm: true }, req.token.tokenProgram ? req.token.mint : NATIVE_SOL);
    await this.assertAvailable({ ...req, confirm: true }, wallet.address as Address, to);
  }

  private async withdrawNow(req: WithdrawRequest, actor: string): Promise<WithdrawResult> {
    if (!req.confirm) {
      throw new HarvestError('CONFIRMATION_REQUIRED', 'A withdrawal moves real funds: confirm it explicitly.');
    }
    if (req.amount <= 0n) throw new HarvestError('INVALID_INPUT', 'The amount must be more than zero.');
    const wallet = this.store.wallets.byUser(req.userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', 'This user has no wallet.');
    const from = wallet.address as Address;
    const to = parseAddress(req.to);
    this.whitelist.assertUsable(req.userId, to);
    const asset = req.token.tokenProgram ? req.token.mint : NATIVE_SOL;
    this.assertWithinCap(req, asset);
    const { destinationAta, sourceAta } = await this.assertAvailable(req, from, to);

    const at = isoTime(this.clock);
    const id = this.store.tx(() => {
      const wid = this.store.funds.insertWithdrawal({
        userId: req.userId,
        network: this.network,
        mint: asset,
        amount: req.amount,
        destination: to,
        at,
      });
      this.store.audit.append(
        {
          actor,
          action: 'withdrawal.requested',
          userId: req.userId,
          details: { withdrawalId: wid, asset, amount: req.amount.toString(), to },
        },
        at,
      );
      return wid;
    });

    let signature: string;
    let lastValidBlockHeight: bigint;
    let signed: Uint8Array;
    try {
      const bh = await this.chain.getLatestBlockhash();
      lastValidBlockHeight = bh.lastValidBlockHeight;
      const payer = createNoopSigner(from);
      const instructions: Instruction[] = [
        getSetComputeUnitLimitInstruction({ units: WITHDRAWAL_CU_LIMIT + (id % WITHDRAWAL_CU_SPREAD) }),
      ];
      if (!req.token.tokenProgram) {
        instructions.push(getTransferSolInstruction({ source: payer, destination: to, amount: req.amount }));
      } else {
        instructions.push(
          getCreateAssociatedTokenIdempotentInstruction({
            payer,
            ata: destinationAta!,
            owner: to,
            mint: req.token.mint,
            tokenProgram: req.token.tokenProgram,
          }),
          getTransferCheckedInstruction(
            {
              source: sourceAta!,
              mint: req.token.mint,
              destination: destinationAta!,
              authority: from,
              amount: req.amount,
              decimals: req.token.decimals,
            },
            { programAddress: req.token.tokenProgram },
          ),
        );
      }
      const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayer(from, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
        (m) => appendTransactionMessageInstructions(instructions, m),
      );
      const unsigned = new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
      signed = await this.signer.sign(
        req.userId,
        unsigned,
        {
          kind: 'withdrawal',
          asset,
          amount: req.amount,
          destination: to,
          decimals: req.token.decimals,
          tokenProgram: req.token.tokenProgram,
        },
        actor,
      );
      signature = signatureOfWireTransaction(signed);
      this.store.funds.markWithdrawalSigned(id, signature, lastValidBlockHeight, isoTime(this.clock));
    } catch (e) {
      this.finish(id, req.userId, 'failed', (e as Error).message, actor);
      throw e;
    }

    let outcome: SendOutcome;
    try {
      outcome = await this.chain.sendAndConfirm(signed, lastValidBlockHeight);
    } catch (e) {
      // Outcome unknown: the journal keeps it 'signed' for reconciliation; never guessed.
      this.log.error({ withdrawalId: id, err: (e as Error).message }, 'withdrawal outcome unknown');
      throw e;
    }
    if (outcome.status === 'confirmed') {
      this.finish(id, req.userId, 'confirmed', null, actor);
      this.bus.emit('withdrawal.sent', req.userId, {
        withdrawalId: id,
        mint: asset,
        amount: req.amount.toString(),
        to,
        signature,
      });
    } else {
      const reason =
        outcome.status === 'expired'
          ? 'the transaction expired before it landed; nothing was sent'
          : outcome.status === 'failed'
            ? `the transaction failed on chain: ${JSON.stringify(outcome.err)}`
            : `the RPC node rejected it: ${outcome.reason}`;
      this.finish(id, req.userId, outcome.status === 'expired' ? 'expired' : 'failed', reason, actor);
      this.bus.emit('withdrawal.failed', req.userId, { withdrawalId: id, reason });
    }
    return { withdrawal: this.store.funds.withdrawal(id)!, outcome: outcome.status };
  }

  private finish(
    id: number,
    userId: number,
    status: 'confirmed' | 'failed' | 'expired',
    error: string | null,
    actor: string,
  ): void {
    const at = isoTime(this.clock);
    this.store.tx(() => {
      this.store.funds.finishWithdrawal(id, status, error, at);
      this.store.audit.append(
        { actor, action: `withdrawal.${status}`, userId, details: { withdrawalId: id, ...(error ? { error } : {}) } },
        at,
      );
    });
  }

  capFor(userId: number, token: TokenInfo): bigint {
    const settings = UserSettingsSchema.parse(this.store.settings.get(userId)?.settings ?? {});
    const key = token.tokenProgram ? token.mint : NATIVE_SOL;
    const custom = settings.withdrawalDailyCaps[key];
    return custom !== undefined ? BigInt(custom) : defaultDailyCap(token);
  }

  private assertWithinCap(req: WithdrawRequest, asset: string): void {
    const cap = this.capFor(req.userId, req.token);
    const since = new Date(this.clock.now() - DAY_MS).toISOString();
    const used = this.store.funds.withdrawnSince(req.userId, this.network, asset, since);
    if (used + req.amount > cap) {
      const left = cap > used ? cap - used : 0n;
      throw new HarvestError(
        'REFUSED',
        `Over the daily withdrawal cap: ${formatUnits(req.amount, req.token.decimals)} ${req.token.symbol} requested, ${formatUnits(left, req.token.decimals)} of ${formatUnits(cap, req.token.decimals)} left in the last 24 h.`,
      );
    }
  }

  private async assertAvailable(
    req: WithdrawRequest,
    from: Address,
    to: Address,
  ): Promise<{ sourceAta: Address | null; destinationAta: Address | null }> {
    const spl = req.token.tokenProgram
      ? [{ mint: req.token.mint, tokenProgram: req.token.tokenProgram, decimals: req.token.decimals }]
      : [];
    const [balance] = await this.chain.getBalances([from], spl);
    const lamports = balance!.lamports;
    const positions = BigInt(this.store.holdings.openPositionCount(req.userId, this.network));
    const sym = req.token.symbol;
    if (!req.token.tokenProgram) {
      // An open SOL position (recorded under the wrapped-SOL mint, held as lamports) is not the user's to withdraw either.
      const solInPositions = this.store.holdings.openPositionQuantity(req.userId, WRAPPED_SOL_MINT, this.network);
      const keep =
        WALLET_RENT_LAMPORTS + FEE_RESERVE_LAMPORTS + positions * PER_POSITION_RESERVE_LAMPORTS + solInPositions;
      const available = lamports > keep ? lamports - keep : 0n;
      if (req.amount > available) {
        throw new HarvestError(
          'REFUSED',
          `Not enough available SOL: ${formatUnits(available, 9)} SOL can be withdrawn (the wallet keeps ${formatUnits(keep, 9)} SOL for rent, fees and ${positions} open position(s)).`,
        );
      }
      return { sourceAta: null, destinationAta: null };
    }
    const [sourceAta] = await findAssociatedTokenPda({
      owner: from,
      mint: req.token.mint,
      tokenProgram: req.token.tokenProgram,
    });
    const [destinationAta] = await findAssociatedTokenPda({
      owner: to,
      mint: req.token.mint,
      tokenProgram: req.token.tokenProgram,
    });
    const held = balance!.tokens.get(req.token.mint) ?? 0n;
    const inPositions = this.store.holdings.openPositionQuantity(req.userId, req.token.mint, this.network);
    const available = held > inPositions ? held - inPositions : 0n;
    if (req.amount > available) {
      throw new HarvestError(
        'REFUSED',
        `Not enough available ${sym}: ${formatUnits(available, req.token.decimals)} ${sym} can be withdrawn (${formatUnits(inPositions, req.token.decimals)} is held by open positions).`,
      );
    }
    const destinationExists = (await this.chain.getAccountInfo(destinationAta)) !== null;
    const needLamports =
      5_000n + (destinationExists ? 0n : tokenAccountRent(req.token.tokenProgram)) + WALLET_RENT_LAMPORTS;
    if (lamports < needLamports) {
      throw new HarvestError(
        'REFUSED',
        `Not enough SOL for the fee${destinationExists ? '' : " and the recipient's token account rent"}: ${formatUnits(needLamports, 9)} SOL needed.`,
      );
    }
    return { sourceAta, destinationAta };
  }
}

function perUserSerializer(): <T>(userId: number, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<number, Promise<unknown>>();
  return <T>(userId: number, task: () => Promise<T>): Promise<T> => {
    const next = (tails.get(userId) ?? Promise.resolve()).catch(() => undefined).then(task);
    tails.set(userId, next);
    void next.finally(() => tails.get(userId) === next && tails.delete(userId)).catch(() => undefined);
    return next;
  };
}
