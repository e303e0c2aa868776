import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { appIconPng, TRAY_COLOURS, trayIconPng, type TrayState } from '../../../electron/icons';

const root = join(import.meta.dirname, '..', '..', '..');

/** A minimal PNG reader (8-bit RGBA, filter 0 — what encodePng writes), checking every chunk's CRC. */
function decode(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => number[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 4 + 1) * height);
  return {
    width,
    height,
    pixel: (x, y) => {
      const i = y * (width * 4 + 1) + 1 + x * 4;
      return [...raw.subarray(i, i + 4)];
    },
  };
}

describe('icons', () => {
  it('tray icons are valid 32 px PNGs in the colour of their state, transparent in the corners', () => {
    const states: TrayState[] = ['running', 'paused', 'halted'];
    const pngs = states.map((s) => trayIconPng(s));
    expect(new Set(pngs.map((p) => p.toString('base64'))).size).toBe(3);
    for (const [i, s] of states.entries()) {
      const img = decode(pngs[i]!);
      expect([img.width, img.height]).toEqual([32, 32]);
      expect(img.pixel(0, 0)[3]).toBe(0);
      // Just inside the rim: the state's colour, fully opaque.
      expect(img.pixel(16, 3)).toEqual([...TRAY_COLOURS[s]]);
    }
  });

  it('the committed icons are exactly what build/make-icons.ts draws', () => {
    expect(readFileSync(join(root, 'build', 'icon.png')).equals(appIconPng(1024))).toBe(true);
    for (const s of ['running', 'paused', 'halted'] as const) {
      expect(readFileSync(join(root, 'build', 'icons', `tray-${s}.png`)).equals(trayIconPng(s, 32))).toBe(true);
    }
    const app = decode(readFileSync(join(root, 'build', 'icon.png')));
    expect([app.width, app.height]).toEqual([1024, 1024]);
  });
});
