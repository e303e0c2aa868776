import { ManualClock } from '../engine/kernel/clock';
import { SandboxLedger } from '../engine/sandbox/ledger';
import { generateKeyPairSigner, pipe, createTransactionMessage, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash, appendTransactionMessageInstruction, signTransactionMessageWithSigners, getBase64EncodedWireTransaction, getTransactionEncoder, blockhash, lamports } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';

const clock = new ManualClock(1_700_000_000_000);
const l = SandboxLedger.open({ dir: null, clock });
console.log('slot', l.currentSlot(), l.latestBlockhash());
const a = await generateKeyPairSigner();
const b = await generateKeyPairSigner();
const sig = l.airdrop(a.address, 5_000_000_000n);
console.log('airdrop', sig, l.landed(sig));
const bh = l.latestBlockhash();
const msg = pipe(createTransactionMessage({ version: 0 }), (m) => setTransactionMessageFeePayerSigner(a, m), (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(bh.blockhash), lastValidBlockHeight: bh.lastValidBlockHeight }, m), (m) => appendTransactionMessageInstruction(getTransferSolInstruction({ source: a, destination: b.address, amount: lamports(1_000_000n) }), m));
const tx = await signTransactionMessageWithSigners(msg);
const wire = new Uint8Array(getTransactionEncoder().encode(tx));
const s2 = l.send(wire);
console.log('sent', s2, l.landed(s2));
console.log(l.account(a.address)?.lamports, l.account(b.address)?.lamports);
// fail: transfer too much with skipPreflight
const msg2 = pipe(createTransactionMessage({ version: 'legacy' }), (m) => setTransactionMessageFeePayerSigner(a, m), (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(bh.blockhash), lastValidBlockHeight: bh.lastValidBlockHeight }, m), (m) => appendTransactionMessageInstruction(getTransferSolInstruction({ source: a, destination: b.address, amount: lamports(100_000_000_000n) }), m));
const tx2 = await signTransactionMessageWithSigners(msg2);
const wire2 = new Uint8Array(getTransactionEncoder().encode(tx2));
try { l.send(wire2); } catch (e) { console.log('preflight', e); }
const s3 = l.send(wire2, { skipPreflight: true });
console.log('landed fail', l.landed(s3));
console.log(getBase64EncodedWireTransaction(tx2).slice(0, 20));
l.close();
