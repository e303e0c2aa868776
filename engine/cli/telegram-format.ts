import type { CommandOutput } from '../api';

type Friend = CommandOutput<'telegram.friend'>;

function friendText(f: Friend): string {
  return [
    `Telegram: ${f.linked ? `linked since ${f.linkedAt}` : 'not linked'}`,
    `May:      ${f.permissions.join(', ')}`,
    `Alerts:   ${f.alertMinSeverity} and above; daily summary ${f.summaryHour === null ? 'off' : `at ${String(f.summaryHour).padStart(2, '0')}:00 UTC`}`,
    `TOTP for withdrawals: ${f.totp ? 'on' : 'off'}`,
  ].join('\n');
}

const STATE_TEXT: Record<CommandOutput<'telegram.status'>['state'], string> = {
  off: 'off',
  starting: 'connecting',
  connected: 'connected',
  unreachable: 'Telegram unreachable (trading is not affected; retrying)',
  'token-refused': 'Telegram refused the token: store a new one with `harvest telegram token`',
};

/** Human-readable output of the Telegram commands. */
export const telegramFormatters = {
  'telegram.status': (o: CommandOutput<'telegram.status'>): string =>
    [
      `Token:     ${o.configured ? 'stored in the OS keychain' : 'none (harvest telegram token)'}`,
      `Bridge:    ${o.running ? STATE_TEXT[o.state] : o.configured ? 'starts with `harvest serve`' : 'off'}${o.botUsername ? ` (@${o.botUsername})` : ''}`,
      `API root:  ${o.apiRoot}`,
      `Linked:    ${o.linkedFriends} friend(s)${o.operatorLinked ? ', and your own chat' : ''}`,
      ...(o.lastError && o.state !== 'connected' ? [`Last error: ${o.lastError}`] : []),
      ...(o.droppedAlerts > 0 ? [`Alerts dropped while Telegram was down: ${o.droppedAlerts}`] : []),
    ].join('\n'),
  'telegram.token': (o: CommandOutput<'telegram.token'>): string =>
    o.configured ? 'Bot token stored in the OS keychain.' : 'Bot token removed; the bridge is off.',
  'telegram.apiRoot': (o: CommandOutput<'telegram.apiRoot'>): string => `Bot API root: ${o.apiRoot}`,
  'telegram.link': (o: CommandOutput<'telegram.link'>): string =>
    [
      `Link code: ${o.code} (single use, until ${o.expiresAt})`,
      o.deepLink ? `Open: ${o.deepLink}` : `Send the bot: ${o.command}`,
    ].join('\n'),
  'telegram.unlink': (o: CommandOutput<'telegram.unlink'>): string =>
    o.unlinked ? 'Unlinked.' : 'Nothing was linked.',
  'telegram.friend': friendText,
  'telegram.permissions': friendText,
  'telegram.alerts': friendText,
  'telegram.totp': (o: CommandOutput<'telegram.totp'>): string =>
    o.enabled
      ? `TOTP on. Add this to the friend's authenticator app (shown once):\n${o.uri}\nSecret: ${o.secret}`
      : 'TOTP off.',
  'telegram.test': (o: CommandOutput<'telegram.test'>): string => o.message,
};
