import { dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { commandNames, commands, needsConfirmation, requestsLiveMode, type CommandName } from '../engine/api/contract';
import type { EngineEvent } from '../engine/api/events';
import type { JobUpdate } from '../engine/api/client';
import { parseCommandInput } from '../engine/api/validate';
import { toHarvestError } from '../engine/kernel/errors';
import type { CommandResult } from '../renderer/ipc-types';
import { commandChannel, EVENT_CHANNEL, JOB_CHANNEL } from './channels';
import { originOf } from './security';

/** What the IPC layer needs of the engine (a real Engine, or a fake in tests). */
export interface IpcEngine {
  executeUntyped(name: string, input: unknown): Promise<unknown>;
  readonly bus: { subscribe(listener: (event: EngineEvent) => void): () => void };
  /** Background jobs' progress, already paced (engine/kernel/job-feed); sent on JOB_CHANNEL. */
  readonly jobFeed?: { subscribe(listener: (update: JobUpdate) => void): () => void };
  /** Checks a sensitive command's preconditions before anyone is asked (engine/runtime/preflight). */
  preflight?(name: string, input: unknown): Promise<string>;
  /** A friend's name by id, so a confirmation never shows an id. */
  userName?(id: number): string | null;
}

export interface IpcLogger {
  warn(obj: object, msg: string): void;
}

export interface IpcOptions {
  /** The main window (null while there is none): only its top frame may call. */
  window: () => BrowserWindow | null;
  /** scheme://host of the renderer (app://harvest, or the dev server). */
  rendererOrigin: string;
  /** Asks the operator before a sensitive command runs; defaults to a native dialog. */
  confirm?: (window: BrowserWindow, request: ConfirmationRequest) => Promise<boolean>;
  log?: IpcLogger;
}

/** Codes the shell itself answers with (the engine's own codes pass through unchanged). */
export const REFUSED_SENDER = 'REFUSED';
export const CANCELLED = 'CANCELLED';

export type IpcResult = CommandResult<CommandName>;

/** Why a sender is not trusted, or null when it is the main window's own top frame on the app's origin. */
export function untrustedSender(
  event: IpcMainInvokeEvent,
  window: BrowserWindow | null,
  rendererOrigin: string,
): string | null {
  if (!window || window.isDestroyed()) return 'there is no Harvest window';
  if (event.sender !== window.webContents) return 'the call did not come from the Harvest window';
  const frame = event.senderFrame;
  if (!frame) return 'the calling frame is gone';
  if (frame.parent !== null) return 'the call came from a sub-frame';
  if (originOf(frame.url) !== rendererOrigin)
    return `the calling page (${originOf(frame.url) ?? 'unknown origin'}) is not the Harvest UI`;
  return null;
}

export interface ConfirmationRequest {
  command: CommandName;
  title: string;
  message: string;
  detail: string;
  confirmLabel: string;
}

const SECRET_FIELDS = new Set(['passphrase', 'key', 'mnemonic', 'secretKey', 'password', 'token']);

function who(user: unknown): string {
  if (typeof user === 'number') return 'this friend';
  if (typeof user === 'string') return `“${user}”`;
  return 'every user';
}

function redacted(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  return Object.entries(input as Record<string, unknown>)
    .filter(([k]) => k !== 'confirm')
    .map(([k, v]) => `${k}: ${SECRET_FIELDS.has(k) ? '••••' : JSON.stringify(v)}`)
    .join('\n');
}

/**
 * What the native confirmation says for each sensitive command: what will
 * happen, to whom, and what cannot be undone. Secrets in the input are never
 * shown. A sensitive command added to the contract later still gets asked
 * (with its summary and its input), never silently run.
 */
export function describeSensitive(command: CommandName, input: unknown): ConfirmationRequest {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const base = { command, title: 'Harvest — please confirm' };
  switch (command) {
    case 'funds.withdraw':
      return {
        ...base,
        message: `Send ${String(i['amount'])} ${String(i['token'] ?? 'SOL')} from ${who(i['user'])}'s wallet?`,
        detail: `To: ${String(i['to'])}\n\nThe transfer is signed and sent at once and cannot be reversed.`,
        confirmLabel: 'Send',
      };
    case 'wallet.export':
      return {
        ...base,
        message: `Reveal the recovery phrase / secret key of ${who(i['user'])}'s wallet?`,
        detail:
          'Anyone who sees it can take every coin in that wallet. Make sure no one is watching your screen. The export is recorded in the audit log.',
        confirmLabel: 'Reveal',
      };
    case 'whitelist.add':
      return {
        ...base,
        message: `Allow withdrawals from ${who(i['user'])}'s wallet to ${String(i['address'])}?`,
        detail: `${i['label'] ? `Label: ${String(i['label'])}\n` : ''}The address becomes usable after the whitelist delay.`,
        confirmLabel: 'Allow',
      };
    case 'whitelist.remove':
      return {
        ...base,
        message: `Stop allowing withdrawals from ${who(i['user'])}'s wallet to ${String(i['address'])}?`,
        detail: 'Adding it back later starts the whitelist delay again.',
        confirmLabel: 'Remove',
      };
    case 'users.remove':
      return {
        ...base,
        message: `Remove ${who(i['user'])} from Harvest?`,
        detail:
          i['force'] === true
            ? 'Forced: the user is removed even though their wallet may still hold funds or positions. Export the wallet first.'
            : 'Refused while the wallet still holds funds or open positions.',
        confirmLabel: 'Remove',
      };
    case 'network.set':
      return {
        ...base,
        message: `Switch Harvest to ${String(i['network'])}?`,
        detail: `${i['network'] === 'mainnet' ? 'On mainnet, orders and withdrawals move REAL funds.\n' : ''}Refused while positions are open or orders are unsettled. Harvest needs a restart afterwards.`,
        confirmLabel: 'Switch',
      };
    case 'positions.closeAll':
      return {
        ...base,
        message: `Sell every open position of ${who(i['user'])} at the market now?`,
        detail:
          "Each position is closed with a market order; prices may be worse than expected. This user's strategy entries are then paused until you resume them.",
        confirmLabel: 'Close all',
      };
    case 'controls.resume':
      return {
        ...base,
        message: i['user'] === undefined ? 'Resume trading for everyone?' : `Resume trading for ${who(i['user'])}?`,
        detail:
          i['user'] === undefined
            ? 'This also ends a halt: the engine signs transactions again.'
            : "This also resets the user's breaker.",
        confirmLabel: 'Resume',
      };
    case 'settings.jupiterKey':
      return {
        ...base,
        message: i['key'] === null ? 'Remove the Jupiter API key?' : 'Store this Jupiter API key in the OS keychain?',
        detail:
          i['key'] === null ? 'Mainnet swaps need a key; without one they fail.' : 'It replaces any key stored before.',
        confirmLabel: i['key'] === null ? 'Remove' : 'Store',
      };
    case 'keys.rotate':
      return {
        ...base,
        message: 'Re-seal every wallet under a new master key?',
        detail: 'Make a new recovery kit afterwards: kits made before the rotation no longer open the wallets.',
        confirmLabel: 'Rotate',
      };
    case 'keys.adopt':
      return {
        ...base,
        message: 'Move every wallet under the OS keychain?',
        detail:
          'The sandbox key file is deleted afterwards. Make a new recovery kit: older kits no longer open the wallets.',
        confirmLabel: 'Move',
      };
    case 'backup.create':
      return {
        ...base,
        message: 'Write an encrypted recovery kit?',
        detail: `File: ${String(i['file'])}\n\nThe kit holds every wallet (encrypted with your passphrase). Keep it offline.`,
        confirmLabel: 'Write kit',
      };
    case 'settings.set':
    case 'strategy.set':
      if (requestsLiveMode(command, input))
        return {
          ...base,
          message: `Switch ${who(i['user'])} to live mode?`,
          detail:
            'From the next order on, their orders are real swaps with the funds in their wallet. Paper mode simulates fills instead.',
          confirmLabel: 'Go live',
        };
      return { ...base, message: `${commands[command].summary}?`, detail: redacted(input), confirmLabel: 'Continue' };
    default:
      return { ...base, message: `${commands[command].summary}?`, detail: redacted(input), confirmLabel: 'Continue' };
  }
}

/** The native form of the two-step confirmation: a modal message box on the window. */
export async function nativeConfirm(window: BrowserWindow, request: ConfirmationRequest): Promise<boolean> {
  const r = await dialog.showMessageBox(window, {
    type: 'warning',
    title: request.title,
    message: request.message,
    detail: request.detail,
    buttons: ['Cancel', request.confirmLabel],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  return r.response === 1;
}

/**
 * One ipcMain.handle per command, generated from the contract, so a command
 * without a handler cannot exist. Every call is checked for its sender first;
 * sensitive commands are confirmed natively; the answer is always an envelope
 * ({ok:true,result} or {ok:false,error:{code,message}}) so typed errors
 * survive the hop. Engine events go to the window on EVENT_CHANNEL, job
 * progress on JOB_CHANNEL.
 * Returns a function that removes the handlers and the event forwarding.
 */
export function registerIpc(engine: IpcEngine, opts: IpcOptions): () => void {
  const confirm = opts.confirm ?? nativeConfirm;
  for (const name of commandNames) {
    ipcMain.handle(commandChannel(name), async (event: IpcMainInvokeEvent, input: unknown): Promise<IpcResult> => {
      const window = opts.window();
      const refusal = untrustedSender(event, window, opts.rendererOrigin);
      if (refusal !== null || !window) {
        opts.log?.warn({ command: name, url: event.senderFrame?.url ?? null, refusal }, 'IPC call refused');
        return { ok: false, error: { code: REFUSED_SENDER, message: `Refused: ${refusal ?? 'no window'}.` } };
      }
      try {
        if (needsConfirmation(name, input)) {
          // Bad input is answered before anyone is asked anything.
          const parsed = parseCommandInput(name, input);
          // So do its preconditions (an address, the balance, a limit's bounds, a network switch's).
          if (engine.preflight) await engine.preflight(name, parsed);
          const user = (parsed as { user?: unknown }).user;
          const named =
            typeof user === 'number' && engine.userName?.(user) ? { ...parsed, user: engine.userName(user)! } : parsed;
          if (!(await confirm(window, describeSensitive(name, named)))) {
            return { ok: false, error: { code: CANCELLED, message: 'Cancelled: nothing was changed.' } };
          }
        }
        return { ok: true, result: (await engine.executeUntyped(name, input)) as never };
      } catch (e) {
        const err = toHarvestError(e);
        return { ok: false, error: { code: err.code, message: err.message } };
      }
    });
  }
  const toUi = (channel: string, payload: unknown): void => {
    const window = opts.window();
    if (!window || window.isDestroyed()) return;
    const contents = window.webContents;
    // Pushes go only to the Harvest UI, never to whatever else the window might show.
    if (originOf(contents.getURL()) !== opts.rendererOrigin) return;
    contents.send(channel, payload);
  };
  const unsubscribe = engine.bus.subscribe((event) => toUi(EVENT_CHANNEL, event));
  const unsubscribeJobs = engine.jobFeed?.subscribe((update) => toUi(JOB_CHANNEL, update)) ?? (() => undefined);
  return () => {
    unsubscribe();
    unsubscribeJobs();
    for (const name of commandNames) ipcMain.removeHandler(commandChannel(name));
  };
}
