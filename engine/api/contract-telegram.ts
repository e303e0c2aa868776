import { z } from 'zod';
import { command } from './command-spec';

/**
 * Commands of issue #15 (the Telegram bridge), kept in their own file and
 * spread into the contract's table. The bot token is write-only: no command
 * returns it.
 */
const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');

const Permission = z.enum(['view', 'trade', 'pause', 'withdraw', 'risk']);

const TelegramFriendOut = z.object({
  userId: z.number().int(),
  linked: z.boolean(),
  linkedAt: z.string().nullable(),
  permissions: z.array(Permission),
  /** Hour (UTC) of the daily summary, or null when off. */
  summaryHour: z.number().int().nullable(),
  alertMinSeverity: z.enum(['info', 'warning', 'critical']),
  totp: z.boolean(),
});

const TelegramStatusOut = z.object({
  configured: z.boolean(),
  /** off (no token or not serving), starting, connected, unreachable, token-refused. */
  state: z.enum(['off', 'starting', 'connected', 'unreachable', 'token-refused']),
  /** Whether this process runs the bridge (`harvest serve` or the desktop app do; a one-shot CLI does not). */
  running: z.boolean(),
  botUsername: z.string().nullable(),
  lastError: z.string().nullable(),
  lastOkAt: z.string().nullable(),
  apiRoot: z.string(),
  operatorLinked: z.boolean(),
  linkedFriends: z.number().int(),
  queuedAlerts: z.number().int(),
  droppedAlerts: z.number().int(),
});

export const telegramCommands = {
  'telegram.status': command({
    summary: 'The Telegram bridge: token stored, connection, bot name, linked chats',
    mutates: false,
    input: z.object({}).strict(),
    output: TelegramStatusOut,
  }),
  'telegram.token': command({
    summary: 'Store (or, with null, remove) the Telegram bot token in the OS keychain; the bridge restarts with it',
    mutates: true,
    sensitive: true,
    input: z
      .object({
        token: z
          .string()
          .trim()
          .regex(
            /^\d{3,20}:[A-Za-z0-9_-]{30,100}$/u,
            'a bot token as BotFather gives it (digits, a colon, then letters)',
          )
          .nullable(),
      })
      .strict(),
    output: z.object({ configured: z.boolean() }),
  }),
  'telegram.apiRoot': command({
    summary: "Set the Bot API base URL (default Telegram's; a self-hosted Bot API server or a test fake)",
    mutates: true,
    input: z
      .object({
        url: z
          .string()
          .trim()
          .url('a URL like https://api.telegram.org')
          .refine((u) => /^https?:\/\//u.test(u) && !u.endsWith('/'), 'an http(s) URL without a trailing /')
          .nullable(),
      })
      .strict(),
    output: z.object({ apiRoot: z.string() }),
  }),
  'telegram.link': command({
    summary: "A fresh one-time link code (and deep link) for a friend's Telegram, or with operator: true for yours",
    mutates: true,
    input: z
      .object({ user: UserRef.optional(), operator: z.boolean().default(false) })
      .strict()
      .refine((i) => (i.user === undefined) === i.operator, 'Name a friend, or ask for the operator code (not both).'),
    output: z.object({
      code: z.string(),
      expiresAt: z.string(),
      /** t.me link that opens the bot with the code (null until the bot's name is known). */
      deepLink: z.string().nullable(),
      /** What to send the bot instead: /start CODE. */
      command: z.string(),
    }),
  }),
  'telegram.unlink': command({
    summary: "Unlink a friend's Telegram (or, with operator: true, yours)",
    mutates: true,
    input: z
      .object({ user: UserRef.optional(), operator: z.boolean().default(false) })
      .strict()
      .refine((i) => (i.user === undefined) === i.operator, 'Name a friend, or the operator (not both).'),
    output: z.object({ unlinked: z.boolean() }),
  }),
  'telegram.friend': command({
    summary: "A friend's Telegram link, permissions, alert floor and summary hour",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: TelegramFriendOut,
  }),
  'telegram.permissions': command({
    summary: 'Set what a friend may do from Telegram: view (always), trade, pause, withdraw, risk',
    mutates: true,
    input: z.object({ user: UserRef, permissions: z.array(Permission).max(5) }).strict(),
    output: TelegramFriendOut,
  }),
  'telegram.alerts': command({
    summary: "A friend's Telegram alert floor and daily summary hour (UTC, or null for none)",
    mutates: true,
    input: z
      .object({
        user: UserRef,
        minSeverity: z.enum(['info', 'warning', 'critical']).optional(),
        summaryHour: z.number().int().min(0).max(23).nullable().optional(),
      })
      .strict(),
    output: TelegramFriendOut,
  }),
  'telegram.totp': command({
    summary: 'Turn the TOTP second factor for Telegram withdrawals on (shows the secret once) or off',
    mutates: true,
    sensitive: true,
    input: z.object({ user: UserRef, enable: z.boolean() }).strict(),
    output: z.object({ enabled: z.boolean(), secret: z.string().nullable(), uri: z.string().nullable() }),
  }),
  'telegram.test': command({
    summary: "Send a test message to the operator's linked Telegram chat",
    mutates: true,
    input: z.object({}).strict(),
    output: z.object({ sent: z.boolean(), message: z.string() }),
  }),
} as const;
