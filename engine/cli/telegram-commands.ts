/**
 * `harvest telegram ...` (issue #15): the bot token (from stdin, never argv),
 * the bridge's status, friends' link codes and permissions, the Bot API root.
 */
import type { Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';
import type { SecretInput } from './io';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

const PERMISSIONS = ['view', 'trade', 'pause', 'withdraw', 'risk'];

export function registerTelegramCommands(program: Command, run: Run, secrets: SecretInput): void {
  const tg = program
    .command('telegram')
    .description('the Telegram bridge: friends reach their own account from their phone (runs with `harvest serve`)');
  tg.command('token')
    .description('store the bot token from BotFather in the OS keychain (read from stdin); --clear removes it')
    .option('--clear', 'remove the stored token (the bridge stops)')
    .action(async (o: { clear?: boolean }, cmd: Command) => {
      const token = o.clear ? null : (await secrets.next('Bot token: ')).trim();
      await run(cmd, 'telegram.token', { token });
    });
  tg.command('status', { isDefault: true })
    .description('token stored, connection, bot name and linked chats')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'telegram.status', {})));
  tg.command('link [user]')
    .description("print a fresh one-time link code for a friend (or, with --operator, for your own chat's alerts)")
    .option('--operator', 'a code for your own chat (operator alerts)')
    .action(async (u: string | undefined, o: { operator?: boolean }, cmd: Command) => {
      if (!u && !o.operator) throw new HarvestError('INVALID_INPUT', 'Name a friend, or pass --operator.');
      await run(cmd, 'telegram.link', o.operator ? { operator: true } : { user: u });
    });
  tg.command('unlink [user]')
    .description("unlink a friend's Telegram (or, with --operator, yours)")
    .option('--operator', 'unlink your own chat')
    .action(async (u: string | undefined, o: { operator?: boolean }, cmd: Command) => {
      if (!u && !o.operator) throw new HarvestError('INVALID_INPUT', 'Name a friend, or pass --operator.');
      await run(cmd, 'telegram.unlink', o.operator ? { operator: true } : { user: u });
    });
  tg.command('permissions <user> [list]')
    .description(`show, or set (comma-separated: ${PERMISSIONS.join(',')}), what a friend may do from Telegram`)
    .action(async (u: string, list: string | undefined, _o, cmd: Command) => {
      if (list === undefined) return void (await run(cmd, 'telegram.friend', { user: u }));
      const permissions = list
        .split(',')
        .map((p) => p.trim().toLowerCase())
        .filter((p) => p !== '');
      await run(cmd, 'telegram.permissions', { user: u, permissions });
    });
  tg.command('alerts <user>')
    .description("a friend's Telegram alert floor and daily summary hour (UTC)")
    .option('--min-severity <level>', 'info, warning or critical')
    .option('--summary-hour <hour>', '0-23, or off')
    .action(async (u: string, o: { minSeverity?: string; summaryHour?: string }, cmd: Command) => {
      const summaryHour =
        o.summaryHour === undefined ? undefined : o.summaryHour === 'off' ? null : Number(o.summaryHour);
      await run(cmd, 'telegram.alerts', {
        user: u,
        ...(o.minSeverity !== undefined ? { minSeverity: o.minSeverity } : {}),
        ...(summaryHour !== undefined ? { summaryHour } : {}),
      });
    });
  tg.command('totp <user> <on|off>')
    .description('require a TOTP code for withdrawals over Telegram (on shows the secret once)')
    .action(async (u: string, state: string, _o, cmd: Command) => {
      if (state !== 'on' && state !== 'off') throw new HarvestError('INVALID_INPUT', 'Say on or off.');
      await run(cmd, 'telegram.totp', { user: u, enable: state === 'on' });
    });
  tg.command('api-root <url>')
    .description("the Bot API base URL (default https://api.telegram.org; 'default' resets it)")
    .action(async (url: string, _o, cmd: Command) => {
      await run(cmd, 'telegram.apiRoot', { url: url === 'default' ? null : url });
    });
  tg.command('test')
    .description('send a test message to your linked chat')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'telegram.test', {})));
}
