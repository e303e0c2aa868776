import { isAddress, type Address } from '@solana/kit';
import { isoTime, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { EventBus } from '../kernel/event-bus';
import {
  ADDRESS_LOOKUP_TABLE_PROGRAM,
  ASSOCIATED_TOKEN_PROGRAM,
  SYSTEM_PROGRAM,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
} from '../keystore/instructions';
import { ALLOWED_PROGRAMS } from '../keystore/signer';
import type { Store, WhitelistEntry } from '../store';

/**
 * Addresses that are never a withdrawal recipient: the programs Harvest's
 * transactions use. A program cannot use what is sent to it (SOL sent to the
 * System Program or a token program is lost for good), and each is a name a
 * phishing "send to this address" could borrow.
 */
const PROGRAM_NAMES: ReadonlyMap<string, string> = new Map<string, string>([
  [SYSTEM_PROGRAM, 'the System Program'],
  [TOKEN_PROGRAM, 'the SPL Token program'],
  [TOKEN_2022_PROGRAM, 'the Token-2022 program'],
  [ASSOCIATED_TOKEN_PROGRAM, 'the Associated Token Account program'],
]);

function programAt(addr: string): string | null {
  if (PROGRAM_NAMES.has(addr)) return PROGRAM_NAMES.get(addr)!;
  return ALLOWED_PROGRAMS.has(addr as Address) || addr === ADDRESS_LOOKUP_TABLE_PROGRAM ? 'a program' : null;
}

/**
 * Where a user's funds may go. A new address becomes usable only after a
 * delay (24 h by default; none in the sandbox), so a stolen UI session cannot
 * add an address and drain the wallet at once. Every change is audited.
 */
export class Whitelist {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly delayMs: number,
  ) {}

  list(userId: number): (WhitelistEntry & { usable: boolean })[] {
    return this.store.funds.whitelist(userId).map((e) => this.withUsability(e));
  }

  /**
   * An entry is usable once both its recorded time and this network's delay since it was added
   * have passed: an address added while the data directory was on the sandbox (no delay) still
   * waits out mainnet's delay, counted from when it was added.
   */
  private withUsability(e: WhitelistEntry): WhitelistEntry & { usable: boolean } {
    const at = Math.max(Date.parse(e.usableAt), Date.parse(e.addedAt) + this.delayMs);
    return { ...e, usableAt: new Date(at).toISOString(), usable: at <= this.clock.now() };
  }

  add(userId: number, address: string, label: string, actor: string): WhitelistEntry & { usable: boolean } {
    const addr = parseAddress(address);
    const wallet = this.store.wallets.byUser(userId);
    if (wallet?.address === addr)
      throw new HarvestError('INVALID_INPUT', 'That is the user’s own wallet; whitelist an outside address.');
    const program = programAt(addr);
    if (program !== null)
      throw new HarvestError(
        'INVALID_INPUT',
        `${addr} is ${program}, not a wallet: funds sent there are lost. Whitelist the address of a wallet you control.`,
      );
    const at = isoTime(this.clock);
    const usableAt = new Date(this.clock.now() + this.delayMs).toISOString();
    this.store.tx(() => {
      if (this.store.funds.whitelistEntry(userId, addr)) {
        throw new HarvestError('CONFLICT', `${addr} is already on this user's whitelist.`);
      }
      this.store.funds.addWhitelist(userId, addr, label, at, usableAt);
      this.store.audit.append(
        { actor, action: 'whitelist.added', userId, details: { address: addr, label, usableAt } },
        at,
      );
      this.bus.emit('whitelist.changed', userId, { action: 'added', address: addr, usableAt });
    });
    return this.withUsability(this.store.funds.whitelistEntry(userId, addr)!);
  }

  remove(userId: number, address: string, actor: string): void {
    const addr = parseAddress(address);
    const at = isoTime(this.clock);
    this.store.tx(() => {
      if (!this.store.funds.removeWhitelist(userId, addr, at)) {
        throw new HarvestError('NOT_FOUND', `${addr} is not on this user's whitelist.`);
      }
      this.store.audit.append({ actor, action: 'whitelist.removed', userId, details: { address: addr } }, at);
      this.bus.emit('whitelist.changed', userId, { action: 'removed', address: addr, usableAt: null });
    });
  }

  /** Throws REFUSED with the reason unless `address` may receive funds now. */
  assertUsable(userId: number, address: Address): void {
    const entry = this.store.funds.whitelistEntry(userId, address);
    if (!entry) {
      throw new HarvestError(
        'REFUSED',
        `${address} is not on this user's withdrawal whitelist. Add it with \`harvest whitelist add\` first.`,
      );
    }
    const { usable, usableAt } = this.withUsability(entry);
    if (!usable) {
      throw new HarvestError('REFUSED', `${address} was whitelisted recently and becomes usable at ${usableAt}.`);
    }
  }
}

export function parseAddress(text: string): Address {
  const t = text.trim();
  if (!isAddress(t)) throw new HarvestError('INVALID_INPUT', `"${text}" is not a Solana address.`);
  return t;
}
