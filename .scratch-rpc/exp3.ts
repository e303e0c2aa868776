import { ManualClock } from '../engine/kernel/clock';
import { SandboxLedger, COMPUTE_BUDGET_PROGRAM } from '../engine/sandbox/ledger';
import { generateKeyPairSigner, pipe, createTransactionMessage, setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash, appendTransactionMessageInstructions, signTransactionMessageWithSigners, getTransactionEncoder, blockhash, lamports, type Instruction } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
const clock = new ManualClock(1_700_000_000_000);
const l = SandboxLedger.open({ dir: null, clock });
const a = await generateKeyPairSigner();
const b = await generateKeyPairSigner();
l.airdrop(a.address, 5_000_000_000n);
const bh = l.latestBlockhash();
function cb(kind: number, v: bigint, size: number): Instruction {
  const d = new Uint8Array(1 + size); d[0] = kind; const dv = new DataView(d.buffer);
  if (size === 4) dv.setUint32(1, Number(v), true); else dv.setBigUint64(1, v, true);
  return { programAddress: COMPUTE_BUDGET_PROGRAM, data: d };
}
for (const ixs of [[cb(3, 1_000_000n, 8)], [cb(2, 50_000n, 4), cb(3, 12_345n, 8)]]) {
  const msg = pipe(createTransactionMessage({ version: 0 }), (m) => setTransactionMessageFeePayerSigner(a, m), (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(bh.blockhash), lastValidBlockHeight: bh.lastValidBlockHeight }, m), (m) => appendTransactionMessageInstructions([...ixs, getTransferSolInstruction({ source: a, destination: b.address, amount: lamports(1_000_000n) })], m));
  const tx = await signTransactionMessageWithSigners(msg);
  const s = l.send(new Uint8Array(getTransactionEncoder().encode(tx)));
  const r = l.landed(s)!;
  console.log('recorded fee', r.fee, 'actual', r.preBalances[0]! - r.postBalances[0]! - 1_000_000n, r.computeUnits);
}
