import QRCode from 'qrcode';

/** A QR code drawn with Unicode half blocks, for a terminal. */
export function terminalQr(text: string): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const dark = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < size && y < size && qr.modules.get(y, x) === 1;
  const lines: string[] = [];
  for (let y = -2; y < size + 2; y += 2) {
    let line = '';
    for (let x = -2; x < size + 2; x++) {
      const top = dark(x, y);
      const bottom = dark(x, y + 1);
      // Light modules are drawn, dark ones left blank, so it scans on a dark terminal background.
      line += top ? (bottom ? ' ' : '▄') : bottom ? '▀' : '█';
    }
    lines.push(line);
  }
  return lines.join('\n');
}
