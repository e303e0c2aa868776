import { writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { rotateMasterKey, sealBackup, checkPassphrase } from '../keystore';
import { schemaVersion, type WithdrawalRow } from '../store';
import { formatUnits, parseUnits, tokenByMint, tokenBySymbol, KNOWN_TOKENS, type TokenInfo } from '../market';
import { depositInfo, type UserBalances } from '../funds';
import type { Engine } from './engine';

export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

/** One handler per API command; a missing one fails to compile. */
export function buildHandlers(engine: Engine): Handlers {
  const { store, users, wallets } = engine;
  const actor = engine.actor;

  return {
    'engine.status': () => ({
      dataDir: engine.layout.root,
      schemaVersion: schemaVersion(store.db),
      keySource: engine.keySource,
      keyId: engine.key.id,
      users: store.users.list().length,
      wallets: store.wallets.count(),
      owner: { kind: engine.owner.kind, pid: engine.owner.pid, startedAt: engine.owner.startedAt },
    }),

    'users.add': ({ name }) => users.add(name, actor),

    'users.list': () => ({
      users: users.list().map((u) => ({ ...u, address: store.wallets.byUser(u.id)?.address ?? null })),
    }),

    'users.rename': ({ user, name }) => users.rename(user, name, actor),

    'users.remove': ({ user, force }) => {
      const r = users.remove(user, { force }, actor);
      return { removed: r.user, forced: r.forced };
    },

    'wallet.create': ({ user, words }) => {
      const u = users.resolve(user);
      return { userId: u.id, ...wallets.create(u.id, words, actor) };
    },

    'wallet.import': (input) => {
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
        ? store.holdings.balances(w.address).map((b) => ({ mint: b.mint, amount: b.amount.toString(), seenAt: b.seenAt }))
        : [];
      return { user: u, wallet: w, balances };
    },

    'keys.rotate': () => {
      const { key, result } = rotateMasterKey(store, engine.key, engine.keyCtx, engine.clock, actor, (done, total) =>
        engine.log.debug({ done, total }, 'key rotation progress'),
      );
      engine.replaceKey(key);
      engine.log.info({ wallets: result.wallets, newKeyId: result.newKeyId }, 'master key rotated');
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
        throw new HarvestError('INVALID_INPUT', `Could not write the backup to ${dirname(target)}: ${(e as Error).message}`);
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
      };
    },

    'wallet.balances': async ({ user }) => {
      const f = await engine.funds();
      const ids = user === undefined ? undefined : [users.resolve(user).id];
      return { balances: (await f.balances.refresh(ids)).map((b) => balancesOut(b, f.net.name)) };
    },

    'wallet.deposit': ({ user }) => depositInfo(store, users.resolve(user).id),

    'funds.faucet': async ({ user, sol, token, amount }) => {
      const u = users.resolve(user);
      const w = store.wallets.byUser(u.id);
      if (!w) throw new HarvestError('NOT_FOUND', `${u.name} has no wallet yet; create one first.`);
      const f = await engine.funds();
      if (!f.net.faucet) {
        throw new HarvestError('UNSUPPORTED', `There is no faucet on ${f.net.name}; fund the wallet by sending to ${w.address}.`);
      }
      const tokens: { mint: string; amount: bigint }[] = [];
      if (token !== undefined && amount !== undefined) {
        const t = requireSplToken(token);
        tokens.push({ mint: t.mint, amount: parseUnits(amount, t.decimals) });
      }
      const lamports = sol === undefined ? 0n : parseUnits(sol, 9);
      const signatures = await f.net.faucet.fund(w.address, { lamports, tokens });
      store.audit.append(
        { actor, action: 'wallet.funded', userId: u.id, details: { network: f.net.name, lamports: lamports.toString(), tokens: tokens.map((t) => ({ mint: t.mint, amount: t.amount.toString() })) } },
        isoTime(engine.clock),
      );
      const [b] = await f.balances.refresh([u.id]);
      return { signatures, balances: balancesOut(b!, f.net.name) };
    },

    'funds.withdraw': async ({ user, to, amount, token, confirm }) => {
      const u = users.resolve(user);
      const t = tokenBySymbol(token);
      if (!t) throw new HarvestError('INVALID_INPUT', `Unknown token "${token}". Known: ${KNOWN_TOKENS.map((k) => k.symbol).join(', ')}.`);
      const f = await engine.funds();
      const r = await f.withdrawals.withdraw({ userId: u.id, to, token: t, amount: parseUnits(amount, t.decimals), confirm }, actor);
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
  const t = tokenBySymbol(symbol);
  if (!t || !t.tokenProgram) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Unknown token "${symbol}". Known: ${KNOWN_TOKENS.filter((k) => k.tokenProgram).map((k) => k.symbol).join(', ')} (use --sol for SOL).`,
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
