/**
 * The Telegram bridge (issue #15) end to end: a real engine on the in-process
 * sandbox, the real grammY bot long-polling a local fake Bot API over HTTP
 * (test/fakes/telegram-bot-api.ts), whose every response is checked against
 * the recorded shapes in test/fixtures/telegram.
 */
import { findLeaks } from '../../engine/api/human-text';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getAddressFromPublicKey, generateKeyPair } from '@solana/kit';
import type { Engine } from '../../engine/runtime';
import { NOT_LINKED, registerBridge, TelegramBridge, totpCode } from '../../engine/telegram';
import { FakeTelegramApi, type FakeUser } from '../fakes/telegram-bot-api';
import { REPO_ROOT } from '../helpers/cli';
import { permissiveRisk } from '../helpers/risk';
import { openFundsWorld, type FundsWorld } from './funds-support';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1';
const ANA: FakeUser = { id: 4101, first_name: 'Ana' };
const BO: FakeUser = { id: 4102, first_name: 'Bo' };
const EVE: FakeUser = { id: 4666, first_name: 'Eve' };

let w: FundsWorld;
let engine: Engine;
let fake: FakeTelegramApi;
let bridge: TelegramBridge;
let anaAddress: string;
let boAddress: string;
let anaId: number;
let boId: number;

async function newAddress(): Promise<string> {
  const kp = await generateKeyPair();
  return String(await getAddressFromPublicKey(kp.publicKey));
}

/** Sends a message and waits for the bot's answer to that chat (the n-th new message). */
async function ask(user: FakeUser, text: string, count = 1): Promise<string[]> {
  const before = fake.to(user.id).length;
  fake.say(user, text);
  const got = await fake.waitFor(`${count} answer(s) to "${text}"`, () =>
    fake.to(user.id).length >= before + count ? fake.to(user.id).slice(before) : null,
  );
  return got.map((m) => m.text);
}

/** Presses a button of the last message that has one, and waits for a new message matching `want`. */
async function press(user: FakeUser, buttonText: string, want: RegExp = /./u): Promise<string> {
  const withButtons = [...fake.to(user.id)].reverse().find((m) => m.buttons.some((b) => b.text.includes(buttonText)));
  if (!withButtons) throw new Error(`no button "${buttonText}" in ${user.first_name}'s chat`);
  const button = withButtons.buttons.find((b) => b.text.includes(buttonText))!;
  const before = fake.to(user.id).length;
  fake.press(user, withButtons.messageId, button.data);
  const got = await fake.waitFor(`answer to button "${buttonText}"`, () =>
    fake
      .to(user.id)
      .slice(before)
      .find((m) => want.test(m.text)),
  );
  return got.text;
}

function telegramAudit(telegramUserId: number): { action: string; details: Record<string, unknown> }[] {
  return engine.store.audit
    .list({ limit: 1000 })
    .filter((r) => r.actor === `telegram:${telegramUserId}`)
    .map((r) => ({ action: r.action, details: r.details }));
}

beforeAll(async () => {
  fake = await FakeTelegramApi.start(TOKEN);
  w = await openFundsWorld();
  engine = w.engine;
  for (const name of ['Ana', 'Bo']) {
    await engine.execute('users.add', { name });
    await engine.execute('wallet.create', { user: name, words: 12 });
    await engine.execute('funds.faucet', { user: name, sol: '2', token: 'USDC', amount: '500' });
    await permissiveRisk(engine, name);
  }
  anaId = engine.users.resolve('Ana').id;
  boId = engine.users.resolve('Bo').id;
  anaAddress = engine.store.wallets.byUser(anaId)!.address;
  boAddress = engine.store.wallets.byUser(boId)!.address;

  await engine.execute('telegram.apiRoot', { url: fake.apiRoot });
  bridge = new TelegramBridge(engine, { pollTimeoutSeconds: 1, requestTimeoutSeconds: 3, rateBurst: 1000 });
  registerBridge(engine, bridge);
  // Storing the token starts the registered bridge, as `harvest telegram token` does in a running Harvest.
  await engine.execute('telegram.token', { token: TOKEN });
  await fake.waitFor(
    'the bridge to connect',
    () => bridge.status().state === 'connected' && bridge.status().botUsername,
  );
}, 120_000);

afterAll(async () => {
  await bridge?.stop();
  if (engine) await engine.execute('telegram.token', { token: null }).catch(() => undefined);
  await w?.close();
  await fake?.close();
});

describe('linking', () => {
  test('a one-time code links exactly that friend; it is single use, expires, and every try is audited', async () => {
    const ana = await engine.execute('telegram.link', { user: 'Ana' });
    expect(ana.deepLink).toBe(`https://t.me/harvest_friends_bot?start=${ana.code}`);
    expect(await ask(ANA, `/start ${ana.code}`)).toEqual([expect.stringContaining("Linked to Ana's Harvest account")]);
    expect((await engine.execute('telegram.friend', { user: 'Ana' })).linked).toBe(true);

    // The same code again, from someone else: refused, and Eve stays unlinked.
    expect(await ask(EVE, `/start ${ana.code}`)).toEqual([expect.stringContaining(NOT_LINKED)]);
    expect(telegramAudit(EVE.id)).toContainEqual({
      action: 'telegram.linkRefused',
      details: expect.objectContaining({ telegramUserId: EVE.id, reason: 'used' }),
    });

    // A code past its 15 minutes is refused; a fresh one works.
    const stale = await engine.execute('telegram.link', { user: 'Bo' });
    w.clock.advance(16 * 60_000);
    expect(await ask(BO, `/start ${stale.code}`)).toEqual([expect.stringContaining('did not work')]);
    expect(telegramAudit(BO.id)).toContainEqual({
      action: 'telegram.linkRefused',
      details: expect.objectContaining({ reason: 'expired' }),
    });
    const bo = await engine.execute('telegram.link', { user: 'Bo' });
    expect(await ask(BO, `/start ${bo.code}`)).toEqual([expect.stringContaining("Linked to Bo's Harvest account")]);
    expect(telegramAudit(BO.id).some((r) => r.action === 'telegram.linked')).toBe(true);
    const issued = engine.store.audit.list({ limit: 1000 }).filter((r) => r.action === 'telegram.codeIssued');
    expect(issued.length).toBeGreaterThanOrEqual(3);
    // The code itself is never written down: only its hash.
    expect(JSON.stringify(engine.store.db.prepare('SELECT * FROM telegram_link_codes').all())).not.toContain(bo.code);
    expect(JSON.stringify(engine.store.audit.list({ limit: 1000 }))).not.toContain(bo.code);
  });
});

describe('each friend sees only their own account', () => {
  test('two linked friends: /deposit, /balance and /positions answer with their own data only', async () => {
    const [anaText, anaPhoto] = await ask(ANA, '/deposit', 2);
    expect(anaText).toContain(anaAddress);
    expect(anaPhoto).toBe('Scan to send to your wallet');
    const photo = fake.to(ANA.id).find((m) => m.method === 'sendPhoto')!;
    expect(photo.photoBytes).toBeGreaterThan(100);
    const [boText] = await ask(BO, '/deposit', 2);
    expect(boText).toContain(boAddress);

    expect((await ask(ANA, '/balance'))[0]).toContain('SOL: 2');
    expect((await ask(BO, '/positions'))[0]).toBe('No open positions.');
    await ask(ANA, '/leaderboard');

    const anaSaw = fake
      .to(ANA.id)
      .map((m) => m.text)
      .join('\n');
    const boSaw = fake
      .to(BO.id)
      .map((m) => m.text)
      .join('\n');
    expect(anaSaw).not.toContain(boAddress);
    expect(anaSaw).not.toMatch(/\bBo\b/u);
    expect(boSaw).not.toContain(anaAddress);
    expect(boSaw).not.toMatch(/\bAna\b/u);
  });

  test('an unlinked chat gets a polite "not linked" and nothing else, for any command or button', async () => {
    const before = fake.sent.length;
    for (const text of ['/balance', '/deposit', '/withdraw 1 SOL', 'hello']) {
      expect(await ask(EVE, text)).toEqual([NOT_LINKED]);
    }
    // A forged button press: answered "not linked", nothing sent to the chat.
    const answered = fake.callbackAnswers.length;
    fake.press(EVE, 1, 'c:deadbeef0000');
    await fake.waitFor('the callback answer', () => fake.callbackAnswers.length > answered);
    expect(fake.callbackAnswers.at(-1)!.text).toContain('not linked');
    const toEve = fake.sent.slice(before).filter((m) => m.chatId === EVE.id);
    expect(toEve.map((m) => m.text)).toEqual([NOT_LINKED, NOT_LINKED, NOT_LINKED, NOT_LINKED]);
    expect(fake.sent.slice(before).every((m) => m.chatId === EVE.id)).toBe(true);
  });
});

describe('permissions', () => {
  test("a command outside the friend's permissions is refused and audited with their Telegram id", async () => {
    expect((await engine.execute('telegram.friend', { user: 'Bo' })).permissions).toEqual(['view']);
    const ordersBefore = (await engine.execute('orders.list', { user: 'Bo' })).orders.length;
    expect(await ask(BO, '/buy SOL 10')).toEqual(['The operator has not allowed you to trade from Telegram.']);
    expect(await ask(BO, '/withdraw 0.1 SOL')).toEqual(['The operator has not allowed you to withdraw from Telegram.']);
    expect(await ask(BO, '/pause')).toEqual([expect.stringContaining('not allowed')]);
    expect(await ask(BO, '/export')).toEqual(['There is no /export. Send /help for what you can do.']);
    expect((await engine.execute('orders.list', { user: 'Bo' })).orders.length).toBe(ordersBefore);
    expect(telegramAudit(BO.id)).toContainEqual({
      action: 'telegram.command',
      details: expect.objectContaining({
        telegramUserId: BO.id,
        command: '/buy',
        outcome: 'forbidden',
        needs: 'trade',
      }),
    });
    expect(engine.controls.user(boId).paused).toBe(false);
  });

  test('with trade granted, a buy needs Confirm, runs through the same execution path, and alerts only its friend', async () => {
    await engine.execute('telegram.permissions', { user: 'Ana', permissions: ['trade', 'withdraw'] });
    expect(await ask(ANA, '/buy SOL 20')).toEqual(['Buy SOL for 20 USDC?']);
    expect((await engine.execute('orders.list', { user: 'Ana' })).orders).toHaveLength(0);
    const boBefore = fake.to(BO.id).length;
    const done = await press(ANA, 'Confirm', /^(Done|Sent|Refused|The order)/u);
    expect(done).toMatch(/^(Done: the order filled\.|Sent:)/u);
    const orders = (await engine.execute('orders.list', { user: 'Ana' })).orders;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ context: 'manual', side: 'buy' });
    // The fill alert reaches Ana, never Bo.
    await fake.waitFor('the fill alert', () => fake.to(ANA.id).find((m) => m.text.startsWith('Bought')));
    expect(fake.to(BO.id).slice(boBefore)).toEqual([]);
    // The Confirm button was used once: pressing it again does nothing.
    expect(await press(ANA, 'Confirm')).toContain('expired or was already used');
    expect((await engine.execute('orders.list', { user: 'Ana' })).orders).toHaveLength(1);
  });
});

describe('limit and stop orders and exits over Telegram', () => {
  test('a view-only friend lists orders but cannot place one', async () => {
    expect(await ask(BO, '/orders')).toEqual(['You have no open limit or stop orders.']);
    expect(await ask(BO, '/limit buy SOL 10 1')).toEqual(['The operator has not allowed you to trade from Telegram.']);
    expect(await ask(BO, '/exits SOL stop 1')).toEqual(['The operator has not allowed you to trade from Telegram.']);
    expect((await engine.execute('orders.open', { user: 'Bo' })).orders).toHaveLength(0);
  });

  test('a trading friend places, lists and cancels a limit order, each confirmed, in words', async () => {
    const texts: string[] = [];
    const said = async (user: FakeUser, text: string): Promise<string> => {
      const [t] = await ask(user, text);
      texts.push(t!);
      return t!;
    };
    expect(await said(ANA, '/limit buy SOL ten 1')).toMatch(/^Say: \/limit buy TOKEN AMOUNT PRICE/u);
    expect(await said(ANA, '/limit buy SOL 10 0.01 12h')).toBe(
      'Limit buy: spend 10 USDC on SOL when the price falls to 0.01, valid for 12 hours?',
    );
    expect((await engine.execute('orders.open', { user: 'Ana' })).orders).toHaveLength(0);
    const placed = await press(ANA, 'Confirm', /^(Order|Not done)/u);
    texts.push(placed);
    expect(placed).toMatch(/^Order #\d+ placed: limit buy/u);
    const [open] = (await engine.execute('orders.open', { user: 'Ana' })).orders;
    expect(open).toMatchObject({ kind: 'limit', side: 'buy', symbol: 'SOL', price: 0.01, status: 'open' });
    expect(await said(ANA, '/orders')).toContain(`#${open!.id} ${open!.description}`);
    expect(await said(ANA, `/cancel ${open!.id}`)).toBe(`Cancel ${open!.description}?`);
    const cancelled = await press(ANA, 'Confirm', /^(Cancelled|Not done)/u);
    texts.push(cancelled);
    expect(cancelled).toMatch(/^Cancelled: /u);
    expect((await engine.execute('orders.open', { user: 'Ana' })).orders).toHaveLength(0);
    expect(await said(ANA, `/cancel ${open!.id}`)).toBe(`You have no open order #${open!.id} (see /orders).`);
    expect(await said(ANA, '/stop SOL 0.01 0.001')).toBe(
      'Stop: sell 0.01 SOL if the price falls to 0.001, valid for 7 days?',
    );
    expect(findLeaks(texts.join('\n'))).toEqual([]);
  });

  test('a trading friend moves the stop-loss of an open position', async () => {
    expect(await ask(ANA, '/exits SOL stop 0.01 trail off')).toEqual([
      'On your SOL position: stop-loss at 0.01, remove the trailing stop?',
    ]);
    const done = await press(ANA, 'Confirm', /./u);
    expect(done).not.toMatch(/^Not done/u);
    expect(findLeaks(done)).toEqual([]);
    const { positions } = await engine.execute('positions.list', { user: 'Ana', status: 'open' });
    expect(positions.find((p) => p.symbol === 'SOL')).toMatchObject({ stopLoss: 0.01 });
  });
});

describe('pause and resume', () => {
  test("a friend pauses and resumes their own trading, but cannot lift the operator's pause", async () => {
    await engine.execute('telegram.permissions', { user: 'Bo', permissions: ['pause'] });
    expect(await ask(BO, '/resume')).toEqual(['Your trading is not paused.']);
    expect(await ask(BO, '/pause')).toEqual([expect.stringContaining('Pause your trading?')]);
    expect(engine.controls.user(boId).paused).toBe(false);
    expect(await press(BO, 'Confirm', /paused|Not done/u)).toContain('Your trading is paused');
    expect(engine.controls.user(boId).paused).toBe(true);
    expect(engine.controls.user(anaId).paused).toBe(false);
    await ask(BO, '/resume');
    expect(await press(BO, 'Confirm', /resumed|Not done/u)).toBe('Your trading is resumed.');
    expect(engine.controls.user(boId).paused).toBe(false);

    await engine.execute('controls.pause', { user: 'Bo', reason: 'operator check' });
    expect(await ask(BO, '/resume')).toEqual([expect.stringContaining('ask the operator to resume it')]);
    expect(engine.controls.user(boId).paused).toBe(true);
    await engine.execute('controls.resume', { user: 'Bo' });
  });
});

describe('withdrawals over Telegram', () => {
  test('only to whitelisted addresses, after Confirm, within the daily cap, with a TOTP code when on', async () => {
    // Room above what the wallet keeps for rent, fees and Ana's open position.
    await engine.execute('funds.faucet', { user: 'Ana', sol: '15' });
    expect(await ask(ANA, '/withdraw 0.1 SOL')).toEqual([
      'You have no whitelisted address yet. Ask the operator to add one.',
    ]);
    const dest = await newAddress();
    await engine.execute('whitelist.add', { user: 'Ana', address: dest, label: 'phone' });
    await engine.execute('settings.set', {
      user: 'Ana',
      key: 'withdrawalDailyCaps',
      value: JSON.stringify({ SOL: '300000000' }),
    });

    // Validation before any confirmation: a bad amount never gets a button.
    expect(await ask(ANA, '/withdraw lots SOL')).toEqual([expect.stringMatching(/^That does not work: amount/u)]);
    const [choose] = await ask(ANA, '/withdraw 0.2 SOL');
    expect(choose).toBe('To which of your whitelisted addresses?');
    const buttons = fake
      .to(ANA.id)
      .at(-1)!
      .buttons.map((b) => b.text);
    expect(buttons).toEqual([expect.stringContaining('phone'), 'Cancel']);
    expect(await press(ANA, 'phone')).toContain('Withdraw 0.2 SOL to phone');
    expect((await engine.execute('withdrawals.list', { user: 'Ana' })).withdrawals).toHaveLength(0);
    expect(await press(ANA, 'Confirm', /^(Withdrawal of|Not done)/u)).toContain('Withdrawal of 0.2 SOL');
    const list = (await engine.execute('withdrawals.list', { user: 'Ana' })).withdrawals;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ destination: dest, uiAmount: '0.2', status: 'confirmed' });
    await fake.waitFor('the withdrawal alert', () => fake.to(ANA.id).find((m) => m.text.startsWith('Withdrawal done')));

    // Past the cap: the engine's own check refuses it, after Confirm, and nothing moves.
    await ask(ANA, '/withdraw 0.2 SOL');
    await press(ANA, 'phone');
    expect(await press(ANA, 'Confirm', /^(Withdrawal of|Not done)/u)).toContain('Over the daily withdrawal cap');
    expect((await engine.execute('withdrawals.list', { user: 'Ana' })).withdrawals).toHaveLength(1);

    // TOTP on: Confirm asks for the code; a wrong one does nothing, the right one sends.
    const totp = await engine.execute('telegram.totp', { user: 'Ana', enable: true });
    await ask(ANA, '/withdraw 0.05 SOL');
    await press(ANA, 'phone');
    expect(await press(ANA, 'Confirm')).toContain('6-digit code');
    const wrong = totpCode(totp.secret!, w.clock.now() + 10 * 60_000);
    expect(await ask(ANA, wrong)).toEqual([expect.stringContaining('not right')]);
    expect((await engine.execute('withdrawals.list', { user: 'Ana' })).withdrawals).toHaveLength(1);
    await ask(ANA, '/withdraw 0.05 SOL');
    await press(ANA, 'phone');
    await press(ANA, 'Confirm');
    const before = fake.to(ANA.id).length;
    fake.say(ANA, totpCode(totp.secret!, w.clock.now()));
    await fake.waitFor('the TOTP withdrawal', () =>
      fake
        .to(ANA.id)
        .slice(before)
        .find((m) => m.text.startsWith('Withdrawal of 0.05 SOL')),
    );
    expect((await engine.execute('withdrawals.list', { user: 'Ana' })).withdrawals).toHaveLength(2);
    expect(telegramAudit(ANA.id)).toContainEqual({
      action: 'telegram.command',
      details: expect.objectContaining({ command: '/withdraw', outcome: 'refused', reason: 'wrong TOTP code' }),
    });
    // Withdrawals are audited by the engine as always, and no Telegram command reaches key export.
    expect(engine.store.audit.list({ limit: 1000 }).some((r) => r.action === 'wallet.exported')).toBe(false);
  });
});

describe('alerts', () => {
  test('an event of one friend reaches that friend only; an event of an unlinked friend reaches no one', async () => {
    const sentBefore = fake.sent.length;
    engine.bus.emit('exit.stuck', boId, {
      positionId: 9,
      mint: 'So11111111111111111111111111111111111111112',
      reason: 'no route',
    });
    await fake.waitFor('the STUCK alert', () => fake.to(BO.id).find((m) => m.text.startsWith('STUCK')));
    await engine.execute('users.add', { name: 'Cy' });
    const cyId = engine.users.resolve('Cy').id;
    engine.bus.emit('user.activated', cyId, { balanceLamports: '1', minimumLamports: '1' });
    engine.bus.emit('user.activated', anaId, { balanceLamports: '1', minimumLamports: '1' });
    await fake.waitFor("Ana's activation alert", () =>
      fake.to(ANA.id).find((m) => m.text.includes('trading is active')),
    );
    const after = fake.sent.slice(sentBefore);
    expect(after.filter((m) => m.chatId === BO.id).map((m) => m.text)).toEqual([expect.stringContaining('STUCK')]);
    expect(after.filter((m) => m.chatId === ANA.id).map((m) => m.text)).toEqual([
      'Your wallet is funded: trading is active.',
    ]);
    expect(after.every((m) => m.chatId === ANA.id || m.chatId === BO.id)).toBe(true);
  });

  test("the operator's own chat gets warnings and critical alerts for everyone, and no friend commands", async () => {
    const OP: FakeUser = { id: 4000, first_name: 'Operator' };
    const code = await engine.execute('telegram.link', { operator: true });
    expect(await ask(OP, `/start ${code.code}`)).toEqual(["Linked: this chat now gets the operator's alerts."]);
    expect((await ask(OP, '/balance'))[0]).toContain("operator's alerts");
    engine.bus.emit('breaker.tripped', boId, { failures: 3, reason: 'three failed swaps' });
    await fake.waitFor('the operator alert', () => fake.to(OP.id).find((m) => m.text.startsWith('[critical] Bo:')));
    await fake.waitFor("Bo's own alert", () => fake.to(BO.id).find((m) => m.text.includes('paused itself')));
    expect(fake.to(ANA.id).some((m) => m.text.includes('paused itself'))).toBe(false);
    expect(await ask(OP, '/unlink')).toEqual(['This chat no longer gets the operator alerts.']);
  });

  test("the daily summary goes out at the friend's hour, once a day", async () => {
    expect(await ask(BO, `/summary ${new Date(w.clock.now()).getUTCHours()}`)).toEqual([
      expect.stringContaining(':00 UTC'),
    ]);
    expect(await bridge.runSummaries()).toBe(1);
    await fake.waitFor('the summary', () => fake.to(BO.id).find((m) => m.text.startsWith('Your daily summary')));
    expect(await bridge.runSummaries()).toBe(0);
    expect(fake.to(ANA.id).some((m) => m.text.startsWith('Your daily summary'))).toBe(false);
  });
});

describe('isolation from Telegram', () => {
  test('a Telegram API that hangs, then fails with 500s, leaves the trading loop running and orders filling', async () => {
    engine.startTrading(10_000);
    const cycleNow = (): number => engine.lastCycle?.cycle ?? 0;
    const cycles = async (n: number): Promise<void> => {
      const target = cycleNow() + n;
      await fake.waitFor(
        `${n} cycle(s)`,
        () => {
          if (cycleNow() >= target) return true;
          w.clock.advance(10_000);
          return false;
        },
        60_000,
      );
    };
    await cycles(1);
    for (const mode of ['hang', 'error500'] as const) {
      fake.mode = mode;
      await fake.waitFor(`the bridge to notice (${mode})`, () => bridge.status().state === 'unreachable', 30_000);
      // Alerts pile up in the outbox while Telegram is down; the emitter never waits.
      for (let i = 0; i < 20; i++)
        engine.bus.emit('user.activated', boId, { balanceLamports: '1', minimumLamports: '1' });
      await cycles(3);
      const o = await engine.execute('orders.submit', { user: 'Bo', side: 'buy', token: 'SOL', amount: '5' });
      expect(o.status).toBe('confirmed');
      fake.mode = 'ok';
      await fake.waitFor('the bridge to reconnect', () => bridge.status().state === 'connected', 30_000);
    }
    expect(await ask(ANA, '/positions')).toEqual([expect.stringContaining('SOL')]);
  }, 120_000);
});

describe('the fake Bot API speaks the recorded shapes', () => {
  /** Mismatches between a served value and the recorded sample (no invented fields, the same JSON types). */
  function mismatches(actual: unknown, sample: unknown, path = '$'): string[] {
    const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    if (kind(actual) !== kind(sample)) return [`${path}: ${kind(actual)} where the sample has ${kind(sample)}`];
    if (Array.isArray(actual)) {
      const s = (sample as unknown[])[0];
      return s === undefined ? [] : actual.flatMap((a, i) => mismatches(a, s, `${path}[${i}]`));
    }
    if (kind(actual) === 'object') {
      const a = actual as Record<string, unknown>;
      const s = sample as Record<string, unknown>;
      return Object.keys(a).flatMap((k) =>
        k in s ? mismatches(a[k], s[k], `${path}.${k}`) : [`${path}.${k}: not in the recorded sample`],
      );
    }
    return [];
  }

  test('every response served in this file matches the sample of its method', () => {
    const dir = join(REPO_ROOT, 'test/fixtures/telegram');
    const samples = new Map<string, unknown>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { _source: string; response: unknown };
      expect(j._source.length, `${f} says where it comes from`).toBeGreaterThan(10);
      samples.set(f.replace(/\.json$/u, ''), j.response);
    }
    const methods = new Set(fake.served.map((s) => s.method));
    for (const m of [
      'getMe',
      'deleteWebhook',
      'getUpdates',
      'sendMessage',
      'sendPhoto',
      'editMessageText',
      'answerCallbackQuery',
      'setMyCommands',
    ])
      expect(methods, `the tests exercised ${m}`).toContain(m);
    // A getUpdates sample with both kinds of update, so each served update is compared to its own kind.
    const updates = (samples.get('getUpdates') as { result: Record<string, unknown>[] }).result;
    const sampleUpdate = Object.assign({}, ...updates) as Record<string, unknown>;
    for (const s of fake.served) {
      const sample = s.status === 200 ? samples.get(s.method) : samples.get('error');
      expect(sample, `a recorded sample for ${s.method}`).toBeDefined();
      const body = s.body as { ok: boolean; result?: unknown };
      const compared =
        s.method === 'getUpdates' && s.status === 200
          ? mismatches(body, { ok: true, result: [sampleUpdate] })
          : mismatches(body, sample);
      expect(compared, `${s.method} response ${JSON.stringify(s.body)}`).toEqual([]);
    }
    expect(fake.commands.map((c) => c.command)).toContain('withdraw');
    expect(fake.commands.map((c) => c.command)).not.toContain('export');
  });
});
