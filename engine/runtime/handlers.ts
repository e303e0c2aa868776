import { writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { rotateMasterKey, sealBackup, checkPassphrase } from '../keystore';
import { schemaVersion } from '../store';
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
