import { ManualClock } from '../engine/kernel/clock';
import { SandboxLedger } from '../engine/sandbox/ledger';
import { generateKeyPairSigner } from '@solana/kit';
const clock = new ManualClock(1_700_000_000_000);
const l = SandboxLedger.open({ dir: null, clock });
const a = await generateKeyPairSigner();
console.log(l.airdrop(a.address, 1_000_000_000n));
try { console.log(l.airdrop(a.address, 1_000_000_000n)); } catch (e) { console.log('second airdrop failed', (e as Error).message); }
clock.advance(400);
try { console.log(l.airdrop(a.address, 1_000_000_000n)); } catch (e) { console.log('third airdrop failed', (e as Error).message); }
console.log(l.account(a.address)?.lamports);
console.log(l.svm.getClock().slot, l.svm.latestBlockhash());
