/**
 * Handlers of the paper account commands (paper.*) and the notice a mode
 * switch returns (issue #9, item 3). Kept apart from handlers.ts, which only
 * spreads them in.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { formatUnits, tokenByMint } from '../market';
import {
  accountLabel,
  ensurePaperAccount,
  fromMicroUsd,
  openPositionsOf,
  paperAccountOpen,
  resetPaperAccount,
  toMicroUsd,
  topUpPaperAccount,
  valueHoldings,
  type AccountMode,
  type PriceFn,
} from '../portfolio';
import type { Store } from '../store';
import { PaperCapitalSchema, UserSettingsSchema, type PaperCapital } from '../users/settings';
import type { Engine } from './engine';
import { readNetworkConfig } from './network';

type PaperCommand = 'paper.account' | 'paper.reset' | 'paper.topUp';
export type PaperHandlers = {
  [K in PaperCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

/** A user's paper account as the API shows it, labelled apart from the on-chain wallet. */
export function paperAccountOut(
  store: Store,
  userId: number,
  network: string,
  price: PriceFn | null,
): CommandOutput<'paper.account'> {
  const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
  const book = [...store.paper.balances(userId)].filter(([, amount]) => amount > 0n);
  const v = price
    ? valueHoldings(
        book.map(([mint, amount]) => ({ mint, amount })),
        price,
      )
    : null;
  return {
    userId,
    account: accountLabel('paper'),
    current: settings.mode === 'paper',
    open: paperAccountOpen(store, userId),
    startingCapital: settings.paperStartingCapital,
    tokens: book.map(([mint, amount]) => {
      const t = tokenByMint(mint);
      return {
        symbol: t?.symbol ?? mint,
        mint,
        amount: amount.toString(),
        decimals: t?.decimals ?? 0,
        uiAmount: t ? formatUnits(amount, t.decimals) : amount.toString(),
      };
    }),
    equityUsd: v && v.missing.length === 0 ? fromMicroUsd(toMicroUsd(v.usd)) : null,
    openPositions: openPositionsOf(store, userId, network, 'paper'),
  };
}

/**
 * What switching a user's mode does, for the response: both accounts keep
 * their figures, and open positions stay in the account they were opened in.
 * Null when the mode does not change.
 */
export function modeSwitchNotice(
  store: Store,
  userId: number,
  network: string,
  from: AccountMode,
  to: AccountMode,
): string | undefined {
  if (from === to) return undefined;
  const open = openPositionsOf(store, userId, network, from);
  const where = from === 'paper' ? 'paper account' : 'on-chain wallet';
  const positions =
    open === 0
      ? `No ${from} positions are open.`
      : `${open} open ${from} position(s) stay in the ${where}: they are not carried to ${to === 'live' ? 'the on-chain wallet' : 'the paper account'}, ` +
        `and their exits do not run while the user trades ${to} (switch back to manage them).`;
  return (
    `Now trading the ${to === 'paper' ? 'paper account' : 'on-chain wallet (real funds)'}. ` +
    `Both accounts keep their own history and figures. ${positions}`
  );
}

export function buildPaperHandlers(engine: Engine): PaperHandlers {
  const { store, users } = engine;
  const network = (): string => readNetworkConfig(store.meta).network;

  /** Current prices: a paper reset or top-up is valued when it happens, so it needs them (fail closed). */
  const prices = async (): Promise<PriceFn> => {
    const f = await engine.funds();
    await f.refreshPrices();
    return (m) => f.prices.price(m);
  };

  const usd = (m: bigint): string => `$${fromMicroUsd(m).toFixed(2)}`;

  return {
    'paper.account': async ({ user }) => {
      const u = users.resolve(user);
      let price: PriceFn | null = null;
      try {
        price = await prices();
      } catch {
        price = null; // the book is still shown; only its value needs prices
      }
      return paperAccountOut(store, u.id, network(), price);
    },

    'paper.reset': async ({ user, capital }) => {
      const u = users.resolve(user);
      const price = await prices();
      const at = isoTime(engine.clock);
      const net = network();
      return store.tx(() => {
        const row = store.settings.get(u.id)!;
        const current = UserSettingsSchema.parse(row.settings);
        let cap: PaperCapital = current.paperStartingCapital;
        if (capital) {
          const parsed = PaperCapitalSchema.safeParse(capital);
          if (!parsed.success)
            throw new HarvestError('INVALID_INPUT', `Invalid paper capital: ${parsed.error.issues[0]?.message ?? ''}`);
          cap = parsed.data;
          const next = UserSettingsSchema.parse({ ...current, paperStartingCapital: cap });
          if (!store.settings.update(u.id, row.version, next, at))
            throw new HarvestError('CONFLICT', 'The settings changed meanwhile; try again.');
        }
        const r = resetPaperAccount(store, u.id, net, cap, price, engine.clock.now());
        store.audit.append(
          {
            actor: engine.actor,
            action: 'paper.reset',
            userId: u.id,
            details: {
              network: net,
              capital: cap,
              withdrawnUsd: r.withdrawnUsd.toString(),
              depositedUsd: r.depositedUsd.toString(),
            },
          },
          at,
        );
        return {
          paper: paperAccountOut(store, u.id, net, price),
          withdrawnUsd: fromMicroUsd(r.withdrawnUsd),
          depositedUsd: fromMicroUsd(r.depositedUsd),
          message:
            `Paper account reset: ${usd(r.withdrawnUsd)} left it as a paper withdrawal and ${usd(r.depositedUsd)} arrived as a paper deposit ` +
            `(${Object.entries(cap)
              .map(([s, a]) => `${a} ${s}`)
              .join(', ')}). Its return and PnL are net of both; the on-chain wallet is untouched.`,
        };
      });
    },

    'paper.topUp': async ({ user, amounts }) => {
      const u = users.resolve(user);
      const parsed = PaperCapitalSchema.safeParse(amounts);
      if (!parsed.success)
        throw new HarvestError('INVALID_INPUT', `Invalid top-up: ${parsed.error.issues[0]?.message ?? ''}`);
      const price = await prices();
      const net = network();
      const settings = UserSettingsSchema.parse(store.settings.get(u.id)?.settings ?? {});
      return store.tx(() => {
        // A top-up adds to the account: one not opened yet opens first with its starting capital.
        ensurePaperAccount(store, u.id, net, settings.paperStartingCapital, price, engine.clock.now());
        const r = topUpPaperAccount(store, u.id, net, parsed.data, price, engine.clock.now());
        store.audit.append(
          {
            actor: engine.actor,
            action: 'paper.topUp',
            userId: u.id,
            details: { network: net, amounts: parsed.data, depositedUsd: r.depositedUsd.toString() },
          },
          isoTime(engine.clock),
        );
        return {
          paper: paperAccountOut(store, u.id, net, price),
          depositedUsd: fromMicroUsd(r.depositedUsd),
          message: `Added ${usd(r.depositedUsd)} to the paper account as a paper deposit (not profit).`,
        };
      });
    },
  };
}
