import { HarvestError } from '../kernel/errors';
import type { Store } from '../store';

export interface DepositInfo {
  address: string;
  /** A Solana Pay style URI that wallets open as "send to this address". */
  uri: string;
  /** The URI as a QR code, an SVG document. */
  qrSvg: string;
}

export async function depositInfo(store: Store, userId: number): Promise<DepositInfo> {
  const wallet = store.wallets.byUser(userId);
  if (!wallet) throw new HarvestError('NOT_FOUND', 'This user has no wallet yet; create or import one first.');
  const uri = `solana:${wallet.address}`;
  // Loaded here, not at import: only this command draws a QR code, and light commands must start fast.
  const { default: QRCode } = await import('qrcode');
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { address: wallet.address, uri, qrSvg };
}
