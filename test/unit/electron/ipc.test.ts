import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { commandNames, commands, type CommandName } from '../../../engine/api/contract';
import type { Engine } from '../../../engine/runtime';
import { commandChannel, EVENT_CHANNEL, JOB_CHANNEL } from '../../../electron/channels';
import { CANCELLED, describeSensitive, registerIpc, REFUSED_SENDER, untrustedSender } from '../../../electron/ipc';
import { APP_ORIGIN, APP_URL } from '../../../electron/security';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { FakeBrowserWindow, invokeHandler, resetElectronStub, stub, type FakeFrame } from './electron-stub';

type Envelope = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

let tmp: ReturnType<typeof tempDataDir>;
let engine: Engine;
let win: FakeBrowserWindow;
let dispose: () => void;

function call(name: CommandName, input: unknown, event: unknown = win.webContents.ipcEvent()): Promise<Envelope> {
  return invokeHandler(commandChannel(name), event, input) as Promise<Envelope>;
}

async function userNames(): Promise<string[]> {
  const r = (await engine.executeUntyped('users.list', {})) as { users: { name: string }[] };
  return r.users.map((u) => u.name);
}

beforeEach(async () => {
  resetElectronStub();
  tmp = tempDataDir('hv-ipc-');
  engine = openEngine(tmp.dir, { actor: 'ui', ownerKind: 'engine' });
  win = new FakeBrowserWindow({});
  await win.loadURL(APP_URL);
  dispose = registerIpc(engine, { window: () => win as unknown as BrowserWindow, rendererOrigin: APP_ORIGIN });
});

afterEach(async () => {
  dispose();
  await engine.close();
  tmp.cleanup();
});

describe('IPC handlers', () => {
  it('registers exactly one handler per API command, on harvest:cmd:<name>, and removes them all', () => {
    const registered = [...stub.handlers.keys()].sort();
    expect(registered).toEqual(commandNames.map(commandChannel).sort());
    expect(registered).toHaveLength(Object.keys(commands).length);
    dispose();
    expect(stub.handlers.size).toBe(0);
    dispose = () => undefined;
  });

  it('runs a command for the app window and answers {ok:true,result}', async () => {
    const r = await call('users.add', { name: 'alice' });
    expect(r).toMatchObject({ ok: true, result: { name: 'alice' } });
    expect(await userNames()).toEqual(['alice']);
  });

  it('answers bad input and engine errors with {ok:false,error:{code,message}} and changes nothing', async () => {
    const bad = await call('users.add', { name: 42 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('INVALID_INPUT');
      expect(bad.error.message).toMatch(/users\.add/u);
    }
    const missing = await call('users.rename', { user: 'nobody', name: 'x' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await userNames()).toEqual([]);
  });

  describe('sender checks', () => {
    const foreign: [string, () => unknown][] = [
      ['a page on another origin', () => win.webContents.ipcEvent({ url: 'https://evil.example/', parent: null })],
      ['another app:// host', () => win.webContents.ipcEvent({ url: 'app://evil/index.html', parent: null })],
      ['a file:// page', () => win.webContents.ipcEvent({ url: 'file:///tmp/index.html', parent: null })],
      [
        'a sub-frame on the app origin',
        () => win.webContents.ipcEvent({ url: 'app://harvest/x.html', parent: win.webContents.mainFrame }),
      ],
      ['a frame that is gone', () => win.webContents.ipcEvent(null)],
      [
        'another window',
        () => new FakeBrowserWindow({}).webContents.ipcEvent({ url: APP_URL, parent: null } satisfies FakeFrame),
      ],
    ];
    it.each(foreign)('refuses %s and runs nothing', async (_what, event) => {
      const spy = vi.spyOn(engine, 'executeUntyped');
      const r = await call('users.add', { name: 'mallory' }, event());
      expect(r).toMatchObject({ ok: false, error: { code: REFUSED_SENDER } });
      // A sensitive command from a foreign frame does not even get a dialog.
      const s = await call('users.remove', { user: 'alice' }, event());
      expect(s).toMatchObject({ ok: false, error: { code: REFUSED_SENDER } });
      expect(stub.messageBoxes).toHaveLength(0);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      expect(await userNames()).toEqual([]);
    });

    it('refuses everything once the window is destroyed', async () => {
      win.close(); // no close handler here: the window really goes
      expect(await call('users.add', { name: 'x' })).toMatchObject({ ok: false, error: { code: REFUSED_SENDER } });
    });

    it('untrustedSender accepts only the main window top frame on the renderer origin', () => {
      const w = win as unknown as BrowserWindow;
      const ev = (frame: FakeFrame | null) => win.webContents.ipcEvent(frame) as unknown as IpcMainInvokeEvent;
      expect(untrustedSender(ev(win.webContents.mainFrame), w, APP_ORIGIN)).toBeNull();
      expect(untrustedSender(ev({ url: 'app://harvest/deep/route?x=1', parent: null }), w, APP_ORIGIN)).toBeNull();
      expect(untrustedSender(ev({ url: 'http://127.0.0.1:5173/', parent: null }), w, APP_ORIGIN)).toMatch(
        /not the Harvest UI/u,
      );
      expect(
        untrustedSender(ev({ url: 'http://127.0.0.1:5173/', parent: null }), w, 'http://127.0.0.1:5173'),
      ).toBeNull();
      expect(untrustedSender(ev(win.webContents.mainFrame), null, APP_ORIGIN)).toMatch(/no Harvest window/u);
    });
  });

  describe('sensitive commands', () => {
    it('asks a native confirmation on the window; Cancel changes nothing, confirming runs it', async () => {
      await call('users.add', { name: 'bob' });
      stub.messageBoxAnswer = 0; // Cancel
      const cancelled = await call('users.remove', { user: 'bob' });
      expect(cancelled).toMatchObject({ ok: false, error: { code: CANCELLED } });
      expect(await userNames()).toEqual(['bob']);
      expect(stub.messageBoxes).toHaveLength(1);
      const box = stub.messageBoxes[0]!;
      expect(box.window).toBe(win);
      expect(box.options.message).toContain('Remove “bob”');
      expect(box.options.buttons).toEqual(['Cancel', 'Remove']);
      expect(box.options.cancelId).toBe(0);
      expect(box.options.defaultId).toBe(0);

      stub.messageBoxAnswer = 1; // Remove
      const done = await call('users.remove', { user: 'bob' });
      expect(done).toMatchObject({ ok: true, result: { removed: { name: 'bob' } } });
      expect(await userNames()).toEqual([]);
      expect(stub.messageBoxes).toHaveLength(2);
    });

    it('checks preconditions before asking: an address that is not one never reaches a dialog', async () => {
      await call('users.add', { name: 'carol' });
      const before = stub.messageBoxes.length;
      const r = await call('whitelist.add', { user: 'carol', address: 'not-an-address' });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(stub.messageBoxes.length).toBe(before);
    });

    it('says what a withdrawal does and does not reach the engine when cancelled', async () => {
      // The dialog itself is the subject here: its preconditions (wallet, whitelist, balance) are taken as met.
      const pre = vi.spyOn(engine, 'preflight').mockResolvedValue('');
      const spy = vi.spyOn(engine, 'executeUntyped');
      const to = 'So11111111111111111111111111111111111111112';
      const r = await call('funds.withdraw', { user: 'alice', to, amount: '1.5', confirm: true });
      expect(r).toMatchObject({ ok: false, error: { code: CANCELLED } });
      expect(spy).not.toHaveBeenCalled();
      const box = stub.messageBoxes[0]!.options;
      expect(box.message).toContain('1.5 SOL');
      expect(box.message).toContain('“alice”');
      expect(box.detail).toContain(to);
      expect(box.type).toBe('warning');
      pre.mockRestore();
    });

    it('asks before a friend goes live (settings or strategy); Cancel leaves them on paper', async () => {
      await call('users.add', { name: 'bob' });
      const mode = async () =>
        ((await engine.executeUntyped('settings.get', { user: 'bob' })) as { settings: { mode: string } }).settings
          .mode;
      stub.messageBoxAnswer = 0; // Cancel
      const viaSettings = { user: 'bob', key: 'mode', value: 'live', confirm: true };
      expect(await call('settings.set', viaSettings)).toMatchObject({ ok: false, error: { code: CANCELLED } });
      const viaStrategy = { user: 'bob', strategy: 'trend', mode: 'live', confirm: true };
      expect(await call('strategy.set', viaStrategy)).toMatchObject({ ok: false, error: { code: CANCELLED } });
      expect(await mode()).toBe('paper');
      expect(stub.messageBoxes.map((b) => b.options.message)).toEqual([
        'Switch “bob” to live mode?',
        'Switch “bob” to live mode?',
      ]);
      expect(stub.messageBoxes[0]!.options.buttons).toEqual(['Cancel', 'Go live']);
      // Other settings are not asked about.
      expect(await call('settings.set', { user: 'bob', key: 'slippageBps', value: '60' })).toMatchObject({ ok: true });
      expect(stub.messageBoxes).toHaveLength(2);
      stub.messageBoxAnswer = 1; // Go live
      expect(await call('settings.set', viaSettings)).toMatchObject({
        ok: true,
        result: { settings: { mode: 'live' } },
      });
      expect(await mode()).toBe('live');
    });

    it('answers bad input before asking anything', async () => {
      const r = await call('wallet.export', { user: 'alice' }); // no confirm: true
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      expect(stub.messageBoxes).toHaveLength(0);
    });

    it('asks for every sensitive command, and only for those', async () => {
      const asked: string[] = [];
      dispose();
      dispose = registerIpc(engine, {
        window: () => win as unknown as BrowserWindow,
        rendererOrigin: APP_ORIGIN,
        confirm: (_w, req) => {
          asked.push(req.command);
          return Promise.resolve(false);
        },
      });
      const spy = vi.spyOn(engine, 'executeUntyped').mockResolvedValue({});
      const pre = vi.spyOn(engine, 'preflight').mockResolvedValue('');
      const answers = new Map<CommandName, Envelope>();
      // The dialog follows validation, so each sensitive command gets input its schema accepts.
      for (const name of commandNames) answers.set(name, await call(name, sampleInput(name) ?? {}));
      const sensitive = commandNames.filter((n) => (commands[n] as { sensitive?: boolean }).sensitive === true);
      const withSample = sensitive.filter((n) => sampleInput(n) !== null);
      expect(withSample.length).toBeGreaterThanOrEqual(11);
      for (const n of withSample) expect(asked).toContain(n);
      // Nothing else is asked about; every sensitive command was cancelled (or refused as invalid) and
      // never reached the engine, while every other command ran.
      for (const n of asked) expect(sensitive).toContain(n);
      const ran = new Set(spy.mock.calls.map((c) => c[0]));
      for (const n of commandNames) {
        if (sensitive.includes(n)) {
          expect(ran.has(n)).toBe(false);
          expect(answers.get(n)).toMatchObject({
            ok: false,
            error: { code: asked.includes(n) ? CANCELLED : 'INVALID_INPUT' },
          });
        } else {
          expect(ran.has(n)).toBe(true);
          expect(answers.get(n)).toMatchObject({ ok: true });
        }
      }
      spy.mockRestore();
      pre.mockRestore();
    });

    it('never shows secrets in a confirmation', () => {
      const secrets = {
        passphrase: 'hunter2-passphrase',
        key: 'jup-secret-key-123',
        mnemonic: 'abandon abandon',
        secretKey: '5KsecretBase58',
      };
      for (const name of commandNames) {
        const d = describeSensitive(name, { ...(sampleInput(name) ?? {}), ...secrets });
        expect(d.message.length).toBeGreaterThan(5);
        const text = JSON.stringify(d);
        for (const s of Object.values(secrets)) expect(text).not.toContain(s);
      }
    });
  });

  describe('events', () => {
    it('forwards engine events to the app window on harvest:event', () => {
      const e = engine.bus.emit('rpc.degraded', null, { endpoint: 'http://rpc', reason: 'timeout' });
      const sent = win.webContents.sent.filter((s) => s.channel === EVENT_CHANNEL);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.args).toEqual([e]);
    });

    it('sends nothing when the window does not show the app, or after dispose', () => {
      win.webContents.url = 'https://evil.example/';
      engine.bus.emit('rpc.degraded', null, { endpoint: 'http://rpc', reason: 'timeout' });
      expect(win.webContents.sent).toHaveLength(0);
      win.webContents.url = APP_URL;
      dispose();
      dispose = () => undefined;
      engine.bus.emit('rpc.degraded', null, { endpoint: 'http://rpc', reason: 'timeout' });
      expect(win.webContents.sent).toHaveLength(0);
    });
  });

  describe('job progress', () => {
    const update = (progress: number, state: 'running' | 'done' = 'running') =>
      ({ job: 7, kind: 'run', state, progress, error: null }) as const;

    it('forwards job updates to the app window on harvest:job, paced, with the final state; never as an event', () => {
      engine.jobFeed.publish(update(0.1));
      // Same instant: held back by the pace (the engine clock does not move here).
      engine.jobFeed.publish(update(0.2));
      engine.jobFeed.publish(update(1, 'done'));
      expect(win.webContents.sent).toEqual([
        { channel: JOB_CHANNEL, args: [update(0.1)] },
        { channel: JOB_CHANNEL, args: [update(1, 'done')] },
      ]);
    });

    it('sends nothing to a page that is not the app, or after dispose', () => {
      win.webContents.url = 'https://evil.example/';
      engine.jobFeed.publish(update(0.1));
      expect(win.webContents.sent).toHaveLength(0);
      win.webContents.url = APP_URL;
      dispose();
      dispose = () => undefined;
      engine.jobFeed.publish(update(1, 'done'));
      expect(win.webContents.sent).toHaveLength(0);
    });
  });
});

/** Valid input for each sensitive command (so its dialog, which follows validation, is reached); null if unknown. */
function sampleInput(name: CommandName): Record<string, unknown> | null {
  const addr = 'So11111111111111111111111111111111111111112';
  const samples: Partial<Record<CommandName, Record<string, unknown>>> = {
    'users.remove': { user: 'alice' },
    'wallet.export': { user: 'alice', confirm: true },
    'network.set': { network: 'devnet', confirm: true },
    'funds.withdraw': { user: 'alice', to: addr, amount: '1', confirm: true },
    'whitelist.add': { user: 'alice', address: addr },
    'whitelist.remove': { user: 'alice', address: addr },
    'positions.closeAll': { user: 'alice', confirm: true },
    'controls.resume': {},
    'breaker.resume': {},
    'settings.jupiterKey': { key: 'jup-secret-key-123' },
    'keys.rotate': {},
    'backup.create': { file: '/tmp/kit.harvest', passphrase: 'hunter2-passphrase' },
  };
  return samples[name] ?? null;
}
