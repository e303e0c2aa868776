// The defaults of a development run (`npm start`, `npm run start:electron`), the
// desktop app and the browser fallback alike: the sandbox network, and a data
// folder of its own ("Harvest-dev", beside the installed app's "Harvest"), so a
// dev run never opens the installed app's wallets or trades on its network.
// --network / --data-dir (or HARVEST_DATA_DIR) choose otherwise, explicitly.
// Plus: whether Chromium's sandbox can start here, for dev runs only.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const DEV_APP_FOLDER = 'Harvest-dev';

/** Where the installed app keeps its data (engine/kernel/paths.ts defaultDataDir, without the env override). */
export function installedDataDir(env = process.env, platform = process.platform, home = homedir()) {
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Harvest');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Harvest');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Harvest');
  }
}

/** The development data folder: beside the installed app's, never the same one. */
export function devDataDir(env = process.env, platform = process.platform, home = homedir()) {
  return join(dirname(installedDataDir(env, platform, home)), DEV_APP_FOLDER);
}

function takeOption(args, name) {
  const rest = [];
  let value;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === name && i + 1 < args.length) {
      value = args[++i];
    } else if (a.startsWith(`${name}=`)) {
      value = a.slice(name.length + 1);
    } else rest.push(a);
  }
  return { value, rest };
}

/**
 * The network and data folder of a dev run, and the remaining arguments.
 * `explicit` says which the operator chose (shown, so a dev run on a real
 * network or the installed app's folder is never a surprise).
 */
export function devLaunch(args, { env = process.env, platform = process.platform, home = homedir() } = {}) {
  const n = takeOption(args, '--network');
  const d = takeOption(n.rest, '--data-dir');
  const dataDir = d.value
    ? resolve(d.value)
    : env.HARVEST_DATA_DIR
      ? resolve(env.HARVEST_DATA_DIR)
      : devDataDir(env, platform, home);
  return {
    network: n.value ?? 'sandbox',
    dataDir,
    explicit: { network: n.value !== undefined, dataDir: d.value !== undefined || Boolean(env.HARVEST_DATA_DIR) },
    rest: d.rest,
  };
}

function readProc(path, read) {
  try {
    return read(path).trim();
  } catch {
    return null;
  }
}

/**
 * Why Chromium's sandbox cannot start for the Electron in `electronDist` on
 * this Linux machine, or null when it can (or this is not Linux). Chromium
 * needs either its SUID helper (chrome-sandbox owned by root, mode 4755, which
 * npm never sets) or unprivileged user namespaces, which Ubuntu 23.10+ restricts
 * through AppArmor (kernel.apparmor_restrict_unprivileged_userns = 1) and some
 * kernels switch off. Without either, Electron aborts at start.
 */
export function suidSandboxProblem({
  platform = process.platform,
  electronDist,
  uid = process.getuid?.() ?? -1,
  read = (p) => readFileSync(p, 'utf8'),
  stat = (p) => statSync(p),
  exists = existsSync,
} = {}) {
  if (platform !== 'linux') return null;
  if (uid === 0) return 'running as root, where Chromium refuses its sandbox';
  const helper = electronDist ? join(electronDist, 'chrome-sandbox') : null;
  if (helper && exists(helper)) {
    const s = stat(helper);
    if (s.uid === 0 && (s.mode & 0o4000) !== 0) return null;
  }
  const apparmor = readProc('/proc/sys/kernel/apparmor_restrict_unprivileged_userns', read);
  const clone = readProc('/proc/sys/kernel/unprivileged_userns_clone', read);
  const max = readProc('/proc/sys/user/max_user_namespaces', read);
  const why =
    apparmor === '1'
      ? 'AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later)'
      : clone === '0'
        ? 'unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone = 0)'
        : max === '0'
          ? 'user namespaces are switched off (user.max_user_namespaces = 0)'
          : null;
  if (!why) return null;
  return `${why}, and Electron's SUID sandbox helper${helper ? ` (${helper})` : ''} is not owned by root with the setuid bit`;
}
