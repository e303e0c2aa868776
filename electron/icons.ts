import { deflateSync } from 'node:zlib';

/**
 * Icons drawn in code: the tray's three states are generated at run time (no
 * files to locate inside an asar), and build/make-icons.ts writes the app icon
 * electron-builder needs from the same functions. No image library needed.
 */

export type TrayState = 'running' | 'paused' | 'halted';

type Rgba = readonly [number, number, number, number];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes straight RGBA pixels (row-major, 4 bytes each) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4)
    throw new Error(`expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Draws with 4×4 supersampling: `shade(x, y)` in unit coordinates (0..1) returns a colour or null. */
function render(size: number, shade: (x: number, y: number) => Rgba | null): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size);
          if (!c) continue;
          const ca = c[3] / 255;
          r += c[0] * ca;
          g += c[1] * ca;
          b += c[2] * ca;
          a += ca;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
      }
      out[i + 3] = Math.round((a / (ss * ss)) * 255);
    }
  }
  return out;
}

/** The colour of each tray state: green running, amber paused, red halted. */
export const TRAY_COLOURS: Record<TrayState, Rgba> = {
  running: [34, 160, 90, 255],
  paused: [230, 160, 20, 255],
  halted: [210, 45, 45, 255],
};
const WHITE: Rgba = [255, 255, 255, 255];

/**
 * A round status badge: a play triangle (running), two bars (paused) or a
 * square (halted) on the state's colour, so the state reads without colour too.
 */
export function trayIconPixels(state: TrayState, size: number): Uint8Array {
  const bg = TRAY_COLOURS[state];
  return render(size, (x, y) => {
    const dx = x - 0.5;
    const dy = y - 0.5;
    if (dx * dx + dy * dy > 0.47 * 0.47) return null;
    switch (state) {
      case 'running': {
        // Triangle pointing right: (0.38,0.28) (0.38,0.72) (0.74,0.5).
        const inside = x >= 0.38 && Math.abs(y - 0.5) <= ((0.74 - x) / 0.36) * 0.22;
        return inside ? WHITE : bg;
      }
      case 'paused': {
        const bar = (x >= 0.33 && x <= 0.45) || (x >= 0.55 && x <= 0.67);
        return bar && y >= 0.3 && y <= 0.7 ? WHITE : bg;
      }
      case 'halted':
        return x >= 0.32 && x <= 0.68 && y >= 0.32 && y <= 0.68 ? WHITE : bg;
    }
  });
}

export function trayIconPng(state: TrayState, size = 32): Buffer {
  return encodePng(size, size, trayIconPixels(state, size));
}

/** The application icon: a green rounded square with a white sprout. */
export function appIconPng(size = 512): Buffer {
  const top: Rgba = [46, 170, 100, 255];
  const bottom: Rgba = [20, 110, 70, 255];
  // The background gradient, one colour per output row (sub-pixel differences do not show).
  const rows: Rgba[] = Array.from({ length: size }, (_, py) => {
    const t = (py + 0.5) / size;
    return [
      Math.round(top[0] + (bottom[0] - top[0]) * t),
      Math.round(top[1] + (bottom[1] - top[1]) * t),
      Math.round(top[2] + (bottom[2] - top[2]) * t),
      255,
    ] as const;
  });
  // Two leaves: ellipses tilted away from the stem.
  const leaves = [
    { ox: 0.36, oy: 0.42, c: Math.cos(Math.PI / 5), s: Math.sin(Math.PI / 5) },
    { ox: 0.64, oy: 0.34, c: Math.cos(-Math.PI / 5), s: Math.sin(-Math.PI / 5) },
  ];
  const inLeaf = (x: number, y: number): boolean =>
    leaves.some(({ ox, oy, c, s }) => {
      const lx = (x - ox) * c + (y - oy) * s;
      const ly = -(x - ox) * s + (y - oy) * c;
      return (lx / 0.17) ** 2 + (ly / 0.075) ** 2 <= 1;
    });
  const m = 0.04; // margin
  const r = 0.18; // corner radius
  const pixels = render(size, (x, y) => {
    const cx = Math.min(Math.max(x, m + r), 1 - m - r);
    const cy = Math.min(Math.max(y, m + r), 1 - m - r);
    if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return null;
    if (Math.abs(x - 0.5) <= 0.035 && y >= 0.42 && y <= 0.8) return WHITE; // stem
    if (y >= 0.8 && y <= 0.85 && x >= 0.28 && x <= 0.72) return WHITE; // ground
    if (inLeaf(x, y)) return WHITE;
    return rows[Math.min(size - 1, Math.floor(y * size))]!;
  });
  return encodePng(size, size, pixels);
}
