import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Store, UserRow } from '../store';
import { skeleton } from './confusables';
import { UserNameSchema } from './names';
import { defaultUserSettings } from './settings';

export interface RemoveOptions {
  /** Remove even though the wallet holds funds or positions; only allowed after an export. */
  force?: boolean;
}

/** Friends: add, rename, list, remove. A user always comes with a settings row. */
export class UserDirectory {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** A user by name (case-insensitive) or by numeric id. */
  resolve(ref: string | number): UserRow {
    const byName = typeof ref === 'string' ? this.store.users.byName(ref) : null;
    const id = typeof ref === 'number' ? ref : /^\d+$/u.test(ref.trim()) ? Number(ref.trim()) : null;
    const user = byName ?? (id !== null ? this.store.users.byId(id) : null);
    if (!user) {
      throw new HarvestError('NOT_FOUND', `No user called "${String(ref)}". See the list with \`harvest user list\`.`);
    }
    return user;
  }

  list(): UserRow[] {
    return this.store.users.list();
  }

  add(rawName: string, actor: string): UserRow {
    const name = parseName(rawName);
    const at = isoTime(this.clock);
    try {
      const user = this.store.tx(() => {
        this.assertFree(name);
        const u = this.store.users.insert(name, at);
        this.store.settings.insert(u.id, defaultUserSettings(), at);
        this.store.audit.append({ actor, action: 'user.added', userId: u.id, details: { name } }, at);
        return u;
      });
      this.log.info({ userId: user.id }, 'user added');
      return user;
    } catch (e) {
      throw uniqueName(e, name);
    }
  }

  rename(ref: string | number, rawName: string, actor: string): UserRow {
    const name = parseName(rawName);
    const at = isoTime(this.clock);
    try {
      return this.store.tx(() => {
        const user = this.resolve(ref);
        const clash = this.store.users.byName(name);
        // Changing the case of one's own name is fine; taking or imitating another's is not.
        if (!clash || clash.id !== user.id) this.assertFree(name, user.id);
        this.store.users.rename(user.id, name);
        this.store.audit.append(
          { actor, action: 'user.renamed', userId: user.id, details: { from: user.name, to: name } },
          at,
        );
        return { ...user, name };
      });
    } catch (e) {
      throw uniqueName(e, name);
    }
  }

  /**
   * Refused while the wallet holds funds (as last seen on chain) or the user
   * has open positions, unless forced, and forcing needs a prior export: the
   * wallet's secret is deleted with the user, so it must be safe elsewhere.
   */
  remove(ref: string | number, opts: RemoveOptions, actor: string): { user: UserRow; forced: boolean } {
    const at = isoTime(this.clock);
    return this.store.tx(() => {
      const user = this.resolve(ref);
      const wallet = this.store.wallets.byUser(user.id);
      const funded = wallet ? this.store.holdings.balances(wallet.address).filter((b) => b.amount > 0n) : [];
      const openPositions = this.store.holdings.openPositionCount(user.id);
      const holds = funded.length > 0 || openPositions > 0;
      if (holds) {
        const what = [
          funded.length > 0 ? `funds (${funded.map((b) => `${b.amount} of ${b.mint}`).join(', ')})` : '',
          openPositions > 0 ? `${openPositions} open position(s)` : '',
        ]
          .filter(Boolean)
          .join(' and ');
        if (!opts.force) {
          throw new HarvestError(
            'REFUSED',
            `User "${user.name}" still has ${what}. Withdraw or close them first, or export the wallet and remove with --force.`,
          );
        }
        if (!wallet?.exportedAt) {
          throw new HarvestError(
            'REFUSED',
            `User "${user.name}" still has ${what}; --force is only allowed after the wallet has been exported (harvest wallet export "${user.name}" --confirm), so the keys are not lost.`,
          );
        }
      }
      this.store.users.delete(user.id);
      this.store.audit.append(
        {
          actor,
          action: 'user.removed',
          userId: user.id,
          details: { name: user.name, address: wallet?.address ?? null, forced: holds },
        },
        at,
      );
      this.log.info({ userId: user.id, forced: holds }, 'user removed');
      return { user, forced: holds };
    });
  }

  /** Refuses a name taken (ignoring case) or one that looks like another user's (same skeleton). */
  private assertFree(name: string, self: number | null = null): void {
    if (this.store.users.byName(name)) {
      throw new HarvestError('CONFLICT', `A user called "${name}" already exists; names are unique (ignoring case).`);
    }
    const sk = skeleton(name);
    // A handful of friends: comparing against each is cheaper than keeping skeletons in step in the schema.
    const twin = this.store.users.list().find((u) => u.id !== self && skeleton(u.name) === sk);
    if (twin) {
      throw new HarvestError(
        'CONFLICT',
        `"${name}" looks like the existing user "${twin.name}" (letters from another alphabet, or ones that pass for each other, such as 0 and O). Choose a name that reads differently.`,
      );
    }
  }
}

function parseName(raw: string): string {
  const r = UserNameSchema.safeParse(raw);
  if (!r.success) throw new HarvestError('INVALID_INPUT', r.error.issues.map((i) => i.message).join(' '));
  return r.data;
}

function uniqueName(e: unknown, name: string): unknown {
  if (e instanceof Error && 'code' in e && (e as { code: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new HarvestError('CONFLICT', `A user called "${name}" already exists; names are unique (ignoring case).`);
  }
  return e;
}
