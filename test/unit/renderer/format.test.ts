import { describe, expect, it } from 'vitest';
import {
  fmtSpan,
  fmtAmount,
  fmtDuration,
  fmtPct,
  fmtPrice,
  fmtSigned,
  fmtUsd,
  fromBaseUnits,
  groupDecimal,
  humanizeEventType,
  pnlClass,
  fmtDrawdown,
  relTime,
  roundDecimal,
  shortAddr,
} from '../../../renderer/lib/format';
import { takeToken, tokenFromPaste, TOKEN_STORAGE_KEY } from '../../../renderer/client/token';
import { toCallError, unwrapResult } from '../../../renderer/client/ipc';
import { EngineCallError } from '../../../engine/api/client';
import { checkLimitInput, fieldMessage, toLamports } from '../../../renderer/screens/Risk';
import { helpText, parseParam, rangeText, type ParamInfo } from '../../../renderer/screens/Strategy';
import { listStrategies } from '../../../engine/strategy';
import { toBase64 } from '../../../renderer/screens/Wallet';
import { defaultKitPath } from '../../../renderer/screens/Settings';

describe('decimal strings', () => {
  it('rounds half away from zero without floats', () => {
    expect(roundDecimal('1.23456', 2)).toBe('1.23');
    expect(roundDecimal('1.235', 2)).toBe('1.24');
    expect(roundDecimal('-1.235', 2)).toBe('-1.24');
    expect(roundDecimal('0.999', 2)).toBe('1');
    expect(roundDecimal('-0.0001', 2)).toBe('0');
    expect(roundDecimal('12345678901234567890.123456789', 4)).toBe('12345678901234567890.1235');
    expect(roundDecimal('7', 3)).toBe('7');
    expect(roundDecimal('not a number', 2)).toBe('not a number');
  });
  it('groups thousands', () => {
    expect(groupDecimal('1234567.5')).toBe('1,234,567.5');
    expect(groupDecimal('-1000')).toBe('-1,000');
    expect(fmtAmount('1234.56789', 2)).toBe('1,234.57');
    expect(fmtAmount(null)).toBe('—');
  });
  it('converts base units exactly', () => {
    expect(fromBaseUnits('10000000', 9)).toBe('0.01');
    expect(fromBaseUnits('1500000', 6)).toBe('1.5');
    expect(fromBaseUnits('-250', 2)).toBe('-2.5');
    expect(fromBaseUnits('0', 9)).toBe('0');
    expect(fromBaseUnits('123', 0)).toBe('123');
  });
  it('signs PnL strings', () => {
    expect(fmtSigned('-1.5', 2)).toBe('−1.5');
    expect(fmtSigned('2', 2)).toBe('+2');
    expect(fmtSigned('0.0001', 2)).toBe('0');
  });
});

describe('numbers', () => {
  it('formats USD', () => {
    expect(fmtUsd(1234.5)).toBe('$1,234.50');
    expect(fmtUsd(-3.1)).toBe('−$3.10');
    expect(fmtUsd(12, { sign: true })).toBe('+$12.00');
    expect(fmtUsd(0.001, { sign: true })).toBe('$0.00');
    expect(fmtUsd(null)).toBe('—');
    expect(fmtUsd(2_500_000, { compact: true })).toBe('$2.5M');
  });
  it('formats prices, percentages and durations', () => {
    expect(fmtPrice(150.123)).toBe('150.123');
    expect(fmtPrice(0.0001234)).toBe('0.0001234');
    expect(fmtPrice(64000.5)).toBe('64,000.50');
    expect(fmtPct(1.234, { sign: true })).toBe('+1.23 %');
    expect(fmtPct(-0.4)).toBe('−0.40 %');
    expect(fmtDuration(42)).toBe('42 ms');
    expect(fmtDuration(1400)).toBe('1.4 s');
    expect(fmtDuration(125_000)).toBe('2 min 5 s');
  });
  it('classes PnL', () => {
    expect(pnlClass(1)).toBe('pos');
    expect(pnlClass('-0.5')).toBe('neg');
    expect(pnlClass(0)).toBe('');
    expect(pnlClass(null)).toBe('');
    // What shows as zero ("$0.00", "0.00 %") is neutral, never green or red.
    expect(pnlClass(0.004)).toBe('');
    expect(pnlClass(-0.004)).toBe('');
    expect(fmtUsd(-0.004, { sign: true })).toBe('$0.00');
    expect(pnlClass(0.005)).toBe('pos');
    // A token amount keeps its own precision.
    expect(pnlClass('0.001')).toBe('pos');
  });
});

describe('text', () => {
  it('shortens addresses and humanises event types', () => {
    expect(shortAddr('7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU')).toBe('7xKX…gAsU');
    expect(shortAddr('short')).toBe('short');
    expect(humanizeEventType('trade.executed')).toBe('Trade executed');
    expect(humanizeEventType('risk.dailyLossHit')).toBe('Risk daily loss hit');
  });
  it('says how long ago', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(relTime('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(relTime('2026-01-01T11:57:00Z', now)).toBe('3 min ago');
    expect(relTime('2026-01-01T14:00:00Z', now)).toBe('in 2 h');
    expect(relTime(null, now)).toBe('—');
  });
});

describe('token handling', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
      m,
    };
  };
  it('takes the token from the URL, keeps it, and removes it from the address bar', () => {
    const storage = memory();
    const replaced: string[] = [];
    const token = takeToken({ href: 'http://127.0.0.1:7420/?token=abc123&x=1#/overview' }, storage, {
      replaceState: (_d, _u, url) => void replaced.push(String(url)),
    });
    expect(token).toBe('abc123');
    expect(storage.m.get(TOKEN_STORAGE_KEY)).toBe('abc123');
    expect(replaced).toEqual(['/?x=1#/overview']);
  });
  it('falls back to the stored token', () => {
    const storage = memory();
    storage.setItem(TOKEN_STORAGE_KEY, 'kept');
    expect(takeToken({ href: 'http://127.0.0.1:7420/' }, storage, { replaceState: () => undefined })).toBe('kept');
  });
  it('accepts a pasted URL or a bare token', () => {
    expect(tokenFromPaste(' http://127.0.0.1:1/?token=f00dfeedf00dfeed ')).toBe('f00dfeedf00dfeed');
    expect(tokenFromPaste('f00dfeedf00dfeedf00dfeed')).toBe('f00dfeedf00dfeedf00dfeed');
    expect(tokenFromPaste('nope')).toBeNull();
  });
});

describe('ipc envelope', () => {
  it('unwraps results and throws typed errors', () => {
    expect(unwrapResult({ ok: true, result: { a: 1 } })).toEqual({ a: 1 });
    expect(() =>
      unwrapResult({ ok: false, error: { code: 'CONFIRMATION_REQUIRED', message: 'm', confirmationId: 'id' } }),
    ).toThrow(EngineCallError);
    // a bare output that happens to have `ok` (audit.verify) passes through
    expect(unwrapResult({ ok: false, rows: 3, firstBadId: 2, problem: 'modified', message: 'x' })).toMatchObject({
      rows: 3,
    });
  });
  it("strips Electron's invoke prefix", () => {
    const e = toCallError(
      new Error("Error invoking remote method 'harvest:users.add': Error: A name cannot be empty."),
    );
    expect(e.message).toBe('A name cannot be empty.');
    expect(e.code).toBe('INTERNAL');
  });
});

describe('form helpers', () => {
  it('checks risk inputs and trims engine messages to the field', () => {
    expect(checkLimitInput('', false)).toBe('Enter a value');
    expect(checkLimitInput('1.5', true)).toBe('A whole number');
    expect(checkLimitInput('-1', false)).toBe('A non-negative number');
    expect(checkLimitInput('12', true)).toBeNull();
    expect(
      fieldMessage(
        'Invalid value for risk.maxDailyLossPct: maxDailyLossPct: maxDailyLossPct must be at most 50',
        'maxDailyLossPct',
      ),
    ).toBe('Must be at most 50');
    expect(
      fieldMessage(
        'Invalid value for risk.lossStreak.losses: lossStreak.losses: losses must be at least 1',
        'lossStreak.losses',
      ),
    ).toBe('Must be at least 1');
  });
  it('converts SOL to lamports exactly', () => {
    expect(toLamports('0.01')).toBe('10000000');
    expect(toLamports('1')).toBe('1000000000');
    expect(toLamports('1.5x')).toBe('invalid');
  });
  it('parses strategy parameters against their bounds', () => {
    const p = {
      name: 'fast',
      type: 'integer' as const,
      description: '',
      default: 12,
      min: 2,
      max: 100,
      nullable: false,
    };
    expect(parseParam(p, '20')).toEqual({ ok: true, value: 20 });
    expect(parseParam(p, '1')).toEqual({ ok: false, error: 'At least 2' });
    expect(parseParam(p, '2.5')).toEqual({ ok: false, error: 'A whole number' });
    expect(parseParam({ ...p, nullable: true }, '')).toEqual({ ok: true, value: null });
    expect(parseParam({ ...p, type: 'string', options: ['1m', '5m'] }, '5m')).toEqual({ ok: true, value: '5m' });
    expect(parseParam({ ...p, type: 'boolean' }, 'true')).toEqual({ ok: true, value: true });
    expect(parseParam({ ...p, unit: 'candles' }, '101')).toEqual({ ok: false, error: 'At most 100 candles' });
  });
  it('shows a strategy parameter by its label, with help, bounds in its unit, and what off means', () => {
    const trend = listStrategies().find((s) => s.id === 'trend')!;
    const info = (name: string) => trend.params.find((x) => x.name === name)! as unknown as ParamInfo;
    expect(info('fastPeriod').label).toBe('Fast EMA');
    expect(helpText(info('fastPeriod'), false)).toBe(
      'Length of the fast exponential moving average. Shorter reacts sooner and trades more. (2 – 150 candles)',
    );
    expect(rangeText(info('stopAtr'))).toBe('0.5 – 10 ATR multiples');
    expect(helpText(info('takeProfitR'), true)).toBe(
      'Off: No target; the position is sold on the cross back down (or at the stop).',
    );
    expect(helpText(info('takeProfitR'), false)).toMatch(
      /^Sell when the price is .* \(0\.5 – 20 times the stop distance\)$/,
    );
    for (const s of listStrategies())
      for (const x of s.params)
        expect(helpText(x as unknown as ParamInfo, true) + helpText(x as unknown as ParamInfo, false)).not.toMatch(
          /null/,
        );
  });
  it('encodes the QR SVG for a data URI, including non-ASCII', () => {
    expect(toBase64('<svg/>')).toBe(Buffer.from('<svg/>').toString('base64'));
    expect(toBase64('ü')).toBe(Buffer.from('ü').toString('base64'));
  });
  it('suggests a recovery kit next to the data directory', () => {
    const d = new Date('2026-05-06T10:00:00Z');
    expect(defaultKitPath('/home/op/.local/share/harvest', d)).toBe(
      '/home/op/.local/share/harvest-recovery-2026-05-06.hvkit',
    );
    expect(defaultKitPath('C:\\Users\\op\\Harvest', d)).toBe('C:\\Users\\op\\harvest-recovery-2026-05-06.hvkit');
  });
});

describe('fmtSpan: the period a chart change is over', () => {
  it('reads in the largest unit that reads well', () => {
    expect(fmtSpan(25 * 60_000)).toBe('25 min');
    expect(fmtSpan(300 * 5 * 60_000)).toBe('25 h');
    expect(fmtSpan(7 * 86_400_000)).toBe('7 d');
    expect(fmtSpan(0)).toBe('—');
  });
});

describe('drawdown', () => {
  it('is red with one decimal when there was a drop, neutral when it rounds to none', () => {
    expect(fmtDrawdown(12.34)).toEqual({ text: '−12.3 %', cls: 'neg' });
    expect(fmtDrawdown(-12.34)).toEqual({ text: '−12.3 %', cls: 'neg' });
    expect(fmtDrawdown(0.05)).toEqual({ text: '−0.1 %', cls: 'neg' });
    for (const none of [0, 0.04, -0.04, null, undefined, Number.NaN])
      expect(fmtDrawdown(none)).toEqual({ text: '—', cls: 'muted' });
  });
});
