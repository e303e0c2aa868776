import { z } from 'zod';
import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Store, WalletRow } from '../store';
import {
  generateMnemonic,
  keypairFromMnemonic,
  keypairFromSecretKey,
  keypairFromSeed,
  secretKeyBytes,
  SOLANA_DERIVATION_PATH,
  toBase58,
  type Keypair,
} from './derivation';
import { open, seal, walletAad, type MasterKey } from './seal';

/** What is sealed: never stored or logged in any other form. */
const SecretPayload = z.discriminatedUnion('kind', [
  z.object({
    v: z.literal(1),
    kind: z.literal('mnemonic'),
    mnemonic: z.string(),
    passphrase: z.string(),
    path: z.string(),
    /**
     * The ed25519 seed the phrase derives at `path`, kept beside it so signing
     * never runs the phrase's 2048-round PBKDF2 again (absent in wallets sealed
     * before it existed: added on their first unlock).
     */
    signingSeed: z
      .string()
      .regex(/^[0-9a-f]{64}$/u)
      .optional(),
  }),
  z.object({ v: z.literal(1), kind: z.literal('secret_key'), seed: z.string() }),
]);
type SecretPayload = z.infer<typeof SecretPayload>;

export type WalletImport = { mnemonic: string; passphrase?: string } | { secretKey: string };

export interface WalletInfo {
  userId: number;
  address: string;
  origin: 'created' | 'imported';
  kind: 'mnemonic' | 'secret_key';
  createdAt: string;
  exportedAt: string | null;
}

export type WalletExport =
  | { kind: 'mnemonic'; address: string; mnemonic: string; passphrase: string; derivationPath: string }
  | { kind: 'secret_key'; address: string; secretKeyBase58: string; secretKeyJson: string };

export const infoOf = (w: WalletRow): WalletInfo => ({
  userId: w.userId,
  address: w.address,
  origin: w.origin,
  kind: w.secretKind,
  createdAt: w.createdAt,
  exportedAt: w.exportedAt,
});

/**
 * Wallet secrets in and out. Every method names the user it acts for and only
 * ever touches that user's wallet row.
 */
export class WalletVault {
  constructor(
    private readonly store: Store,
    private readonly key: () => MasterKey,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  create(userId: number, words: 12 | 24, actor: string): { address: string; mnemonic: string } {
    const mnemonic = generateMnemonic(words);
    const kp = keypairFromMnemonic(mnemonic);
    this.insert(
      userId,
      kp,
      'created',
      {
        v: 1,
        kind: 'mnemonic',
        mnemonic,
        passphrase: '',
        path: SOLANA_DERIVATION_PATH,
        signingSeed: Buffer.from(kp.seed).toString('hex'),
      },
      actor,
      {
        words,
      },
    );
    return { address: kp.address, mnemonic };
  }

  import(userId: number, input: WalletImport, actor: string): { address: string } {
    if ('mnemonic' in input) {
      const passphrase = input.passphrase ?? '';
      const kp = keypairFromMnemonic(input.mnemonic, passphrase);
      const mnemonic = input.mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
      this.insert(
        userId,
        kp,
        'imported',
        {
          v: 1,
          kind: 'mnemonic',
          mnemonic,
          passphrase,
          path: SOLANA_DERIVATION_PATH,
          signingSeed: Buffer.from(kp.seed).toString('hex'),
        },
        actor,
        {
          format: 'mnemonic',
          withPassphrase: passphrase !== '',
        },
      );
      return { address: kp.address };
    }
    const kp = keypairFromSecretKey(input.secretKey);
    this.insert(
      userId,
      kp,
      'imported',
      { v: 1, kind: 'secret_key', seed: Buffer.from(kp.seed).toString('hex') },
      actor,
      {
        format: input.secretKey.trim().startsWith('[') ? 'json' : 'base58',
      },
    );
    return { address: kp.address };
  }

  /** The caller must have obtained explicit confirmation; every export is audited. */
  export(userId: number, actor: string): WalletExport {
    const w = this.requireWallet(userId);
    const payload = this.openPayload(w);
    const at = isoTime(this.clock);
    this.store.tx(() => {
      this.store.wallets.markExported(w.id, at);
      this.store.audit.append(
        { actor, action: 'wallet.exported', userId, details: { address: w.address, kind: payload.kind } },
        at,
      );
    });
    this.log.warn({ userId, address: w.address }, 'wallet secret exported');
    if (payload.kind === 'mnemonic') {
      return {
        kind: 'mnemonic',
        address: w.address,
        mnemonic: payload.mnemonic,
        passphrase: payload.passphrase,
        derivationPath: payload.path,
      };
    }
    const sk = secretKeyBytes(keypairFromSeed(Buffer.from(payload.seed, 'hex')));
    return {
      kind: 'secret_key',
      address: w.address,
      secretKeyBase58: toBase58(sk),
      secretKeyJson: JSON.stringify(Array.from(sk)),
    };
  }

  info(userId: number): WalletInfo | null {
    const w = this.store.wallets.byUser(userId);
    return w ? infoOf(w) : null;
  }

  /** Opens a user's keypair for signing; the only way a private key leaves the vault. */
  keypair(userId: number): Keypair {
    const w = this.requireWallet(userId);
    const payload = this.openPayload(w);
    const kp = keypairFromPayload(payload);
    if (kp.address !== w.address) {
      throw new HarvestError('TAMPERED', `The secret stored for user ${userId} does not derive its recorded address.`);
    }
    // A phrase sealed without its derived seed (an older wallet): derived once here, then sealed
    // beside the phrase under the same key and binding, so later signatures skip the PBKDF2.
    if (payload.kind === 'mnemonic' && payload.signingSeed === undefined) {
      const plain = Buffer.from(
        JSON.stringify({ ...payload, signingSeed: Buffer.from(kp.seed).toString('hex') } satisfies SecretPayload),
        'utf8',
      );
      try {
        this.store.wallets.reseal(w.id, seal(this.key(), plain, walletAad(w.userId, w.address)));
      } finally {
        plain.fill(0);
      }
    }
    return kp;
  }

  private requireWallet(userId: number): WalletRow {
    const w = this.store.wallets.byUser(userId);
    if (!w) throw new HarvestError('NOT_FOUND', `User ${userId} has no wallet yet; create or import one first.`);
    return w;
  }

  private openPayload(w: WalletRow): SecretPayload {
    const plain = open(this.key(), w.sealed, walletAad(w.userId, w.address), `The wallet secret of user ${w.userId}`);
    try {
      return SecretPayload.parse(JSON.parse(plain.toString('utf8')));
    } finally {
      plain.fill(0);
    }
  }

  private insert(
    userId: number,
    kp: Keypair,
    origin: 'created' | 'imported',
    payload: SecretPayload,
    actor: string,
    details: Record<string, unknown>,
  ): void {
    const at = isoTime(this.clock);
    const plain = Buffer.from(JSON.stringify(payload), 'utf8');
    try {
      const sealed = seal(this.key(), plain, walletAad(userId, kp.address));
      this.store.tx(() => {
        if (!this.store.users.byId(userId)) throw new HarvestError('NOT_FOUND', `No user with id ${userId}.`);
        if (this.store.wallets.byUser(userId)) {
          throw new HarvestError(
            'CONFLICT',
            `User ${userId} already has a wallet. Each user has exactly one; export it before replacing the user.`,
          );
        }
        const other = this.store.wallets.byAddress(kp.address);
        if (other) {
          throw new HarvestError(
            'CONFLICT',
            `Address ${kp.address} already belongs to another user (id ${other.userId}); one wallet cannot serve two users.`,
          );
        }
        this.store.wallets.insert({
          userId,
          address: kp.address,
          origin,
          secretKind: payload.kind,
          sealed,
          createdAt: at,
        });
        this.store.audit.append(
          {
            actor,
            action: origin === 'created' ? 'wallet.created' : 'wallet.imported',
            userId,
            details: { address: kp.address, kind: payload.kind, ...details },
          },
          at,
        );
      });
    } catch (e) {
      throw mapConstraint(e, userId, kp.address);
    } finally {
      plain.fill(0);
    }
    this.log.info({ userId, address: kp.address, origin }, 'wallet stored');
  }
}

function keypairFromPayload(p: SecretPayload): Keypair {
  if (p.kind === 'mnemonic')
    return p.signingSeed !== undefined
      ? keypairFromSeed(Buffer.from(p.signingSeed, 'hex'))
      : keypairFromMnemonic(p.mnemonic, p.passphrase, p.path);
  return keypairFromSeed(Buffer.from(p.seed, 'hex'));
}

/** A unique-constraint race (two processes) becomes the same clear error as the checked case. */
function mapConstraint(e: unknown, userId: number, address: string): unknown {
  if (e instanceof Error && 'code' in e && (e as { code: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return e.message.includes('wallets.user_id')
      ? new HarvestError('CONFLICT', `User ${userId} already has a wallet.`)
      : new HarvestError('CONFLICT', `Address ${address} already belongs to another user.`);
  }
  return e;
}
