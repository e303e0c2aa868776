import { Command, CommanderError, Option } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError, toHarvestError } from '../kernel/errors';
import { defaultDataDir } from '../kernel/paths';
import type { NetworkName } from '../runtime';
import { dispatch, dispatchSession, type CliContext } from './dispatch';
import { formatters, NO_HUMAN_CONTEXT, type HumanContext } from './format';
import { humanContextFor } from './human-context';
import { describeDetails } from '../api/human-text';
import { stdinSecrets, type SecretInput } from './io';
import { registerPaperCommands } from './paper-commands';
import { registerTelegramCommands } from './telegram-commands';
import { registerBacktestCommands } from './backtest-commands';
import { registerCopyCommands, registerWhaleCommand } from './copy-commands';
import { registerSandboxTokenCommands, registerTokenCommands } from './token-commands';
import { registerStrategyStatusCommands } from './strategy-commands';
import { parseExpiry, priceOf, registerOrderCommands } from './order-commands';

// The engine runtime, `run`, `serve` and the QR code drawer are imported where a command
// needs them, never here: every command parses this module, and a light one (status,
// user list, positions) must not pay for the chain client, the sandbox or the HTTP host.

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  secrets: SecretInput;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: long commands (backtest, optimise) draw their progress there. */
  progress?: boolean;
}

/** The outcome was already printed (e.g. a failed audit verification); only the exit code is left. */
class ReportedFailure extends Error {
  constructor(readonly exitCode: number) {
    super('reported');
  }
}

const defaultIo = (): CliIo => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  secrets: stdinSecrets(),
  env: process.env,
  progress: process.stderr.isTTY === true,
});

/** Exit codes: 0 success, 1 a user error (one line on stderr), 2 an internal error. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  // Known before parsing, so a parse error (unknown option, missing argument) still answers in JSON.
  const end = argv.indexOf('--');
  let json = (end < 0 ? argv : argv.slice(0, end)).includes('--json');
  const program = buildProgram(io, (j) => (json = j), topCommandOf(argv));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof ReportedFailure) return e.exitCode;
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (json)
        io.stdout(
          JSON.stringify({ error: { code: 'INVALID_INPUT', kind: 'user', message: redactOptionValues(e.message) } }) +
            '\n',
        );
      return 1;
    }
    const err = toHarvestError(e);
    if (json) io.stdout(JSON.stringify({ error: err.toJSON() }) + '\n');
    io.stderr(`harvest: ${err.message.replace(/\s*\n\s*/gu, ' ')}\n`);
    return err.kind === 'user' ? 1 : 2;
  }
}

/** The engine refuses a paper-to-live switch without `confirm`; on the command line that is --confirm. */
async function liveConfirmable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof HarvestError && e.code === 'CONFIRMATION_REQUIRED')
      throw new HarvestError('CONFIRMATION_REQUIRED', `${e.message} Run it again with --confirm.`);
    throw e;
  }
}

/** Parse errors echo `--flag=value`; whatever was typed there (say, `--mnemonic=...`) may be a secret. */
function redactOptionValues(text: string): string {
  return text.replace(/('-{1,2}[^'=\s]+)=[^']*'/gu, "$1=…'");
}

/** Global options that take a value: their value is not the command's name. */
const VALUED_GLOBALS = new Set(['--data-dir', '--network', '--rpc']);

/** The top-level command word of argv ("user" in `harvest --json user list`); undefined when there is none. */
export function topCommandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (VALUED_GLOBALS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * Stands in for every top-level command other than the one invoked: any method call returns it
 * again, so a registration chain runs through without building options, help texts or subcommands.
 */
const SKIPPED = new Proxy(Object.create(null) as Command, { get: () => () => SKIPPED });

/**
 * The command tree. With `only`, just that top-level command's subtree is built: building all
 * of them (a few hundred options and help texts) costs a one-shot command several ms at every
 * start. When no command of that name or alias is found (a typo, `help`), the whole tree is
 * built, so errors and help read the same.
 */
function buildProgram(io: CliIo, setJson: (json: boolean) => void, only?: string): Command {
  if (only !== undefined) {
    const pruned = buildProgramTree(io, setJson, only);
    if (pruned.commands.some((c) => c.name() === only || c.aliases().includes(only))) return pruned;
  }
  return buildProgramTree(io, setJson);
}

function buildProgramTree(io: CliIo, setJson: (json: boolean) => void, only?: string): Command {
  const program = new Command('harvest')
    .description('Harvest: a self-hosted Solana trading engine for a group of friends')
    .option('--data-dir <dir>', 'data directory', defaultDataDir(io.env))
    .option('--json', 'print one JSON object on stdout', false)
    .option('-v, --verbose', 'log to stderr as well as to the log file', false)
    .addOption(
      new Option('--network <name>', 'the chain to use for this command (default: the data directory’s)').choices([
        'sandbox',
        'devnet',
        'mainnet',
        'paper-sandbox',
      ]),
    )
    .option(
      '--rpc <url>',
      'an RPC endpoint for this command (repeat for failover)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(redactOptionValues(text)),
    })
    .showHelpAfterError(false);
  if (only !== undefined) {
    const add = program.command.bind(program) as (...args: unknown[]) => Command;
    // Only the name is known before the chain runs: an alias (`optimize`) falls back to the whole tree.
    program.command = ((nameAndArgs: string, ...rest: unknown[]) =>
      nameAndArgs.split(' ')[0] === only ? add(nameAndArgs, ...rest) : SKIPPED) as typeof program.command;
  }

  const ctxOf = (cmd: Command): CliContext & { json: boolean } => {
    const o = cmd.optsWithGlobals<{
      dataDir: string;
      json: boolean;
      verbose: boolean;
      network?: NetworkName;
      rpc: string[];
    }>();
    setJson(o.json);
    return {
      dataDir: o.dataDir,
      env: io.env,
      verbose: o.verbose,
      json: o.json,
      ...(o.network ? { network: o.network } : {}),
      ...(o.rpc.length > 0 ? { rpcUrls: o.rpc } : {}),
    };
  };

  async function run<K extends CommandName>(cmd: Command, name: K, input: unknown): Promise<CommandOutput<K>> {
    const ctx = ctxOf(cmd);
    const out = await dispatch(ctx, name, input);
    if (ctx.json) print(true, out, () => '');
    else {
      const h = await humanContextFor(ctx, name, input);
      print(false, out, (o) => (formatters[name] as (o: CommandOutput<K>, h: HumanContext) => string)(o, h));
    }
    return out;
  }

  function print<T>(json: boolean, out: T, human: (o: T) => string): void {
    io.stdout(json ? JSON.stringify(out) + '\n' : human(out) + '\n');
  }

  program
    .command('init')
    .description('create the data directory and its master key (safe to run again)')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'engine.status', {})));
  program
    .command('status')
    .description('show the data directory, its key source and who owns it')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'engine.status', {})));

  program
    .command('run')
    .description('run the engine in the foreground, one cycle per interval (CLI commands are sent to it while it runs)')
    .option('--cycle-seconds <n>', 'seconds between cycles', '10')
    .action(async (o: { cycleSeconds: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const seconds = Number(o.cycleSeconds);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new HarvestError('INVALID_INPUT', '--cycle-seconds must be a positive number.');
      const { runEngine } = await import('./run');
      await runEngine(ctx, io, seconds * 1000);
    });
  program
    .command('serve')
    .description(
      'run the engine with the UI in a browser: HTTP + WebSocket on 127.0.0.1, behind a token printed as a URL',
    )
    .option('--host <address>', 'address to listen on (anything but loopback needs --allow-remote)', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '7420')
    .option('--allow-remote', 'allow listening on a non-loopback address (reachable from other machines)', false)
    .option('--cycle-seconds <n>', 'seconds between trading cycles', '10')
    .option('--no-trading', 'serve the UI without running the trading loop')
    .action(
      async (
        o: { host: string; port: string; allowRemote: boolean; cycleSeconds: string; trading: boolean },
        cmd: Command,
      ) => {
        const ctx = ctxOf(cmd);
        const seconds = Number(o.cycleSeconds);
        if (!Number.isFinite(seconds) || seconds <= 0)
          throw new HarvestError('INVALID_INPUT', '--cycle-seconds must be a positive number.');
        const port = Number(o.port);
        if (!/^\d{1,5}$/u.test(o.port) || port > 65_535)
          throw new HarvestError('INVALID_INPUT', '--port must be a number from 0 to 65535.');
        const { serveEngine } = await import('./serve');
        await serveEngine(ctx, io, {
          host: o.host,
          port,
          allowRemote: o.allowRemote,
          cycleMs: seconds * 1000,
          trading: o.trading,
        });
      },
    );

  const user = program.command('user').description('manage friends');
  user
    .command('add <name>')
    .description('add a friend')
    .action(async (name: string, _o, cmd: Command) => void (await run(cmd, 'users.add', { name })));
  user
    .command('list')
    .description('list friends')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'users.list', {})));
  user
    .command('rename <user> <newName>')
    .description('rename a friend')
    .action(
      async (u: string, name: string, _o, cmd: Command) => void (await run(cmd, 'users.rename', { user: u, name })),
    );
  user
    .command('remove <user>')
    .description('remove a friend (refused while they hold funds or positions)')
    .option('--force', 'remove even with funds or positions; only after `wallet export`', false)
    .action(
      async (u: string, o: { force: boolean }, cmd: Command) =>
        void (await run(cmd, 'users.remove', { user: u, force: o.force })),
    );

  const wallet = program.command('wallet').description("a friend's wallet");
  wallet
    .command('create <user>')
    .description('create a new wallet (shows the recovery phrase once)')
    .addOption(new Option('--words <n>', 'recovery phrase length').choices(['12', '24']).default('12'))
    .action(
      async (u: string, o: { words: string }, cmd: Command) =>
        void (await run(cmd, 'wallet.create', { user: u, words: Number(o.words) })),
    );
  wallet
    .command('import <user>')
    .description('import a wallet; the secret is read from stdin (or a hidden prompt), never from arguments')
    .option('--mnemonic-stdin', 'read a 12/24-word recovery phrase')
    .option('--bip39-passphrase', 'also read a BIP39 passphrase (the line after the phrase)')
    .option('--secret-key-stdin', 'read a base58 secret key or a Solana CLI JSON byte array')
    .action(
      async (
        u: string,
        o: { mnemonicStdin?: boolean; secretKeyStdin?: boolean; bip39Passphrase?: boolean },
        cmd: Command,
      ) => {
        if (Boolean(o.mnemonicStdin) === Boolean(o.secretKeyStdin)) {
          throw new HarvestError('INVALID_INPUT', 'Choose one of --mnemonic-stdin or --secret-key-stdin.');
        }
        if (o.mnemonicStdin) {
          const mnemonic = await io.secrets.next('Recovery phrase: ');
          const passphrase = o.bip39Passphrase ? await io.secrets.next('BIP39 passphrase: ') : undefined;
          await run(cmd, 'wallet.import', { user: u, mnemonic, ...(passphrase !== undefined ? { passphrase } : {}) });
        } else {
          const secretKey = await io.secrets.next('Secret key: ');
          await run(cmd, 'wallet.import', { user: u, secretKey });
        }
      },
    );
  wallet
    .command('export <user>')
    .description("reveal the wallet's recovery phrase or secret key (audited)")
    .option('--confirm', 'yes, show the secret')
    .action(async (u: string, o: { confirm?: boolean }, cmd: Command) => {
      if (!o.confirm) {
        throw new HarvestError(
          'CONFIRMATION_REQUIRED',
          'Exporting shows the wallet secret on screen. Run it again with --confirm, somewhere nobody can read over your shoulder.',
        );
      }
      await run(cmd, 'wallet.export', { user: u, confirm: true });
    });
  wallet
    .command('show <user>')
    .description('address and last-seen balances')
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'wallet.show', { user: u })));

  wallet
    .command('deposit <user>')
    .description('where to send funds: address, payment link and a QR code')
    .action(async (u: string, _o, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const out = await dispatch(ctx, 'wallet.deposit', { user: u });
      const { terminalQr } = await import('./qr');
      print(ctx.json, out, (o) => `${formatters['wallet.deposit'](o, NO_HUMAN_CONTEXT)}\n\n${terminalQr(o.uri)}`);
    });
  wallet
    .command('balances [user]')
    .description('read balances from the chain (every user, or one)')
    .action(
      async (u: string | undefined, _o, cmd: Command) => void (await run(cmd, 'wallet.balances', u ? { user: u } : {})),
    );

  const network = program.command('network').description('the network this data directory trades on');
  network
    .command('show', { isDefault: true })
    .description('the network and how it is reached')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'network.status', {})));
  network
    .command('set <name>')
    .alias('use')
    .description('switch to sandbox, devnet, mainnet or paper-sandbox (give your RPC endpoints with --rpc)')
    .option('--confirm', 'yes, switch')
    .action(async (name: string, o: { confirm?: boolean }, cmd: Command) => {
      if (!o.confirm)
        throw new HarvestError(
          'CONFIRMATION_REQUIRED',
          'Switching networks changes where funds move. Run it again with --confirm.',
        );
      const ctx = ctxOf(cmd);
      // --rpc here names the endpoints to store, not a one-off override.
      const out = await dispatch({ ...ctx, rpcUrls: [] }, 'network.set', {
        network: name,
        rpcUrls: ctx.rpcUrls ?? [],
        confirm: true,
      });
      print(ctx.json, out, (o) => formatters['network.set'](o, NO_HUMAN_CONTEXT));
    });

  program
    .command('faucet <user>')
    .description('top a wallet up from the faucet (sandbox: SOL and tokens; devnet: SOL)')
    .option('--sol <n>', 'SOL to add')
    .option('--token <symbol>', 'a token to add (USDC, PYUSD, WETH, WBTC)')
    .option('--amount <n>', 'how much of the token')
    .action(
      async (u: string, o: { sol?: string; token?: string; amount?: string }, cmd: Command) =>
        void (await run(cmd, 'funds.faucet', {
          user: u,
          ...(o.sol !== undefined ? { sol: o.sol } : {}),
          ...(o.token !== undefined ? { token: o.token } : {}),
          ...(o.amount !== undefined ? { amount: o.amount } : {}),
        })),
    );

  program
    .command('withdraw <user>')
    .description("send SOL or a token from a user's wallet to one of their whitelisted addresses")
    .requiredOption('--to <address>', 'a whitelisted address')
    .requiredOption('--amount <n>', 'how much, in whole units (e.g. 0.5)')
    .option('--token <symbol>', 'SOL or a token symbol', 'SOL')
    .option('--confirm', 'yes, move the funds')
    .action(async (u: string, o: { to: string; amount: string; token: string; confirm?: boolean }, cmd: Command) => {
      if (!o.confirm) {
        throw new HarvestError(
          'CONFIRMATION_REQUIRED',
          'A withdrawal moves funds. Check the address and amount, then run it again with --confirm.',
        );
      }
      await run(cmd, 'funds.withdraw', { user: u, to: o.to, amount: o.amount, token: o.token, confirm: true });
    });
  program
    .command('withdrawals <user>')
    .description("a user's withdrawals")
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'withdrawals.list', { user: u })));

  const whitelist = program.command('whitelist').description('where withdrawals may go');
  whitelist
    .command('list <user>')
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'whitelist.list', { user: u })));
  whitelist
    .command('add <user> <address>')
    .option('--label <text>', 'a note, e.g. "Ana\'s Phantom"', '')
    .action(
      async (u: string, address: string, o: { label: string }, cmd: Command) =>
        void (await run(cmd, 'whitelist.add', { user: u, address, label: o.label })),
    );
  whitelist
    .command('remove <user> <address>')
    .action(
      async (u: string, address: string, _o, cmd: Command) =>
        void (await run(cmd, 'whitelist.remove', { user: u, address })),
    );

  program
    .command('reconcile [user] [target]')
    .description(
      'prove ledger = chain for every wallet and asset (or one user); `reconcile ack USER` acknowledges a mismatch and resumes entries',
    )
    .action(async (u: string | undefined, target: string | undefined, _o, cmd: Command) => {
      if (u === 'ack') {
        if (!target)
          throw new HarvestError('INVALID_INPUT', 'Name the user whose mismatch to acknowledge: reconcile ack USER.');
        return void (await run(cmd, 'ledger.ack', { user: target }));
      }
      await run(cmd, 'ledger.reconcile', u === undefined ? {} : { user: u });
    });
  program
    .command('export <kind> <user>')
    .description('trades or flows of a user as CSV for taxes (FIFO cost basis)')
    .option('--from <date>', 'from this date or ISO time (inclusive)')
    .option('--to <date>', 'up to this date or ISO time (exclusive)')
    .option('--csv <file>', 'write the CSV here (else print it)')
    .action(async (kind: string, u: string, o: { from?: string; to?: string; csv?: string }, cmd: Command) => {
      await run(cmd, 'export.csv', {
        kind,
        user: u,
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.csv !== undefined ? { file: o.csv } : {}),
      });
    });

  const sandbox = program.command('sandbox').description('the local mainnet twin');
  sandbox
    .command('send <user> <amount> [token]')
    .description("send SOL (default) or a token to a user's wallet from a wallet outside Harvest (an outside deposit)")
    .action(
      async (u: string, amount: string, token: string | undefined, _o, cmd: Command) =>
        void (await run(cmd, 'sandbox.send', { user: u, amount, token: token ?? 'SOL' })),
    );
  registerWhaleCommand(sandbox, run);
  registerSandboxTokenCommands(sandbox, run);
  registerCopyCommands(program, run);
  registerOrderCommands(program, run);
  sandbox
    .command('start')
    .description('run the sandbox for this data directory until interrupted (the engine then joins it)')
    .option('--speed <n>', 'market replay speed-up', '60')
    .action(async (o: { speed: string }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const { runSandbox } = await import('./run');
      await runSandbox(ctx, io, Number(o.speed));
    });

  program
    .command('settings <user> [action] [key] [value]')
    .description(
      "show (get) or change (set KEY VALUE, e.g. set risk.maxDailyLossPct 3) a user's settings, or apply a risk preset (preset NAME)",
    )
    .option('--confirm', 'yes, switch to live mode (set mode live)')
    .action(
      async (
        u: string,
        action: string | undefined,
        key: string | undefined,
        value: string | undefined,
        o: { confirm?: boolean },
        cmd: Command,
      ) => {
        if (action === undefined || action === 'get') {
          const ctx = ctxOf(cmd);
          const out = await dispatch(ctx, 'settings.get', { user: u });
          if (key !== undefined)
            print(ctx.json, { key, value: out.settings[key] ?? null }, (o) =>
              o.value !== null && typeof o.value === 'object'
                ? describeDetails(o.value, () => null) || 'none'
                : String(o.value),
            );
          else {
            const h = ctx.json ? NO_HUMAN_CONTEXT : await humanContextFor(ctx, 'settings.get', { user: u });
            print(ctx.json, out, (o) => formatters['settings.get'](o, h));
          }
          return;
        }
        if (action === 'preset' && key !== undefined && value === undefined) {
          await run(cmd, 'risk.preset', { user: u, preset: key });
          return;
        }
        if (action !== 'set' || key === undefined || value === undefined) {
          throw new HarvestError(
            'INVALID_INPUT',
            'Use `harvest settings USER`, `harvest settings USER get KEY`, `harvest settings USER set KEY VALUE` or `harvest settings USER preset conservative|moderate|aggressive`.',
          );
        }
        await liveConfirmable(
          run(cmd, 'settings.set', { user: u, key, value, ...(o.confirm ? { confirm: true } : {}) }),
        );
      },
    );
  const strategy = program.command('strategy').description("a user's trading strategy");
  strategy
    .command('list')
    .description('built-in strategies and their parameters')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'strategy.list', {})));
  strategy
    .command('set <user> <name>')
    .description('choose a strategy for a user (validated against its bounds)')
    .option('--param <k=v>', 'a parameter (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--tokens <list>', 'tokens to trade, comma-separated (e.g. SOL,WETH)')
    .option('--paper', 'simulated fills (no signing)')
    .option('--live', 'real swaps')
    .option('--disable', 'keep the settings but stop trading them')
    .option('--confirm', 'yes, switch to live mode (with --live)')
    .action(
      async (
        u: string,
        name: string,
        o: { param: string[]; tokens?: string; paper?: boolean; live?: boolean; disable?: boolean; confirm?: boolean },
        cmd: Command,
      ) => {
        if (o.paper && o.live) throw new HarvestError('INVALID_INPUT', 'Choose --paper or --live, not both.');
        const params: Record<string, unknown> = {};
        for (const kv of o.param) {
          const eq = kv.indexOf('=');
          if (eq <= 0) throw new HarvestError('INVALID_INPUT', `--param takes key=value; got "${kv}".`);
          const raw = kv.slice(eq + 1);
          let value: unknown = raw;
          try {
            value = JSON.parse(raw);
          } catch {
            // a bare word stays a string
          }
          // An optional parameter is switched off with the word the list shows for it.
          if (raw.trim().toLowerCase() === 'off') value = null;
          params[kv.slice(0, eq)] = value;
        }
        await liveConfirmable(
          run(cmd, 'strategy.set', {
            user: u,
            strategy: name,
            params,
            enabled: !o.disable,
            ...(o.tokens
              ? {
                  tokens: o.tokens
                    .split(',')
                    .map((t) => t.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(o.paper ? { mode: 'paper' } : o.live ? { mode: 'live' } : {}),
            ...(o.confirm ? { confirm: true } : {}),
          }),
        );
      },
    );
  program
    .command('risk <user>')
    .description("a user's risk limits: their own and those in force after the global limits")
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'risk.limits', { user: u })));
  program
    .command('global-limits [key] [value]')
    .description('show the global risk limits, or set one for everyone (VALUE none removes it)')
    .action(async (key: string | undefined, value: string | undefined, _o, cmd: Command) => {
      if (key === undefined) return void (await run(cmd, 'risk.global', {}));
      if (value === undefined)
        throw new HarvestError(
          'INVALID_INPUT',
          'Use `harvest global-limits KEY VALUE` (e.g. maxOrderUsd 200), or `harvest global-limits` to show them.',
        );
      await run(cmd, 'risk.setGlobal', { key, value });
    });
  program
    .command('stats <user>')
    .description("a user's performance: PnL, win rate, trades, volume, fees, equity, return and max drawdown")
    .option('--curve [n]', 'print the equity curve instead (the last N snapshots)')
    .addOption(
      new Option('--account <mode>', 'which account (default: the one the user trades now)').choices(['paper', 'live']),
    )
    .action(async (u: string, o: { curve?: string | boolean; account?: 'paper' | 'live' }, cmd: Command) => {
      const mode = o.account ? { mode: o.account } : {};
      if (o.curve === undefined) return void (await run(cmd, 'stats.user', { user: u, ...mode }));
      await run(cmd, 'stats.equityCurve', {
        user: u,
        ...mode,
        ...(typeof o.curve === 'string' ? { limit: Number(o.curve) } : {}),
      });
    });
  registerPaperCommands(program, run);
  registerTelegramCommands(program, run, io.secrets);
  registerBacktestCommands(
    program,
    run,
    (cmd, name, input) => dispatch(ctxOf(cmd), name, input),
    (cmd, out, human) => print(ctxOf(cmd).json, out, () => human),
    async (cmd, start, input) => {
      const ctx = ctxOf(cmd);
      if (ctx.json || !io.progress) return null;
      const { followJob, terminalLine } = await import('./job-progress');
      return dispatchSession(ctx, (s) => followJob(s, start, input, terminalLine(io.stderr)));
    },
  );
  registerStrategyStatusCommands(strategy, run);
  program
    .command('leaderboard')
    .description('users ranked by return % (default) or PnL')
    .addOption(new Option('--by <measure>', 'rank by').choices(['return', 'pnl']).default('return'))
    .option('--anonymous', 'hide names and ids', false)
    .action(
      async (o: { by: 'return' | 'pnl'; anonymous: boolean }, cmd: Command) =>
        void (await run(cmd, 'stats.leaderboard', { by: o.by, anonymous: o.anonymous })),
    );
  program
    .command('order <user> <side> <token> <amount>')
    .description(
      'buy (AMOUNT in the quote asset, e.g. USDC) or sell (AMOUNT of the token) at the market, or with --limit / --stop when a price is reached',
    )
    .option('--slippage-bps <n>', 'slippage tolerance in basis points')
    .option('--stop-loss <price>', 'exit when the price falls to this')
    .option('--take-profit <price>', 'exit when the price rises to this')
    .option('--client-id <id>', 'idempotency key: the same id twice is one order')
    .option('--limit <price>', 'a limit order: buy when the price falls to this, sell when it rises to this')
    .option('--stop <price>', 'a stop: sell when the price falls to this')
    .option('--expires <duration>', 'how long a limit or stop order waits: 30m, 1h, 7d (default 7d)')
    .action(
      async (
        u: string,
        side: string,
        token: string,
        amount: string,
        o: {
          slippageBps?: string;
          stopLoss?: string;
          takeProfit?: string;
          clientId?: string;
          limit?: string;
          stop?: string;
          expires?: string;
        },
        cmd: Command,
      ) => {
        if (side !== 'buy' && side !== 'sell') throw new HarvestError('INVALID_INPUT', 'The side is buy or sell.');
        if (o.limit !== undefined || o.stop !== undefined) {
          if (o.limit !== undefined && o.stop !== undefined)
            throw new HarvestError('INVALID_INPUT', 'Give --limit or --stop, not both.');
          await run(cmd, 'orders.place', {
            user: u,
            kind: o.limit !== undefined ? 'limit' : 'stop',
            side,
            token,
            amount,
            price: o.limit !== undefined ? priceOf('limit', o.limit) : priceOf('stop', o.stop!),
            ...(o.expires !== undefined ? { expiresInSec: parseExpiry(o.expires) } : {}),
            ...(o.slippageBps !== undefined ? { slippageBps: Number(o.slippageBps) } : {}),
          });
          return;
        }
        if (o.expires !== undefined)
          throw new HarvestError('INVALID_INPUT', '--expires is for a limit or stop order (--limit or --stop).');
        const out = await run(cmd, 'orders.submit', {
          user: u,
          side,
          token,
          amount,
          ...(o.slippageBps !== undefined ? { slippageBps: Number(o.slippageBps) } : {}),
          ...(o.stopLoss !== undefined ? { stopLoss: Number(o.stopLoss) } : {}),
          ...(o.takeProfit !== undefined ? { takeProfit: Number(o.takeProfit) } : {}),
          ...(o.clientId !== undefined ? { clientId: o.clientId } : {}),
        });
        if (out.status !== 'confirmed') throw new ReportedFailure(1);
      },
    );
  program
    .command('orders <user> [cancelUser] [id]')
    .description(
      "a user's orders (the journal); --open: their waiting limit and stop orders; `orders cancel USER ID` cancels one",
    )
    .option('--open', 'limit and stop orders still waiting')
    .option('--all-limit', 'every limit and stop order, settled ones too')
    .action(
      async (
        first: string,
        cancelUser: string | undefined,
        id: string | undefined,
        o: { open?: boolean; allLimit?: boolean },
        cmd: Command,
      ) => {
        if (first === 'cancel' && cancelUser !== undefined) {
          const orderId = Number(id?.replace(/^#/u, ''));
          if (!Number.isInteger(orderId) || orderId <= 0)
            throw new HarvestError('INVALID_INPUT', 'Say which order to cancel: harvest orders cancel USER ID.');
          await run(cmd, 'orders.cancel', { user: cancelUser, orderId });
          return;
        }
        if (cancelUser !== undefined)
          throw new HarvestError('INVALID_INPUT', 'To cancel an order: harvest orders cancel USER ID.');
        if (o.open || o.allLimit) await run(cmd, 'orders.open', { user: first, all: o.allLimit === true });
        else await run(cmd, 'orders.list', { user: first });
      },
    );
  program
    .command('positions <user>')
    .description("a user's positions and PnL")
    .addOption(new Option('--status <s>', 'which positions').choices(['open', 'closed', 'all']).default('all'))
    .action(
      async (u: string, o: { status: 'open' | 'closed' | 'all' }, cmd: Command) =>
        void (await run(cmd, 'positions.list', { user: u, status: o.status })),
    );
  program
    .command('trades <user>')
    .description("a user's trades")
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'trades.list', { user: u })));
  program
    .command('close-all <user>')
    .description('emergency: sell every open position of a user at the market and pause their entries until resumed')
    .option('--confirm', 'yes, flatten everything and pause their entries')
    .action(async (u: string, o: { confirm?: boolean }, cmd: Command) => {
      if (!o.confirm)
        throw new HarvestError(
          'CONFIRMATION_REQUIRED',
          "This sells every open position at the market and pauses this user's strategy entries until you resume them. Run it again with --confirm.",
        );
      await run(cmd, 'positions.closeAll', { user: u, confirm: true });
    });
  program
    .command('pause [user]')
    .description('pause new entries for everyone, or for one user (sells, closes and exits continue)')
    .option('--reason <text>', 'why')
    .action(
      async (u: string | undefined, o: { reason?: string }, cmd: Command) =>
        void (await run(cmd, 'controls.pause', {
          ...(u ? { user: u } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
        })),
    );
  program
    .command('resume [user]')
    .description('resume everyone (also ends a halt), or one user (also resets their breaker)')
    .action(
      async (u: string | undefined, _o, cmd: Command) => void (await run(cmd, 'controls.resume', u ? { user: u } : {})),
    );
  const breaker = program
    .command('breaker')
    .description('the global breaker: failed orders across everyone pause new entries for a cooldown');
  breaker
    .command('status')
    .description('whether it is tripped, why, and until when')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'breaker.status', {})));
  breaker
    .command('resume')
    .description('end it now: new entries resume for everyone')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'breaker.resume', {})));
  program
    .command('halt')
    .description('halt: nothing is signed until resumed')
    .option('--reason <text>', 'why')
    .action(
      async (o: { reason?: string }, cmd: Command) =>
        void (await run(cmd, 'controls.halt', o.reason ? { reason: o.reason } : {})),
    );
  program
    .command('controls')
    .description('pause and halt state')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'controls.status', {})));

  program
    .command('events [user]')
    .description('engine events, newest first')
    .option('--limit <n>', 'how many', '50')
    .action(
      async (u: string | undefined, o: { limit: string }, cmd: Command) =>
        void (await run(cmd, 'events.list', { ...(u ? { user: u } : {}), limit: Number(o.limit) })),
    );
  program
    .command('candles <token>')
    .description("a token's candles, oldest first: live and seeded history (on the sandbox, in replay time)")
    .option('--timeframe <tf>', '1m, 5m, 15m or 1h', '1h')
    .option('--limit <n>', 'how many, newest last', '48')
    .action(
      async (token: string, o: { timeframe: string; limit: string }, cmd: Command) =>
        void (await run(cmd, 'market.candles', { token, timeframe: o.timeframe, limit: Number(o.limit) })),
    );
  program
    .command('health')
    .description('how the engine is doing: cycle time, RPC, errors')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'engine.health', {})));

  const keys = program.command('keys').description('the master key');
  keys
    .command('rotate')
    .description('re-seal every wallet under a new master key')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'keys.rotate', {})));
  keys
    .command('adopt')
    .description('move the wallets from the sandbox key file under the OS keychain (or HARVEST_MASTER_KEY)')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'keys.adopt', {})));

  const backup = program.command('backup').description('recovery kit: database + master key under a passphrase');
  backup
    .command('create <file>')
    .description('write an encrypted backup (passphrase from stdin or a hidden prompt)')
    .action(async (file: string, _o, cmd: Command) => {
      const passphrase = await io.secrets.next('Backup passphrase: ');
      if (process.stdin.isTTY && (await io.secrets.next('Repeat the passphrase: ')) !== passphrase) {
        throw new HarvestError('INVALID_INPUT', 'The two passphrases differ; nothing was written.');
      }
      await run(cmd, 'backup.create', { file, passphrase });
    });
  backup
    .command('restore <file>')
    .description('restore a backup into the data directory and the OS keychain (Harvest must not be running)')
    .option('--force', 'replace a data directory that already has users (the old database is kept aside)', false)
    .action(async (file: string, o: { force: boolean }, cmd: Command) => {
      const ctx = ctxOf(cmd);
      const passphrase = await io.secrets.next('Backup passphrase: ');
      const { restoreBackup } = await import('../runtime');
      const r = restoreBackup({ file, passphrase, dataDir: ctx.dataDir, force: o.force, env: io.env });
      print(
        ctx.json,
        r,
        (x) =>
          `Restored ${x.users} user(s) and ${x.wallets} wallet(s) from a backup made ${x.backupCreatedAt} into ${x.dataDir}.` +
          (x.keptAside ? `\nThe previous database was kept at ${x.keptAside}.` : ''),
      );
    });

  const token = program
    .command('token')
    .description('tokens: add any by mint, their safety checks, how they are priced');
  token
    .command('prices')
    .description('the trusted price of every token: value, age, agreeing sources')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'prices.status', {})));
  registerTokenCommands(token, run);
  token
    .command('disallow <mint>')
    .description('require two agreeing price sources for a token again')
    .action(
      async (mint: string, _o, cmd: Command) => void (await run(cmd, 'prices.singleSource', { mint, allow: false })),
    );

  const audit = program.command('audit').description('the append-only audit log');
  audit
    .command('verify')
    .description('check the hash chain; reports the first modified or deleted row')
    .action(async (_o, cmd: Command) => {
      const out = await run(cmd, 'audit.verify', {});
      if (!out.ok) throw new ReportedFailure(1);
    });
  audit
    .command('list')
    .description('recent entries, newest first')
    .option('--user <user>', 'only this user')
    .option('--limit <n>', 'how many', '50')
    .action(
      async (o: { user?: string; limit: string }, cmd: Command) =>
        void (await run(cmd, 'audit.list', { ...(o.user ? { user: o.user } : {}), limit: Number(o.limit) })),
    );

  return program;
}
