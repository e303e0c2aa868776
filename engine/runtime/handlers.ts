import { writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { adoptFileKey, checkPassphrase, refusedUnderFileKey, rotateMasterKey, sealBackup } from '../keystore';
import { randomUUID } from 'node:crypto';
import type { Address } from '@solana/kit';
import type { WithdrawalRow } from '../store';
import { quoteMintOf, type OrderOutcome } from '../execution';
import { accountLabel } from '../portfolio';
import { recordCashFlow } from '../portfolio/performance';
import { assertLiveConfirmed, UserSettingsSchema } from '../users/settings';
import { CLOSE_ALL_PAUSE_REASON } from '../risk/controls';
import { describeIssues } from '../api';
import { dataDirId } from '../kernel/paths';
import { bindStrategy, listStrategies } from '../strategy';
import {
  formatUnits,
  parseUnits,
  tokenByMint,
  tokenBySymbol,
  KNOWN_TOKENS,
  resolveToken,
  type TokenInfo,
} from '../market';
import { buildTokenHandlers, resolveOrAddToken } from './token-handlers';
import { depositInfo, type UserBalances } from '../funds';
import { recordFaucetGrants } from '../funds/flows';
import type { Engine } from './engine';
import { applySettingKey, buildRiskHandlers } from './risk-handlers';
import { buildFlowHandlers } from './flow-handlers';
import { buildBacktestHandlers } from './backtest-handlers';
import { buildCopyHandlers } from './copy-handlers';
import { buildPaperHandlers, modeSwitchNotice, paperAccountOut } from './paper-handlers';
import { buildPriceHandlers } from './price-handlers';
import { buildTelegramHandlers } from './telegram-handlers';
import { buildStrategyStatusHandlers } from './strategy-handlers';
import { buildOrderHandlers } from './order-handlers';
import { isPlayNetwork, onChainSandboxUnavailable, readNetworkConfig, writeNetworkConfig } from './network';
import { onChainSandboxSupported, paperSandboxInfo, refuseOnPaperSandbox } from './paper-sandbox-info';
import { buildLightHandlers } from './light-handlers';

/** The stop-loss a manual buy gets when none is given, in percent below the price. */
export const DEFAULT_MANUAL_STOP_PCT = 10;

export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

/** One handler per API command; a missing one fails to compile. */
export function buildHandlers(engine: Engine): Handlers {
  const { store, users, wallets } = engine;
  const actor = engine.actor;
  /** The paper sandbox's faucet: a paper deposit, through the same path as `paper.topUp`. */
  const paperTopUp = buildPaperHandlers(engine)['paper.topUp'];

  return {
    ...buildLightHandlers(engine),
    ...buildRiskHandlers(engine),
    ...buildFlowHandlers(engine),
    ...buildBacktestHandlers(engine),
    ...buildCopyHandlers(engine),
    ...buildPaperHandlers(engine),
    ...buildPriceHandlers(engine),
    ...buildTelegramHandlers(engine),
    ...buildStrategyStatusHandlers(engine),
    ...buildOrderHandlers(engine),
    ...buildTokenHandlers(engine),
    'wallet.create': ({ user, words }) => {
      const u = users.resolve(user);
      return { userId: u.id, ...wallets.create(u.id, words, actor) };
    },

    'wallet.import': (input) => {
      // A real phrase must never be sealed under the sandbox's key file.
      if (engine.keySource === 'file') throw refusedUnderFileKey('Importing a wallet');
      const u = users.resolve(input.user);
      const r =
        'mnemonic' in input
          ? wallets.import(u.id, { mnemonic: input.mnemonic, passphrase: input.passphrase ?? '' }, actor)
          : wallets.import(u.id, { secretKey: input.secretKey }, actor);
      return { userId: u.id, ...r };
    },

    'wallet.export': ({ user }) => wallets.export(users.resolve(user).id, actor),

    'wallet.show': ({ user }) => {
      const u = users.resolve(user);
      const w = wallets.info(u.id);
      const balances = w
        ? store.holdings
            .balances(w.address)
            .map((b) => ({ mint: b.mint, amount: b.amount.toString(), seenAt: b.seenAt }))
        : [];
      return { user: u, wallet: w, balances };
    },

    'keys.rotate': () => {
      if (engine.keySource === 'file') throw refusedUnderFileKey('Rotating the key');
      const { key, result } = rotateMasterKey(store, engine.key, engine.keyCtx, engine.clock, actor, (done, total) =>
        engine.log.debug({ done, total }, 'key rotation progress'),
      );
      engine.replaceKey(key);
      engine.log.info({ wallets: result.wallets, newKeyId: result.newKeyId }, 'master key rotated');
      return result;
    },

    'keys.adopt': () => {
      if (engine.keySource !== 'file') {
        throw new HarvestError(
          'REFUSED',
          `This data folder's master key is already in ${engine.keySource === 'env' ? 'HARVEST_MASTER_KEY' : 'the OS keychain'}; there is no key file to adopt.`,
        );
      }
      const { key, result } = adoptFileKey(store, engine.key, engine.keyCtx, engine.layout.root, engine.clock, actor);
      engine.replaceKey(key, result.keySource);
      engine.log.info({ wallets: result.wallets, keySource: result.keySource }, 'sandbox key file adopted');
      return result;
    },

    'backup.create': ({ file, passphrase }) => {
      checkPassphrase(passphrase);
      const createdAt = isoTime(engine.clock);
      const target = resolve(file);
      // Audit first, so the backup contains the record of its own creation.
      store.audit.append({ actor, action: 'backup.created', userId: null, details: { file: target } }, createdAt);
      const sealed = sealBackup(engine.key, store.db.serialize(), passphrase, createdAt);
      const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        writeFileSync(tmp, sealed, { mode: 0o600, flag: 'wx' });
        renameSync(tmp, target);
      } catch (e) {
        throw new HarvestError(
          'INVALID_INPUT',
          `Could not write the backup to ${dirname(target)}: ${(e as Error).message}`,
        );
      }
      engine.log.info({ file: target, bytes: sealed.length }, 'backup written');
      return { file: target, bytes: sealed.length, createdAt };
    },

    'network.status': async () => {
      const { net } = await engine.funds();
      const height = await net.chain.getBlockHeight();
      return {
        network: net.name,
        rpcEndpoints: [...net.chain.endpoints],
        swapApi: net.jupiterUrl,
        blockHeight: height.toString(),
        sandbox: net.sandbox
          ? { rpcUrl: net.sandbox.rpcUrl, swapApiUrl: net.sandbox.swapApiUrl, inProcess: net.sandbox.inProcess }
          : null,
        paperSandbox: paperSandboxInfo(net.name),
      };
    },

    'network.set': ({ network, rpcUrls }) => {
      const current = readNetworkConfig(store.meta);
      assertCanSwitchNetwork(engine, network, rpcUrls);
      store.tx(() => {
        writeNetworkConfig(store.meta, { network, rpcUrls });
        store.audit.append(
          {
            actor,
            action: 'network.changed',
            userId: null,
            details: { from: current.network, to: network, endpoints: rpcUrls.length },
          },
          isoTime(engine.clock),
        );
      });
      return { network, rpcUrls, restartNeeded: engine.owner.kind === 'engine' };
    },

    'wallet.balances': async ({ user }) => {
      const f = await engine.funds();
      const ids = user === undefined ? undefined : [users.resolve(user).id];
      const balances = (await f.balances.refresh(ids)).map((b) => balancesOut(b, f.net.name));
      // Paper accounts beside, labelled apart: a paper book is never the wallet's balance.
      const paperUsers = balances
        .map((b) => b.userId)
        .filter(
          (id) =>
            store.paper.balances(id).size > 0 ||
            UserSettingsSchema.parse(store.settings.get(id)?.settings ?? {}).mode === 'paper',
        );
      // Prices only to value those books; without them the books still show, unvalued.
      if (paperUsers.length > 0) await f.refreshPrices().catch(() => undefined);
      const paper = paperUsers.map((id) => paperAccountOut(store, id, f.net.name, (m) => f.prices.price(m)));
      return { balances, paper };
    },

    'wallet.deposit': ({ user }) => depositInfo(store, users.resolve(user).id),

    'funds.faucet': async ({ user, sol, token, amount }) => {
      const u = users.resolve(user);
      const w = store.wallets.byUser(u.id);
      if (!w) throw new HarvestError('NOT_FOUND', `${u.name} has no wallet yet; create one first.`);
      // Amounts first (a u64 overflow is the operator's typo, answered without touching the network).
      const tokens: { mint: string; amount: bigint }[] = [];
      if (token !== undefined && amount !== undefined) {
        const t = requireSplToken(token);
        tokens.push({ mint: t.mint, amount: parseUnits(amount, t.decimals) });
      }
      const lamports = sol === undefined ? 0n : parseUnits(sol, 9);
      const f = await engine.funds();
      // The paper sandbox's faucet is a paper deposit: there is no chain to send to.
      if (f.net.name === 'paper-sandbox') {
        const amounts: Record<string, string> = {};
        if (lamports > 0n) amounts['SOL'] = formatUnits(lamports, 9);
        for (const t of tokens)
          amounts[tokenByMint(t.mint)!.symbol] = formatUnits(t.amount, tokenByMint(t.mint)!.decimals);
        const { paper, message } = await paperTopUp({ user: u.id, amounts });
        const [b] = await f.balances.refresh([u.id]);
        return { signatures: [], balances: balancesOut(b!, f.net.name), paper, message };
      }
      if (!f.net.faucet) {
        throw new HarvestError(
          'UNSUPPORTED',
          `There is no faucet on ${f.net.name}; fund the wallet by sending to ${w.address}.`,
        );
      }
      const faucet = f.net.faucet;
      // In the wallet's queue, and journalled before the queue is released: the flow scanner (which
      // runs in the same queue) must find these signatures as Harvest's own, never as outside deposits.
      const signatures = await f.exec.exclusive(u.id, async () => {
        const sigs = await faucet.fund(w.address, { lamports, tokens });
        recordFaucetGrants(store, u.id, f.net.name, lamports, tokens, sigs, isoTime(engine.clock));
        return sigs;
      });
      // The faucet moved funds outside the chain client: don't serve its cached reads.
      f.net.chain.clearCache();
      store.audit.append(
        {
          actor,
          action: 'wallet.funded',
          userId: u.id,
          details: {
            network: f.net.name,
            lamports: lamports.toString(),
            tokens: tokens.map((t) => ({ mint: t.mint, amount: t.amount.toString() })),
          },
        },
        isoTime(engine.clock),
      );
      const [b] = await f.balances.refresh([u.id]);
      // A top-up is a deposit, not profit: it raises the high-water mark 1:1 and does not count as return.
      await f.refreshPrices().catch(() => undefined);
      const usd =
        (Number(lamports) / 1e9) * (f.prices.price(tokenBySymbol('SOL')!.mint) ?? 0) +
        tokens.reduce(
          (s, t) => s + (Number(t.amount) / 10 ** (tokenByMint(t.mint)?.decimals ?? 0)) * (f.prices.price(t.mint) ?? 0),
          0,
        );
      if (usd > 0) {
        recordCashFlow(store, {
          userId: u.id,
          network: f.net.name,
          kind: 'deposit',
          amountUsd: BigInt(Math.round(usd * 1e6)),
          nowMs: engine.clock.now(),
          ref: signatures[0] ?? null,
        });
      }
      return { signatures, balances: balancesOut(b!, f.net.name) };
    },

    'funds.withdraw': async ({ user, to, amount, token, confirm }) => {
      refuseOnPaperSandbox(readNetworkConfig(store.meta).network, 'Withdrawing to an address');
      const u = users.resolve(user);
      const t = resolveToken(token);
      if (!t)
        throw new HarvestError(
          'INVALID_INPUT',
          `Unknown token "${token}". Known: ${KNOWN_TOKENS.map((k) => k.symbol).join(', ')}.`,
        );
      const f = await engine.funds();
      const r = await f.withdrawals.withdraw(
        { userId: u.id, to, token: t, amount: parseUnits(amount, t.decimals), confirm },
        actor,
      );
      await f.balances.refresh([u.id]);
      return { withdrawal: withdrawalOut(r.withdrawal), outcome: r.outcome };
    },

    'withdrawals.list': ({ user, limit }) => ({
      withdrawals: store.funds.withdrawals(users.resolve(user).id, limit).map(withdrawalOut),
    }),

    'whitelist.list': async ({ user }) => {
      const f = await engine.funds();
      return { entries: f.whitelist.list(users.resolve(user).id).map(whitelistOut) };
    },

    'whitelist.add': async ({ user, address, label }) => {
      const f = await engine.funds();
      return whitelistOut(f.whitelist.add(users.resolve(user).id, address, label, actor));
    },

    'whitelist.remove': async ({ user, address }) => {
      const f = await engine.funds();
      f.whitelist.remove(users.resolve(user).id, address, actor);
      return { removed: address.trim() };
    },

    'settings.get': ({ user }) => {
      const u = users.resolve(user);
      const row = store.settings.get(u.id)!;
      return {
        userId: u.id,
        version: row.version,
        settings: UserSettingsSchema.parse(row.settings) as Record<string, unknown>,
      };
    },

    'settings.set': ({ user, key, value, expectedVersion, confirm }) => {
      const u = users.resolve(user);
      return store.tx(() => {
        const row = store.settings.get(u.id)!;
        if (expectedVersion !== undefined && expectedVersion !== row.version) {
          throw new HarvestError(
            'CONFLICT',
            `The settings changed since version ${expectedVersion} (now ${row.version}); reload and try again.`,
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          parsed = value;
        }
        const current = UserSettingsSchema.parse(row.settings);
        const next = applySettingKey(current as Record<string, unknown>, key, parsed);
        const r = UserSettingsSchema.safeParse(next);
        if (!r.success) throw new HarvestError('INVALID_INPUT', `Invalid value for ${key}: ${describeIssues(r.error)}`);
        if (r.data.mode === 'live') refuseOnPaperSandbox(readNetworkConfig(store.meta).network, 'Trading live');
        assertLiveConfirmed(u.name, current, r.data, confirm);
        const at = isoTime(engine.clock);
        if (!store.settings.update(u.id, row.version, r.data, at))
          throw new HarvestError('CONFLICT', 'The settings changed meanwhile; try again.');
        store.audit.append(
          { actor, action: 'settings.changed', userId: u.id, details: { key, value: parsed as never } },
          at,
        );
        const before = UserSettingsSchema.parse(row.settings).mode;
        const notice = modeSwitchNotice(store, u.id, readNetworkConfig(store.meta).network, before, r.data.mode);
        return {
          userId: u.id,
          version: row.version + 1,
          settings: r.data as Record<string, unknown>,
          ...(notice ? { notice } : {}),
        };
      });
    },

    'strategy.list': () => ({
      strategies: listStrategies().map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        params: s.params as unknown as Record<string, unknown>[],
      })),
    }),

    'strategy.set': ({ user, strategy, params, tokens, mode, enabled, expectedVersion, confirm }) => {
      const u = users.resolve(user);
      // Validates now, against the strategy's own bounds: a bad parameter never reaches the loop.
      const bound = bindStrategy(strategy, params);
      for (const t of tokens ?? []) {
        if (!resolveToken(t))
          throw new HarvestError(
            'INVALID_INPUT',
            `Unknown token "${t}". Known: ${KNOWN_TOKENS.map((k) => k.symbol).join(', ')}.`,
          );
      }
      return store.tx(() => {
        const row = store.settings.get(u.id)!;
        if (expectedVersion !== undefined && expectedVersion !== row.version) {
          throw new HarvestError(
            'CONFLICT',
            `The settings changed since version ${expectedVersion} (now ${row.version}); reload and try again.`,
          );
        }
        const current = UserSettingsSchema.parse(row.settings);
        const next = UserSettingsSchema.parse({
          ...current,
          ...(mode ? { mode } : {}),
          strategy: {
            enabled,
            id: bound.id,
            params: bound.params,
            tokens: (tokens ?? current.strategy.tokens).map((t) => t.toUpperCase()),
          },
        });
        if (next.mode === 'live') refuseOnPaperSandbox(readNetworkConfig(store.meta).network, 'Trading live');
        assertLiveConfirmed(u.name, current, next, confirm);
        const at = isoTime(engine.clock);
        if (!store.settings.update(u.id, row.version, next, at))
          throw new HarvestError('CONFLICT', 'The settings changed meanwhile; try again.');
        store.audit.append(
          {
            actor,
            action: 'strategy.changed',
            userId: u.id,
            details: { strategy: bound.id, enabled, mode: next.mode, tokens: next.strategy.tokens },
          },
          at,
        );
        const notice = modeSwitchNotice(store, u.id, readNetworkConfig(store.meta).network, current.mode, next.mode);
        return {
          userId: u.id,
          version: row.version + 1,
          settings: next as Record<string, unknown>,
          ...(notice ? { notice } : {}),
        };
      });
    },

    'orders.submit': async (i) => {
      const u = users.resolve(i.user);
      // A symbol or a mint; a mint Harvest does not know yet is added (and checked) on the spot.
      const token = await resolveOrAddToken(engine, i.token);
      const settings = UserSettingsSchema.parse(store.settings.get(u.id)?.settings ?? {});
      const quoteMint = quoteMintOf(settings);
      if (token.mint === quoteMint)
        throw new HarvestError(
          'INVALID_INPUT',
          `${token.symbol} is this user's quote asset; name the token to buy or sell.`,
        );
      const quoteToken = tokenByMint(quoteMint)!;
      const buy = i.side === 'buy';
      const amount = parseUnits(i.amount, buy ? quoteToken.decimals : token.decimals);
      const f = await engine.funds();
      await f.refreshPrices();
      // Every entry carries a stop-loss: a manual buy without one gets the default distance below the price.
      let stopLoss = i.stopLoss ?? null;
      if (buy && stopLoss === null) {
        const usd = f.prices.price(token.mint);
        if (usd !== null) stopLoss = usd * (1 - DEFAULT_MANUAL_STOP_PCT / 100);
      }
      const outcome = await f.exec.submit({
        userId: u.id,
        side: i.side,
        inputMint: (buy ? quoteMint : token.mint) as Address,
        outputMint: (buy ? token.mint : quoteMint) as Address,
        amount,
        context: i.context,
        clientId: i.clientId ?? `manual:${randomUUID()}`,
        slippageBps: i.slippageBps ?? settings.slippageBps,
        stopLossPrice: stopLoss,
        takeProfitPrice: i.takeProfit ?? null,
        trailingStopBps: i.trailingStopBps ?? null,
      });
      return outcomeOut(outcome);
    },

    'orders.list': ({ user, limit }) => ({
      orders: store.intents.list(users.resolve(user).id, limit).map((o) => ({
        id: o.id,
        clientId: o.clientId,
        venue: o.venue,
        context: o.context,
        side: o.side,
        inputMint: o.inputMint,
        outputMint: o.outputMint,
        amount: o.amount.toString(),
        status: o.status,
        reasonCode: o.reasonCode,
        error: o.error,
        signature: o.signature,
        createdAt: o.createdAt,
      })),
    }),

    'positions.close': async ({ user, positionId }) => {
      const u = users.resolve(user);
      const p = store.portfolio.position(positionId);
      if (!p || p.userId !== u.id) throw new HarvestError('NOT_FOUND', `${u.name} has no position ${positionId}.`);
      if (p.status !== 'open') throw new HarvestError('CONFLICT', `Position ${positionId} is already closed.`);
      const f = await engine.funds();
      await f.refreshPrices();
      return outcomeOut(await f.exits.close(p, 'manual', 'closed by the operator'));
    },

    'positions.closeAll': async ({ user }) => {
      const u = users.resolve(user);
      const f = await engine.funds();
      await f.refreshPrices();
      const open = store.portfolio.positions(u.id, { status: 'open' });
      store.audit.append(
        { actor, action: 'positions.closeAll', userId: u.id, details: { positions: open.map((p) => p.id) } },
        isoTime(engine.clock),
      );
      // Entries stop first, so the strategy cannot buy back in between the sells; the sells pass the pause
      // (reducing risk is always allowed). A user already paused keeps their pause and its reason (breaker, drawdown).
      if (!engine.controls.user(u.id).paused) engine.controls.pauseUser(u.id, CLOSE_ALL_PAUSE_REASON, actor);
      const results = [];
      for (const p of open)
        results.push({
          positionId: p.id,
          outcome: outcomeOut(await f.exits.close(p, 'emergency', 'emergency close-all')),
        });
      return { results, entriesPaused: engine.controls.user(u.id).paused };
    },

    'controls.status': () => ({
      global: engine.controls.global(),
      users: users.list().map((u) => ({ userId: u.id, name: u.name, ...engine.controls.user(u.id) })),
    }),

    'controls.pause': ({ user, reason }) => {
      if (user === undefined) {
        engine.controls.pauseAll(reason ?? null, actor);
        return engine.controls.global();
      }
      const u = users.resolve(user);
      engine.controls.pauseUser(u.id, reason ?? null, actor);
      return engine.controls.user(u.id);
    },

    'controls.resume': ({ user }) => {
      if (user === undefined) {
        engine.controls.resumeAll(actor);
        return engine.controls.global();
      }
      const u = users.resolve(user);
      engine.controls.resumeUser(u.id, actor);
      return engine.controls.user(u.id);
    },

    'breaker.status': () => engine.breaker.status(),
    'breaker.resume': () => engine.breaker.resume(actor),

    'controls.halt': ({ reason }) => {
      engine.controls.halt(reason ?? null, actor);
      return engine.controls.global();
    },

    'events.list': ({ user, limit, afterId }) => ({
      events: store.events.list({
        ...(user !== undefined ? { userId: users.resolve(user).id } : {}),
        limit,
        ...(afterId !== undefined ? { afterId } : {}),
      }),
    }),

    'engine.health': async () => {
      let net: Awaited<ReturnType<Engine['funds']>>['net'] | null = null;
      let error: string | null = null;
      try {
        net = (await engine.funds()).net;
      } catch (e) {
        error = (e as Error).message;
      }
      const stats = net?.chain.stats();
      return {
        network: net?.name ?? null,
        trading: engine.trading,
        lastCycle: engine.lastCycle,
        rpc: stats
          ? {
              requests: stats.requests,
              retries: stats.retries,
              failovers: stats.failovers,
              endpoints: stats.endpoints.map((e) => ({ label: e.label, healthy: e.healthy })),
            }
          : null,
        controls: engine.controls.global(),
        globalBreaker: engine.breaker.status(),
        paperSandbox: paperSandboxInfo(net?.name ?? readNetworkConfig(store.meta).network),
        error,
      };
    },

    'market.candles': async ({ token, timeframe, limit }) => {
      const t = resolveToken(token);
      if (!t) throw new HarvestError('INVALID_INPUT', `Unknown token "${token}".`);
      const f = await engine.funds();
      await f.candlesReady();
      // Closed candles from the store (live and seeded history, with their marks), then the one forming.
      const current = f.candles.current(t.mint, timeframe);
      const closed = f.candleHistory.stored(t.mint, timeframe, limit).filter((c) => !current || c.time < current.time);
      const all = current ? [...closed, { ...current, source: 'forming', gap: false }] : closed;
      return {
        token: t.symbol,
        timeframe,
        candles: all.slice(-limit).map((c) => ({
          time: c.time,
          open: c.open,
          high: c.high,
          low: c.low,
          close: c.close,
          source: c.source,
          gap: c.gap,
          ...candleVolume(c),
        })),
        timeKind: f.candleHistory.timeKind,
        marketNow: f.marketNow(),
        wallNow: engine.clock.now(),
        speed: f.candleHistory.marketSpeed,
      };
    },

    'settings.jupiterKey': ({ key }) => {
      const account = `jupiter-api-key:${dataDirId(engine.layout.root)}`;
      if (key === null) {
        try {
          engine.keyCtx.keychain.delete(account);
        } catch {
          // nothing stored
        }
      } else {
        engine.keyCtx.keychain.set(account, key);
      }
      store.audit.append(
        { actor, action: 'settings.jupiterKey', userId: null, details: { configured: key !== null } },
        isoTime(engine.clock),
      );
      return { configured: key !== null };
    },

    'audit.verify': () => store.audit.verify(),

    'audit.list': ({ user, limit, beforeId }) => {
      const userId = user === undefined ? undefined : users.resolve(user).id;
      const entries = store.audit.list({ userId, limit, beforeId }).map((r) => ({
        id: r.id,
        ts: r.ts,
        actor: r.actor,
        action: r.action,
        userId: r.userId,
        details: r.details,
        hash: r.hash,
      }));
      return { entries };
    },
  };
}

function requireSplToken(symbol: string): TokenInfo {
  const t = resolveToken(symbol);
  if (!t || !t.tokenProgram) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Unknown token "${symbol}". Known: ${KNOWN_TOKENS.filter((k) => k.tokenProgram)
        .map((k) => k.symbol)
        .join(', ')} (use --sol for SOL).`,
    );
  }
  return t;
}

function balancesOut(b: UserBalances, network: string) {
  return {
    userId: b.userId,
    address: b.address,
    network,
    lamports: b.lamports.toString(),
    sol: formatUnits(b.lamports, 9),
    tokens: b.tokens.map(({ token, amount }) => ({
      symbol: token.symbol,
      mint: token.mint,
      amount: amount.toString(),
      decimals: token.decimals,
      uiAmount: formatUnits(amount, token.decimals),
    })),
    active: b.active,
    minimumLamports: b.minimumLamports.toString(),
    account: accountLabel('live'),
  };
}

function withdrawalOut(w: WithdrawalRow) {
  const token = w.mint === 'SOL' ? tokenBySymbol('SOL') : tokenByMint(w.mint);
  return {
    id: w.id,
    network: w.network,
    asset: w.mint,
    symbol: token?.symbol ?? w.mint,
    amount: w.amount.toString(),
    uiAmount: token ? formatUnits(w.amount, token.decimals) : w.amount.toString(),
    destination: w.destination,
    status: w.status,
    signature: w.signature,
    error: w.error,
    createdAt: w.createdAt,
  };
}

function whitelistOut(e: { address: string; label: string; addedAt: string; usableAt: string; usable: boolean }) {
  return { address: e.address, label: e.label, addedAt: e.addedAt, usableAt: e.usableAt, usable: e.usable };
}

function outcomeOut(o: OrderOutcome) {
  return {
    status: o.status,
    intentId: o.intentId,
    tradeId: o.status === 'confirmed' ? o.tradeId : null,
    code: o.status === 'rejected' ? o.code : null,
    message: o.status === 'confirmed' ? null : o.message,
    inAmount: o.status === 'confirmed' ? o.inAmount.toString() : null,
    outAmount: o.status === 'confirmed' ? o.outAmount.toString() : null,
    signature: o.status === 'confirmed' ? o.signature : null,
  };
}

/**
 * What a network switch needs first: no open position or unsettled order on
 * the current network, a real key store, and an own RPC for mainnet. Checked
 * before a confirmation is offered and again when the switch runs.
 */
export function assertCanSwitchNetwork(engine: Engine, network: string, rpcUrls: readonly string[]): void {
  // Refused before it is stored: a chosen sandbox that cannot load would fail every chain command.
  if (network === 'sandbox' && !onChainSandboxSupported(engine.keyCtx.env))
    throw onChainSandboxUnavailable(new Error('no LiteSVM build for this platform'));
  const { store, users } = engine;
  const current = readNetworkConfig(store.meta);
  const open = users.list().flatMap((u) => store.portfolio.positions(u.id, { status: 'open' }));
  const unsettled = store.intents.unfinished();
  if (network !== current.network && (open.length > 0 || unsettled.length > 0)) {
    throw new HarvestError(
      'REFUSED',
      `Close the ${open.length} open position(s) and let ${unsettled.length} unsettled order(s) finish on ${current.network} before switching to ${network}.`,
    );
  }
  if (engine.keySource === 'file' && !isPlayNetwork(network)) throw refusedUnderFileKey(`Switching to ${network}`);
  if (network === 'mainnet' && rpcUrls.length === 0) {
    throw new HarvestError(
      'INVALID_INPUT',
      'Mainnet needs your own RPC endpoint(s) (--rpc URL); the public one is rate-limited and not fit for trading.',
    );
  }
}

/**
 * A candle's volume where its source reports one: seeded history (Binance and
 * the replay count the token, GeckoTerminal counts USD). Live candles are built
 * from prices and gaps are filled flat, so they carry none (omitted, not 0).
 */
function candleVolume(c: { source: string; gap: boolean; volume: number }): {
  volume?: number;
  volumeIn?: 'token' | 'usd';
} {
  if (c.gap || !c.source.startsWith('seed:') || !(c.volume > 0)) return {};
  return { volume: c.volume, volumeIn: c.source === 'seed:geckoterminal' ? 'usd' : 'token' };
}
