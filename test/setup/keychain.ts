/**
 * Vitest globalSetup: a private OS keychain for the test run.
 *
 * Many tests seal wallets under a master key kept in the real OS keychain (the
 * Secret Service on Linux). Where none answers (a fresh machine, a headless
 * shell, CI) but gnome-keyring is installed, this starts a private D-Bus session
 * bus and an unlocked gnome-keyring on it, with its keyring files in a private
 * temporary folder (so no keyring of the person running the tests is touched),
 * exports DBUS_SESSION_BUS_ADDRESS to the test workers (they are forked after
 * this runs and inherit process.env), and stops both when the run ends.
 *
 * Whether to start one was decided by vitest.config.ts (test/setup/requirements.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYCHAIN_DECISION_ENV, secretServiceAnswers } from './requirements';

const READY_TIMEOUT_MS = 15_000;
const KEYRING_PASSWORD = 'harvest-tests';

function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A session bus whose only activatable service is our own unlocked gnome-keyring. With the standard
 * session config the first call to org.freedesktop.secrets would make the bus start a locked
 * gnome-keyring of its own. With ours, the bus starts the daemon on the first call, and again on
 * the next call should it ever die mid-run (seen on loaded CI machines: every keychain test after
 * it then failed with "org.freedesktop.secrets was not provided"), on the same keyring files,
 * unlocked by the same password, so the stored keys stay readable.
 */
function busConfig(dir: string, launcher: string): string {
  const services = join(dir, 'services');
  mkdirSync(services, { mode: 0o700 });
  writeFileSync(
    join(services, 'org.freedesktop.secrets.service'),
    `[D-BUS Service]\nName=org.freedesktop.secrets\nExec=/bin/sh ${launcher}\n`,
  );
  const file = join(dir, 'session.conf');
  writeFileSync(
    file,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, 'bus')}</listen>
  <servicedir>${services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <!-- The session bus's own (practically unlimited) limits: each keychain call may open a connection. -->
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="service_start_timeout">30000</limit>
</busconfig>
`,
  );
  return file;
}

/**
 * The command the bus runs to start the keyring: the password on stdin unlocks (or, the first time,
 * creates) the login keyring; every start is logged with its pid so teardown can stop the daemon and
 * report a restart.
 */
function keyringLauncher(dir: string, runtime: string, data: string): { script: string; log: string } {
  const log = join(dir, 'keyring.log');
  const script = join(dir, 'start-keyring.sh');
  writeFileSync(
    script,
    `export XDG_RUNTIME_DIR='${runtime}' XDG_DATA_HOME='${data}' DBUS_SESSION_BUS_ADDRESS='unix:path=${join(dir, 'bus')}'
echo "start $$ $(date -u +%H:%M:%S)" >> '${log}'
printf '%s' '${KEYRING_PASSWORD}' | exec gnome-keyring-daemon --foreground --unlock --components=secrets 2>> '${log}'
`,
  );
  return { script, log };
}

/** Starts dbus-daemon in the foreground (so it stays our child) and resolves with the address it prints. */
function startBus(dir: string, launcher: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    'dbus-daemon',
    [`--config-file=${busConfig(dir, launcher)}`, '--nofork', '--nopidfile', '--print-address=1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error('dbus-daemon printed no address in 15 s')), READY_TIMEOUT_MS);
    function fail(e: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\n${err}`));
    }
    child.on('error', fail);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0]!;
      if (out.includes('\n') && line.startsWith('unix:')) {
        clearTimeout(timer);
        resolve({ child, address: line.trim() });
      }
    });
    child.once('exit', (code) => fail(new Error(`dbus-daemon exited (${code}) before it printed its address`)));
  });
}

/** The pids of every keyring daemon the bus started (one line "start PID TIME" each). */
function keyringStarts(log: string): { pid: number; line: string }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('start '))
    .map((line) => ({ pid: Number(line.split(' ')[1]), line }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[KEYCHAIN_DECISION_ENV] !== 'start') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hv-test-keyring-'));
  const runtime = join(dir, 'run');
  const data = join(dir, 'data');
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(data, { mode: 0o700 });
  const launcher = keyringLauncher(dir, runtime, data);
  let bus: ChildProcess | null = null;
  let stopping = false;
  const stopKeyrings = async (): Promise<void> => {
    const pids = keyringStarts(launcher.log)
      .map((s) => s.pid)
      .filter(alive);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 3_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
  };
  const teardown = async (): Promise<void> => {
    stopping = true;
    const starts = keyringStarts(launcher.log);
    if (starts.length > 1) {
      // Not a failure (the bus started it again), but worth knowing why: its own last words are in the log.
      console.error(
        `\n[test keychain] gnome-keyring-daemon was started ${starts.length} times during the run:\n${readFileSync(launcher.log, 'utf8')}`,
      );
    }
    await stopKeyrings();
    await stop(bus);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await startBus(dir, launcher.script);
    bus = started.child;
    bus.once('exit', (code, signal) => {
      if (!stopping)
        console.error(`\n[test keychain] dbus-daemon exited during the run (code ${code}, signal ${signal})`);
    });
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: started.address };
    // The first call activates the keyring; wait until it stores and reads back a secret.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!secretServiceAnswers(env, process.cwd())) {
      if (Date.now() > deadline) {
        const log = existsSync(launcher.log) ? readFileSync(launcher.log, 'utf8') : '(no keyring log)';
        throw new Error(`gnome-keyring-daemon did not answer on the private D-Bus session.\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    // Only the bus address reaches the workers: keyring files and runtime folder are the daemon's business.
    process.env['DBUS_SESSION_BUS_ADDRESS'] = started.address;
    return teardown;
  } catch (e) {
    await teardown();
    // Fail closed: gnome-keyring is installed, so a keychain that will not start is a real problem, not a skip.
    throw new Error(`Could not start a private keychain for the tests: ${(e as Error).message}`, { cause: e });
  }
}
