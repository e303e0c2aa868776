import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import type { Engine } from '../../../engine/runtime';
import { trayIconPng } from '../../../electron/icons';
import { createTray, type HarvestTray } from '../../../electron/tray';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { resetElectronStub, stub, type FakeTray } from './electron-stub';

let tmp: ReturnType<typeof tempDataDir>;
let engine: Engine;
let tray: HarvestTray;
let fake: FakeTray;
const showWindow = vi.fn();
const quit = vi.fn();

function enabled(): Record<string, boolean> {
  return Object.fromEntries(
    ['pause', 'resume', 'halt', 'open', 'quit'].map((id) => [id, fake.item(id).enabled !== false]),
  );
}

beforeEach(() => {
  resetElectronStub();
  showWindow.mockReset();
  quit.mockReset();
  tmp = tempDataDir('hv-tray-');
  engine = openEngine(tmp.dir, { actor: 'ui', ownerKind: 'engine' });
  tray = createTray(engine, { showWindow, quit, platform: 'linux' });
  expect(stub.trays).toHaveLength(1);
  fake = stub.trays[0]!;
});

afterEach(async () => {
  tray.dispose();
  await engine.close();
  tmp.cleanup();
});

describe('tray', () => {
  it('starts green (running) with the full menu', () => {
    expect(tray.state).toBe('running');
    expect(fake.image.buffer.equals(trayIconPng('running'))).toBe(true);
    expect(fake.tooltip).toBe('Harvest — trading');
    expect(fake.menu!.items.filter((i) => i.id).map((i) => i.label)).toEqual([
      'Harvest — trading',
      'Pause all',
      'Resume',
      'Halt…',
      'Open Harvest',
      'Quit Harvest',
    ]);
    expect(enabled()).toEqual({ pause: true, resume: false, halt: true, open: true, quit: true });
  });

  it('Pause all pauses the engine and the icon turns amber', async () => {
    await fake.click('pause');
    expect(engine.controls.global()).toMatchObject({ paused: true, halted: false, reason: 'Paused from the tray' });
    expect(tray.state).toBe('paused');
    expect(fake.image.buffer.equals(trayIconPng('paused'))).toBe(true);
    expect(fake.tooltip).toContain('paused');
    expect(enabled()).toMatchObject({ pause: false, resume: true, halt: true });
    // The change is audited as the UI's.
    const audit = engine.store.audit.list({ limit: 5 }) as { action: string; actor: string }[];
    expect(audit.find((a) => a.action === 'controls.changed')).toMatchObject({ actor: 'ui' });
  });

  it('Halt asks first: Cancel leaves the engine trading; confirming halts it', async () => {
    stub.messageBoxAnswer = 0; // Cancel
    await fake.click('halt');
    expect(stub.messageBoxes).toHaveLength(1);
    expect(stub.messageBoxes[0]!.options.message).toMatch(/Halt all trading/u);
    expect(stub.messageBoxes[0]!.options.buttons).toEqual(['Cancel', 'Halt']);
    expect(engine.controls.halted).toBe(false);
    expect(tray.state).toBe('running');

    stub.messageBoxAnswer = 1; // Halt
    await fake.click('halt');
    expect(engine.controls.halted).toBe(true);
    expect(engine.controls.global()).toMatchObject({ halted: true, reason: 'Halted from the tray' });
    expect(tray.state).toBe('halted');
    expect(fake.image.buffer.equals(trayIconPng('halted'))).toBe(true);
    expect(fake.tooltip).toContain('HALTED');
    expect(enabled()).toMatchObject({ pause: false, resume: true, halt: false });
  });

  it('Resume after a halt asks first, then resumes; after a pause it resumes directly', async () => {
    stub.messageBoxAnswer = 1;
    await fake.click('halt');
    stub.messageBoxAnswer = 0;
    await fake.click('resume');
    expect(engine.controls.halted).toBe(true);
    stub.messageBoxAnswer = 1;
    await fake.click('resume');
    expect(engine.controls.global()).toMatchObject({ paused: false, halted: false });
    expect(tray.state).toBe('running');
    expect(stub.messageBoxes.map((m) => m.options.message)).toEqual([
      'Halt all trading?',
      'Resume trading after the halt?',
      'Resume trading after the halt?',
    ]);

    await fake.click('pause');
    await fake.click('resume');
    expect(engine.controls.global().paused).toBe(false);
    expect(stub.messageBoxes).toHaveLength(3);
  });

  it('follows controls.changed from anywhere (CLI, window, breaker)', () => {
    engine.controls.pauseAll('maintenance', 'cli');
    expect(tray.state).toBe('paused');
    expect(fake.tooltip).toBe('Harvest — paused — maintenance');
    engine.controls.halt('incident', 'cli');
    expect(tray.state).toBe('halted');
    expect(fake.image.buffer.equals(trayIconPng('halted'))).toBe(true);
    engine.controls.resumeAll('cli');
    expect(tray.state).toBe('running');
    expect(fake.image.buffer.equals(trayIconPng('running'))).toBe(true);
    // A user's own pause is not a global state change.
    const alice = engine.store.users.insert('alice', '2026-01-01T00:00:00.000Z');
    engine.controls.pauseUser(alice.id, 'breaker', 'engine');
    expect(tray.state).toBe('running');
  });

  it('Open Harvest shows the window, clicking the icon too, and Quit quits', async () => {
    await fake.click('open');
    expect(showWindow).toHaveBeenCalledTimes(1);
    fake.emit('click');
    expect(showWindow).toHaveBeenCalledTimes(2);
    await fake.click('quit');
    expect(quit).toHaveBeenCalledTimes(1);
  });

  it('reports a failed action instead of throwing', async () => {
    const reportError = vi.fn();
    tray.dispose();
    tray = createTray(
      { executeUntyped: () => Promise.reject(new Error('engine closed')), controls: engine.controls, bus: engine.bus },
      { showWindow, quit, reportError },
    );
    await stub.trays[1]!.click('pause');
    expect(reportError).toHaveBeenCalledWith(expect.stringContaining('engine closed'));
  });

  it('stops following the engine once disposed', () => {
    tray.dispose();
    expect(fake.destroyed).toBe(true);
    const images = fake.images.length;
    engine.controls.pauseAll(null, 'cli');
    expect(fake.images).toHaveLength(images);
    tray = createTray(engine, { showWindow, quit });
  });
});
