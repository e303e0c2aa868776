// Writes the icons electron-builder and the docs use, from electron/icons.ts:
//   node --import tsx build/make-icons.ts
// build/icon.png (1024 px app icon: dmg, nsis, AppImage, deb) and
// build/icons/tray-{running,paused,halted}.png (the tray draws the same images in memory at run time).
// test/unit/electron/icons.test.ts fails when the committed files differ from what this writes.
/* eslint-disable no-console -- a command-line script */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appIconPng, trayIconPng, type TrayState } from '../electron/icons';

const here = dirname(fileURLToPath(import.meta.url));
export const APP_ICON_SIZE = 1024;
export const TRAY_ICON_SIZE = 32;

mkdirSync(join(here, 'icons'), { recursive: true });
writeFileSync(join(here, 'icon.png'), appIconPng(APP_ICON_SIZE));
for (const state of ['running', 'paused', 'halted'] as TrayState[]) {
  writeFileSync(join(here, 'icons', `tray-${state}.png`), trayIconPng(state, TRAY_ICON_SIZE));
}
console.log(`wrote ${join(here, 'icon.png')} and build/icons/tray-*.png`);
