import { dialog, Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { EngineEvent, EventPayload } from '../engine/api/events';
import { GLOBAL_SCOPE } from '../engine/risk/controls';
import { trayIconPng, type TrayState } from './icons';

export interface ControlStateLike {
  paused: boolean;
  halted: boolean;
  reason: string | null;
}

/** What the tray needs of the engine (a real Engine, or a fake in tests). */
export interface TrayEngine {
  executeUntyped(name: string, input: unknown): Promise<unknown>;
  readonly controls: { global(): ControlStateLike };
  readonly bus: { subscribe(listener: (event: EngineEvent) => void): () => void };
}

export interface TrayOptions {
  showWindow(): void;
  quit(): void;
  /** Asks before halting (and before resuming from a halt); defaults to a native message box. */
  confirm?: (request: { message: string; detail: string; confirmLabel: string }) => Promise<boolean>;
  /** Reports a failed action; defaults to a native error box. */
  reportError?: (message: string) => void;
  platform?: NodeJS.Platform;
}

export function trayStateOf(c: ControlStateLike): TrayState {
  if (c.halted) return 'halted';
  if (c.paused) return 'paused';
  return 'running';
}

export function trayTooltip(c: ControlStateLike): string {
  const why = c.reason ? ` — ${c.reason}` : '';
  switch (trayStateOf(c)) {
    case 'running':
      return 'Harvest — trading';
    case 'paused':
      return `Harvest — paused${why}`;
    case 'halted':
      return `Harvest — HALTED${why}`;
  }
}

async function nativeConfirm(request: { message: string; detail: string; confirmLabel: string }): Promise<boolean> {
  const r = await dialog.showMessageBox({
    type: 'warning',
    title: 'Harvest — please confirm',
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
 * The tray icon: green (trading), amber (paused) or red (halted), with Pause
 * all, Resume, Halt (confirmed first), Open Harvest and Quit. It follows
 * controls.changed events, whoever caused them (this menu, the window, the
 * CLI, a breaker).
 */
export class HarvestTray {
  readonly tray: Tray;
  private readonly images = new Map<TrayState, NativeImage>();
  private readonly unsubscribe: () => void;
  private readonly confirm: NonNullable<TrayOptions['confirm']>;
  private readonly reportError: NonNullable<TrayOptions['reportError']>;
  private current: TrayState;

  constructor(
    private readonly engine: TrayEngine,
    private readonly opts: TrayOptions,
  ) {
    this.confirm = opts.confirm ?? nativeConfirm;
    this.reportError = opts.reportError ?? ((m) => dialog.showErrorBox('Harvest', m));
    this.current = trayStateOf(engine.controls.global());
    this.tray = new Tray(this.image(this.current));
    this.tray.on('click', () => opts.showWindow());
    this.unsubscribe = engine.bus.subscribe((e) => {
      // The event carries the new state: a resume is emitted before Controls' cache reflects it.
      if (e.type !== 'controls.changed') return;
      const p = e.payload as EventPayload<'controls.changed'>;
      if (p.scope === GLOBAL_SCOPE) this.render({ paused: p.paused, halted: p.halted, reason: p.reason });
    });
    this.refresh();
  }

  get state(): TrayState {
    return this.current;
  }

  private image(state: TrayState): NativeImage {
    let img = this.images.get(state);
    if (!img) {
      // 32 px: 16 pt at 2x on macOS; other platforms scale it to their tray size.
      const mac = (this.opts.platform ?? process.platform) === 'darwin';
      img = nativeImage.createFromBuffer(trayIconPng(state, 32), { scaleFactor: mac ? 2 : 1 });
      this.images.set(state, img);
    }
    return img;
  }

  /** Re-reads the global controls and redraws icon, tooltip and menu. */
  refresh(): void {
    this.render(this.engine.controls.global());
  }

  private render(c: ControlStateLike): void {
    this.current = trayStateOf(c);
    this.tray.setImage(this.image(this.current));
    this.tray.setToolTip(trayTooltip(c));
    this.tray.setContextMenu(Menu.buildFromTemplate(this.template(c)));
  }

  template(c: ControlStateLike): MenuItemConstructorOptions[] {
    const state = trayStateOf(c);
    return [
      { id: 'status', label: trayTooltip(c), enabled: false },
      { type: 'separator' },
      { id: 'pause', label: 'Pause all', enabled: state === 'running', click: () => void this.pauseAll() },
      { id: 'resume', label: 'Resume', enabled: state !== 'running', click: () => void this.resume() },
      { id: 'halt', label: 'Halt…', enabled: state !== 'halted', click: () => void this.halt() },
      { type: 'separator' },
      { id: 'open', label: 'Open Harvest', click: () => this.opts.showWindow() },
      { id: 'quit', label: 'Quit Harvest', click: () => this.opts.quit() },
    ];
  }

  private async run(command: string, input: unknown): Promise<void> {
    try {
      await this.engine.executeUntyped(command, input);
    } catch (e) {
      this.reportError(`Could not ${command.replace('controls.', '')}: ${(e as Error).message}`);
    }
    this.refresh();
  }

  async pauseAll(): Promise<void> {
    await this.run('controls.pause', { reason: 'Paused from the tray' });
  }

  async resume(): Promise<void> {
    if (this.engine.controls.global().halted) {
      const ok = await this.confirm({
        message: 'Resume trading after the halt?',
        detail: 'The engine will sign transactions again and every active user trades under their own settings.',
        confirmLabel: 'Resume',
      });
      if (!ok) return;
    }
    await this.run('controls.resume', {});
  }

  async halt(): Promise<void> {
    const ok = await this.confirm({
      message: 'Halt all trading?',
      detail:
        'Nothing is signed at all until you resume: no entries, no exits, no withdrawals. Orders already sent finish or expire.',
      confirmLabel: 'Halt',
    });
    if (!ok) return;
    await this.run('controls.halt', { reason: 'Halted from the tray' });
  }

  dispose(): void {
    this.unsubscribe();
    this.tray.destroy();
  }
}

export function createTray(engine: TrayEngine, opts: TrayOptions): HarvestTray {
  return new HarvestTray(engine, opts);
}
