import { execFile } from 'node:child_process';
import { dialog, type BrowserWindow } from 'electron';

/**
 * Whether this desktop shows tray icons at all. macOS and Windows always do.
 * On Linux, Electron's tray is a StatusNotifierItem: it appears only when a
 * StatusNotifierWatcher owns its well-known name on the session bus (KDE,
 * Cinnamon, XFCE with its plugin, GNOME only with an AppIndicator extension).
 * Vanilla GNOME has none, and a window hidden "to the tray" there could never
 * be brought back.
 */
export const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

/** Runs a program and resolves with its stdout, or null when it is missing or fails. */
export type RunProgram = (file: string, args: string[]) => Promise<string | null>;

const runProgram: RunProgram = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 3_000, windowsHide: true }, (err, stdout) => resolve(err ? null : stdout));
  });

/** NameHasOwner's answer in dbus-send's (`boolean true`) or gdbus's (`(true,)`) output; null when neither. */
export function parseNameHasOwner(output: string): boolean | null {
  if (/\bboolean true\b|\(true,\)/u.test(output)) return true;
  if (/\bboolean false\b|\(false,\)/u.test(output)) return false;
  return null;
}

/** Asks the session bus whether a StatusNotifierWatcher is running (dbus-send, else gdbus). */
export async function statusNotifierWatcherRunning(run: RunProgram = runProgram): Promise<boolean | null> {
  const viaDbusSend = await run('dbus-send', [
    '--session',
    '--print-reply',
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    `string:${STATUS_NOTIFIER_WATCHER}`,
  ]);
  const a = viaDbusSend === null ? null : parseNameHasOwner(viaDbusSend);
  if (a !== null) return a;
  const viaGdbus = await run('gdbus', [
    'call',
    '--session',
    '--dest',
    'org.freedesktop.DBus',
    '--object-path',
    '/org/freedesktop/DBus',
    '--method',
    'org.freedesktop.DBus.NameHasOwner',
    STATUS_NOTIFIER_WATCHER,
  ]);
  return viaGdbus === null ? null : parseNameHasOwner(viaGdbus);
}

export interface TrayHostOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  run?: RunProgram;
}

/**
 * True when closing the window may hide it to the tray. HARVEST_TRAY=1/0
 * overrides the detection (a tray host the probe cannot see, or none it
 * wrongly sees). When the bus cannot be asked, the answer is no: asking on
 * close is harmless, a window hidden with no way back is not.
 */
export async function trayHostAvailable(opts: TrayHostOptions = {}): Promise<boolean> {
  const env = opts.env ?? process.env;
  if (env['HARVEST_TRAY'] === '1') return true;
  if (env['HARVEST_TRAY'] === '0') return false;
  const platform = opts.platform ?? process.platform;
  if (platform === 'darwin' || platform === 'win32') return true;
  return (await statusNotifierWatcherRunning(opts.run)) === true;
}

export type CloseChoice = 'minimize' | 'quit' | 'cancel';

/**
 * Without a tray host: what closing the window does is the operator's choice,
 * asked each time: stop trading and quit, or keep trading with the window
 * minimized (on the taskbar, so there is always a way back).
 */
export async function askOnClose(window: BrowserWindow, quit: () => void): Promise<CloseChoice> {
  const r = await dialog.showMessageBox(window, {
    type: 'question',
    title: 'Harvest',
    message: 'Stop trading and quit Harvest?',
    detail:
      'This desktop shows no tray icons, so Harvest cannot keep running hidden in the tray. ' +
      'Keep it running minimized (it keeps trading; it stays on the taskbar), or stop trading and quit. ' +
      'On GNOME, the AppIndicator extension adds a tray (see the README).',
    buttons: ['Keep running minimized', 'Stop trading and quit', 'Cancel'],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
  });
  if (r.response === 1) {
    quit();
    return 'quit';
  }
  if (r.response === 0) {
    if (!window.isDestroyed()) window.minimize();
    return 'minimize';
  }
  return 'cancel';
}
