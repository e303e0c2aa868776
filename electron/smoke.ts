import { writeFileSync } from 'node:fs';
import type { BrowserWindow } from 'electron';

/**
 * The desktop smoke test's hook (scripts/smoke-electron.mjs, `npm run smoke:electron`): with
 * HARVEST_SMOKE_SCREENSHOT set, the window's first paint is written there as a PNG and the app
 * quits through its normal quit flow. A development variable: a packaged app ignores it, like
 * HARVEST_DATA_DIR and HARVEST_NETWORK.
 */
export const SMOKE_SCREENSHOT_ENV = 'HARVEST_SMOKE_SCREENSHOT';

/** Where to write the screenshot, or undefined when this is not a smoke run. */
export function smokeScreenshotPath(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (isPackaged) return undefined;
  return env[SMOKE_SCREENSHOT_ENV] || undefined;
}

/**
 * Armed as soon as the window exists (so 'ready-to-show' cannot be missed): after the first
 * paint, captures the page and writes it to `path`. Resolves with the PNG's size; rejects when
 * the capture is empty or cannot be written. Quitting is the caller's (the shell must be whole).
 */
export function captureFirstPaint(
  window: BrowserWindow,
  path: string,
  write: (path: string, data: Buffer) => void = writeFileSync,
): Promise<number> {
  return new Promise((resolve, reject) => {
    window.once('ready-to-show', () => {
      window.webContents
        .capturePage()
        .then((image) => {
          // An empty image means nothing was painted: a smoke failure, not a 0-byte success.
          if (image.isEmpty()) throw new Error('the captured page is empty');
          const png = image.toPNG();
          write(path, png);
          resolve(png.length);
        })
        .catch(reject);
    });
  });
}

export interface SmokeEnd {
  /** The app's normal quit (the tray's Quit: before-quit, then will-quit closes the engine). */
  quit: () => void;
  /** A failed smoke run: close the engine, then exit non-zero. */
  fail: (reason: string) => void;
  log: (message: string) => void;
}

/** Ends a smoke run once the first paint is written (or could not be). */
export function endSmokeRun(firstPaint: Promise<number>, path: string, end: SmokeEnd): Promise<void> {
  return firstPaint.then(
    (bytes) => {
      end.log(`smoke: first paint written to ${path} (${bytes} bytes); quitting`);
      end.quit();
    },
    (e: unknown) => end.fail(`smoke: no screenshot (${e instanceof Error ? e.message : String(e)})`),
  );
}
