import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getBase58Decoder } from '@solana/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { keypairFromMnemonic, keypairFromSecretKey, secretKeyBytes } from '../../engine/keystore';
import { json, runHarvest, type CliResult } from '../helpers/cli';
import { tempDataDir } from '../helpers/datadir';

const b58 = (b: Uint8Array): string => getBase58Decoder().decode(b);
const IMPORTED_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const BIP39_PASSPHRASE = 'my very private bip39 words';
const BACKUP_PASSPHRASE = 'a long backup passphrase nobody guesses';

/** Every textual and binary form in which a secret could leak. */
function forms(secret: {
  mnemonic?: string;
  seed?: Uint8Array;
  secretKey?: Uint8Array;
  text?: string;
}): { label: string; bytes: Buffer }[] {
  const out: { label: string; bytes: Buffer }[] = [];
  if (secret.text) out.push({ label: 'text', bytes: Buffer.from(secret.text) });
  if (secret.mnemonic) {
    out.push({ label: 'mnemonic', bytes: Buffer.from(secret.mnemonic) });
    // A run of four consecutive words is already a leak worth catching.
    const words = secret.mnemonic.split(' ');
    out.push({ label: 'mnemonic words', bytes: Buffer.from(words.slice(2, 6).join(' ')) });
  }
  for (const [label, raw] of [
    ['seed', secret.seed],
    ['secret key', secret.secretKey],
  ] as const) {
    if (!raw) continue;
    out.push({ label: `${label} raw`, bytes: Buffer.from(raw) });
    out.push({ label: `${label} hex`, bytes: Buffer.from(Buffer.from(raw).toString('hex')) });
    out.push({ label: `${label} base64`, bytes: Buffer.from(Buffer.from(raw).toString('base64')) });
    out.push({ label: `${label} base58`, bytes: Buffer.from(b58(raw)) });
    out.push({ label: `${label} json`, bytes: Buffer.from(JSON.stringify(Array.from(raw))) });
    out.push({ label: `${label} json spaced`, bytes: Buffer.from(Array.from(raw).join(', ')) });
  }
  return out;
}

describe('secrets never leak into logs, errors or the database', () => {
  let cleanup: () => void = () => undefined;
  afterEach(() => cleanup());

  it('create / import / export / rotate / backup at debug level leave no secret outside ciphertext', async () => {
    const t = tempDataDir();
    cleanup = t.cleanup;
    const env = { HARVEST_LOG_LEVEL: 'debug' };
    const h = (args: string[], input?: string): Promise<CliResult> =>
      runHarvest(['--data-dir', t.dir, '--json', '--verbose', ...args], {
        env,
        ...(input !== undefined ? { input } : {}),
      });
    const transcript: CliResult[] = [];
    const step = async (args: string[], input?: string, expectCode = 0): Promise<CliResult> => {
      const r = await h(args, input);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expectCode);
      transcript.push(r);
      return r;
    };

    await step(['user', 'add', 'alice']);
    await step(['user', 'add', 'bob']);
    await step(['user', 'add', 'carol']);
    const created = json<{ mnemonic: string }>(await step(['wallet', 'create', 'alice', '--words', '24']));
    // Creation shows the phrase once, on stdout, by design; everything else is searched.
    transcript[transcript.length - 1] = { ...transcript[transcript.length - 1]!, stdout: '' };
    await step(
      ['wallet', 'import', 'bob', '--mnemonic-stdin', '--bip39-passphrase'],
      `${IMPORTED_MNEMONIC}\n${BIP39_PASSPHRASE}\n`,
    );
    const carolKp = keypairFromMnemonic(
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      'x',
    );
    const carolSecret = secretKeyBytes(carolKp);
    await step(['wallet', 'import', 'carol', '--secret-key-stdin'], JSON.stringify(Array.from(carolSecret)));

    // Error paths must not echo the secret they were given.
    const badPhrase = IMPORTED_MNEMONIC.replace('yellow', 'zoo');
    await step(['user', 'add', 'dave']);
    const e1 = await step(['wallet', 'import', 'dave', '--mnemonic-stdin'], badPhrase, 1);
    const damaged = Uint8Array.from(carolSecret);
    damaged[63] = damaged[63]! ^ 1;
    const e2 = await step(['wallet', 'import', 'dave', '--secret-key-stdin'], b58(damaged), 1);
    const e3 = await step(['wallet', 'import', 'bob', '--secret-key-stdin'], b58(carolSecret), 1);

    const exportedAlice = await h(['wallet', 'export', 'alice', '--confirm']);
    const exportedBob = await h(['wallet', 'export', 'bob', '--confirm']);
    const exportedCarol = await h(['wallet', 'export', 'carol', '--confirm']);
    for (const r of [exportedAlice, exportedBob, exportedCarol]) expect(r.code).toBe(0);
    // The export is the one place a secret is meant to appear: on stdout, never on stderr.
    expect(json<{ mnemonic: string }>(exportedAlice).mnemonic).toBe(created.mnemonic);
    transcript.push({ ...exportedAlice, stdout: '' }, { ...exportedBob, stdout: '' }, { ...exportedCarol, stdout: '' });

    await step(['keys', 'rotate']);
    const backup = join(t.dir, '..', 'kit.hvbk');
    await step(['backup', 'create', backup], `${BACKUP_PASSPHRASE}\n`);
    await step(['audit', 'list', '--limit', '1000']);

    const secrets = [
      ...forms({
        mnemonic: created.mnemonic,
        seed: keypairFromMnemonic(created.mnemonic).seed,
        secretKey: secretKeyBytes(keypairFromMnemonic(created.mnemonic)),
      }),
      ...forms({
        mnemonic: IMPORTED_MNEMONIC,
        text: BIP39_PASSPHRASE,
        seed: keypairFromMnemonic(IMPORTED_MNEMONIC, BIP39_PASSPHRASE).seed,
      }),
      ...forms({ seed: carolKp.seed, secretKey: carolSecret }),
      ...forms({ secretKey: damaged, mnemonic: badPhrase }),
      ...forms({ text: BACKUP_PASSPHRASE }),
    ];
    // Sanity: the secrets really are the wallets'.
    expect(keypairFromSecretKey(JSON.stringify(Array.from(carolSecret))).address).toBe(carolKp.address);

    const haystacks: { where: string; bytes: Buffer }[] = [];
    for (const r of transcript) {
      haystacks.push(
        { where: 'stderr', bytes: Buffer.from(r.stderr) },
        { where: 'stdout', bytes: Buffer.from(r.stdout) },
      );
    }
    for (const e of [e1, e2, e3]) expect(e.stderr.trim().split('\n')).toHaveLength(1);
    const logDir = join(t.dir, 'logs');
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f)));
    expect(Buffer.concat(logs).toString()).toContain('"level":20'); // debug lines were written
    haystacks.push(...logs.map((bytes) => ({ where: 'log file', bytes })));
    for (const f of ['harvest.db', 'harvest.db-wal', 'harvest.db-shm']) {
      const p = join(t.dir, f);
      if (existsSync(p)) haystacks.push({ where: f, bytes: readFileSync(p) });
    }
    haystacks.push({ where: 'backup file', bytes: readFileSync(backup) });

    const leaks: string[] = [];
    for (const s of secrets) {
      for (const hs of haystacks) if (hs.bytes.includes(s.bytes)) leaks.push(`${s.label} in ${hs.where}`);
    }
    expect(leaks).toEqual([]);
  });
});
