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
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYCHAIN_DECISION_ENV, secretServiceAnswers } from './requirements';

const READY_TIMEOUT_MS = 15_000;
const KEYRING_PASSWORD = 'harvest-tests';
/** A daemon that keeps dying is a real problem: the run then fails as it would without the restarts. */
const MAX_RESTARTS = 3;

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
 * A session bus without service activation. With the standard session config, the first
 * call to org.freedesktop.secrets would make the bus start a second, locked gnome-keyring
 * of its own, which can win the name before ours ("another secret service is running").
 */
function busConfig(dir: string): string {
  const file = join(dir, 'session.conf');
  writeFileSync(
    file,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(dir, 'bus')}</listen>
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
</busconfig>
`,
  );
  return file;
}

/** Starts dbus-daemon in the foreground (so it stays our child) and resolves with the address it prints. */
function startBus(dir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(
    'dbus-daemon',
    [`--config-file=${busConfig(dir)}`, '--nofork', '--nopidfile', '--print-address=1'],
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

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[KEYCHAIN_DECISION_ENV] !== 'start') return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hv-test-keyring-'));
  const runtime = join(dir, 'run');
  const data = join(dir, 'data');
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(data, { mode: 0o700 });
  let bus: ChildProcess | null = null;
  let keyring: ChildProcess | null = null;
  let stopping = false;
  const teardown = async (): Promise<void> => {
    stopping = true;
    await stop(keyring);
    await stop(bus);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const started = await startBus(dir);
    bus = started.child;
    const env = {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: started.address,
      XDG_RUNTIME_DIR: runtime,
      XDG_DATA_HOME: data,
    };
    // --unlock reads the login keyring's password from stdin; --foreground keeps it our child to stop.
    let keyringErr = '';
    let restarts = 0;
    const launch = (): ChildProcess => {
      const child = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
        env,
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      keyringErr = '';
      child.stderr!.on('data', (d: Buffer) => (keyringErr += d.toString()));
      child.stdin!.end(KEYRING_PASSWORD);
      const startedAt = Date.now();
      child.once('exit', (code, signal) => {
        if (stopping) return;
        // Seen on loaded machines (rarely): the daemon goes away mid-run, and every keychain test after it
        // would fail with "org.freedesktop.secrets was not provided". Say so once, with its last words,
        // and start it again on the same keyring files (the stored keys are on disk, unlocked by the same
        // password), so one crash costs the tests that were talking to it, not the rest of the run.
        console.error(
          `\n[test keychain] gnome-keyring-daemon exited after ${Math.round((Date.now() - startedAt) / 1000)} s (code ${code}, signal ${signal}); restarting it.\n${keyringErr}`,
        );
        if (restarts++ < MAX_RESTARTS) keyring = launch();
      });
      return child;
    };
    keyring = launch();
    bus.once('exit', (code, signal) => {
      if (!stopping)
        console.error(`\n[test keychain] dbus-daemon exited during the run (code ${code}, signal ${signal})`);
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!secretServiceAnswers(env, process.cwd())) {
      if (keyring.exitCode !== null || Date.now() > deadline) {
        throw new Error(`gnome-keyring-daemon did not answer on the private D-Bus session.\n${keyringErr}`);
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
