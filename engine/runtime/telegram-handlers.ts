import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
// Submodules, not '../telegram': its face also exports the bridge, which loads grammY, and every
// CLI command loads these handlers.
import {
  apiRootOf,
  operatorLink,
  readToken,
  setApiRoot,
  setOperatorLink,
  tokenAccount,
  totpAccount,
} from '../telegram/config';
import { issueLinkCode } from '../telegram/link-codes';
import { TelegramRepo, type TelegramFriendRow } from '../telegram/links-repo';
import { normalizePermissions } from '../telegram/permissions';
import { bridgeOf } from '../telegram/registry';
import { newTotpSecret, totpUri } from '../telegram/totp';
import type { Engine } from './engine';

type TelegramCommand = Extract<CommandName, `telegram.${string}`>;
type TelegramHandlers = {
  [K in TelegramCommand]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

function friendOut(f: TelegramFriendRow): CommandOutput<'telegram.friend'> {
  return {
    userId: f.userId,
    linked: f.telegramUserId !== null,
    linkedAt: f.linkedAt,
    permissions: f.permissions,
    summaryHour: f.summaryHour,
    alertMinSeverity: f.alertMinSeverity,
    totp: f.totp,
  };
}

/** The operator's Telegram settings and each friend's link; the bridge itself lives in engine/telegram. */
export function buildTelegramHandlers(engine: Engine): TelegramHandlers {
  const { store, users } = engine;
  const actor = engine.actor;
  const repo = new TelegramRepo(store.db);
  const audit = (action: string, userId: number | null, details: Record<string, unknown>): void => {
    store.audit.append({ actor, action, userId, details }, isoTime(engine.clock));
  };
  const root = engine.layout.root;

  return {
    'telegram.status': () => {
      const bridge = bridgeOf(engine);
      const s = bridge?.status();
      const configured = readToken(engine.keyCtx.keychain, root) !== null;
      return {
        configured,
        state: s?.state ?? 'off',
        running: bridge?.running ?? false,
        botUsername: s?.botUsername ?? null,
        lastError: s?.lastError ?? null,
        lastOkAt: s?.lastOkAt ?? null,
        apiRoot: apiRootOf(store.meta),
        operatorLinked: operatorLink(store.meta) !== null,
        linkedFriends: repo.linked().length,
        queuedAlerts: s?.queuedAlerts ?? 0,
        droppedAlerts: s?.droppedAlerts ?? 0,
      };
    },

    'telegram.token': async ({ token }) => {
      const account = tokenAccount(root);
      if (token === null) {
        try {
          engine.keyCtx.keychain.delete(account);
        } catch {
          // nothing stored
        }
      } else {
        // Keychain only: with none, this fails closed and the token is not kept anywhere.
        try {
          engine.keyCtx.keychain.set(account, token);
        } catch (e) {
          throw new HarvestError(
            'KEYCHAIN_UNAVAILABLE',
            'The bot token is kept only in the OS keychain, and no keychain answers here. Unlock or install one (e.g. gnome-keyring) and store the token again.',
            { cause: e },
          );
        }
      }
      audit('telegram.token', null, { configured: token !== null });
      await bridgeOf(engine)?.restart();
      return { configured: token !== null };
    },

    'telegram.apiRoot': async ({ url }) => {
      setApiRoot(store.meta, url);
      audit('telegram.apiRoot', null, { apiRoot: apiRootOf(store.meta) });
      await bridgeOf(engine)?.restart();
      return { apiRoot: apiRootOf(store.meta) };
    },

    'telegram.link': ({ user, operator }) => {
      const userId = operator ? null : users.resolve(user!).id;
      const { code, expiresAt } = issueLinkCode(store, repo, engine.clock, userId, actor);
      const bot = bridgeOf(engine)?.status().botUsername ?? null;
      return {
        code,
        expiresAt,
        deepLink: bot ? `https://t.me/${bot}?start=${code}` : null,
        command: `/start ${code}`,
      };
    },

    'telegram.unlink': ({ user, operator }) => {
      if (operator) {
        const was = operatorLink(store.meta) !== null;
        setOperatorLink(store.meta, null);
        audit('telegram.unlinked', null, { by: 'operator', for: 'operator' });
        return { unlinked: was };
      }
      const u = users.resolve(user!);
      const unlinked = repo.unlink(u.id);
      audit('telegram.unlinked', u.id, { by: 'operator', for: 'friend', wasLinked: unlinked });
      return { unlinked };
    },

    'telegram.friend': ({ user }) => friendOut(repo.friend(users.resolve(user).id)),

    'telegram.permissions': ({ user, permissions }) => {
      const u = users.resolve(user);
      const before = repo.friend(u.id).permissions;
      const next = normalizePermissions(permissions);
      repo.setPermissions(u.id, next);
      audit('telegram.permissions', u.id, { before, after: next });
      return friendOut(repo.friend(u.id));
    },

    'telegram.alerts': ({ user, minSeverity, summaryHour }) => {
      const u = users.resolve(user);
      if (minSeverity !== undefined) repo.setAlertMinSeverity(u.id, minSeverity);
      if (summaryHour !== undefined) repo.setSummaryHour(u.id, summaryHour);
      audit('telegram.alerts', u.id, { minSeverity: minSeverity ?? null, summaryHour: summaryHour ?? null });
      return friendOut(repo.friend(u.id));
    },

    'telegram.totp': ({ user, enable }) => {
      const u = users.resolve(user);
      const account = totpAccount(root, u.id);
      if (!enable) {
        try {
          engine.keyCtx.keychain.delete(account);
        } catch {
          // nothing stored
        }
        repo.setTotp(u.id, false);
        audit('telegram.totp', u.id, { enabled: false });
        return { enabled: false, secret: null, uri: null };
      }
      const secret = newTotpSecret();
      try {
        engine.keyCtx.keychain.set(account, secret);
      } catch (e) {
        throw new HarvestError(
          'KEYCHAIN_UNAVAILABLE',
          'TOTP secrets are kept only in the OS keychain, and no keychain answers here.',
          { cause: e },
        );
      }
      repo.setTotp(u.id, true);
      audit('telegram.totp', u.id, { enabled: true });
      return { enabled: true, secret, uri: totpUri(secret, u.name) };
    },

    'telegram.test': async () => {
      const bridge = bridgeOf(engine);
      const r = bridge
        ? await bridge.sendTest()
        : { sent: false, message: 'The bridge runs with `harvest serve` or the desktop app; start Harvest first.' };
      audit('telegram.test', null, { sent: r.sent });
      return r;
    },
  };
}
