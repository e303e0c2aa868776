import {
  address,
  appendTransactionMessageInstruction,
  blockhash,
  compileTransaction,
  createKeyPairFromPrivateKeyBytes,
  createTransactionMessage,
  getAddressDecoder,
  getAddressEncoder,
  getAddressFromPublicKey,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransaction,
  type Address,
} from '@solana/kit';
import { createChainClient, type ChainClientOptions } from '../../../../engine/chain';
import { TOKEN_ACCOUNT_SIZE } from '../../../../engine/chain/programs';
import type { TestClock } from './clock';
import { drive } from './clock';

const addressDecoder = getAddressDecoder();
const addressEncoder = getAddressEncoder();

/** A small deterministic PRNG (mulberry32) so property runs can derive hundreds of values from one seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

export function randomAddress(rand: () => number): Address {
  return addressDecoder.decode(randomBytes(rand, 32));
}

export function randomU64(rand: () => number): bigint {
  const edge = rand();
  if (edge < 0.1) return 0n;
  if (edge < 0.2) return 18446744073709551615n;
  if (edge < 0.3) return 9007199254740993n; // 2^53 + 1: not representable as a double
  const hi = BigInt(Math.floor(rand() * 2 ** 32));
  const lo = BigInt(Math.floor(rand() * 2 ** 32));
  return (hi << 32n) | lo;
}

/** An initialized SPL token account; Token-2022 layout adds the account-type byte and an ImmutableOwner extension. */
export function tokenAccountData(mint: Address, owner: Address, amount: bigint, token2022 = false): Uint8Array {
  const data = new Uint8Array(token2022 ? TOKEN_ACCOUNT_SIZE + 5 : TOKEN_ACCOUNT_SIZE);
  data.set(addressEncoder.encode(mint), 0);
  data.set(addressEncoder.encode(owner), 32);
  new DataView(data.buffer).setBigUint64(64, amount, true);
  data[108] = 1; // AccountState::Initialized
  if (token2022) {
    data[165] = 2; // AccountType::Account
    data[166] = 7; // ExtensionType::ImmutableOwner (u16 LE), length 0
  }
  return data;
}

const MEMO_PROGRAM = address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');

/** A real signed v0 transaction (a memo), as wire bytes, with its fee payer. */
export async function signedTransaction(seed = 1, memo = 'harvest'): Promise<{ bytes: Uint8Array; payer: Address }> {
  const keyPair = await createKeyPairFromPrivateKeyBytes(new Uint8Array(32).fill(seed));
  const payer = await getAddressFromPublicKey(keyPair.publicKey);
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(payer, m),
    (m) =>
      setTransactionMessageLifetimeUsingBlockhash(
        { blockhash: blockhash('EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N'), lastValidBlockHeight: 1000n },
        m,
      ),
    (m) =>
      appendTransactionMessageInstruction({ programAddress: MEMO_PROGRAM, data: new TextEncoder().encode(memo) }, m),
  );
  const signed = await signTransaction([keyPair], compileTransaction(message));
  return { bytes: new Uint8Array(getTransactionEncoder().encode(signed)), payer };
}

export type TestClient = ReturnType<typeof createChainClient>;

/** A client on the test clock plus a helper that runs a call to completion on virtual time. */
export function testClient(clock: TestClock, opts: Omit<ChainClientOptions, 'clock'>) {
  const client = createChainClient({ random: () => 0.5, ...opts, clock });
  const run = <T>(p: Promise<T>, advanceWhileBusyAfterMs?: number): Promise<T> =>
    drive(clock, p, {
      busy: () => client.stats().inFlight > 0,
      ...(advanceWhileBusyAfterMs !== undefined ? { advanceWhileBusyAfterMs } : {}),
    });
  return { client, run };
}
