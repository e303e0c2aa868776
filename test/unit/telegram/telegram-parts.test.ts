/**
 * The small parts of the Telegram bridge: TOTP (RFC 6238 vector), the
 * per-chat rate limit, single-use buttons bound to their friend, and the
 * permission / API allow-list that keeps key export out of reach.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { commandNames } from '../../../engine/api';
import { ManualClock } from '../../../engine/kernel/clock';
import { COMMAND_PERMISSION, TELEGRAM_API_ALLOWLIST, totpCode, verifyTotp } from '../../../engine/telegram';
import { PendingActions } from '../../../engine/telegram/pending';
import { ChatRateLimiter } from '../../../engine/telegram/rate-limit';
import { normalizePermissions, parseStoredPermissions } from '../../../engine/telegram/permissions';

// RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (base32 below); 6-digit codes are the last six digits.
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP', () => {
  test('matches the RFC 6238 test vectors', () => {
    expect(totpCode(RFC_SECRET, 59_000)).toBe('287082');
    expect(totpCode(RFC_SECRET, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(RFC_SECRET, 1_234_567_890_000)).toBe('005924');
    expect(totpCode(RFC_SECRET, 2_000_000_000_000)).toBe('279037');
  });

  test('accepts one step of drift either side, nothing further, and nothing but six digits', () => {
    const now = 1_700_000_000_000;
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(true);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 120_000), now)).toBe(false);
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12 34 '])
      expect(verifyTotp(RFC_SECRET, bad, now)).toBe(false);
  });
});

describe('rate limit per chat', () => {
  test('a burst, then one warning, then silence until the rate refills; other chats are not affected', () => {
    const clock = new ManualClock(0);
    const rl = new ChatRateLimiter(clock, 6, 3);
    expect([rl.take(1), rl.take(1), rl.take(1), rl.take(1), rl.take(1)]).toEqual(['ok', 'ok', 'ok', 'warn', 'drop']);
    expect(rl.take(2)).toBe('ok');
    clock.advance(10_000);
    expect(rl.take(1)).toBe('ok');
    expect(rl.take(1)).toBe('warn');
  });
});

describe('pending buttons', () => {
  test('used once, only by the Telegram user and friend they were shown to, and not after they expire', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), (tg, other) => {
        fc.pre(tg !== other);
        const clock = new ManualClock(0);
        const p = new PendingActions(clock);
        const action = {
          command: 'controls.pause',
          input: {},
          prompt: '',
          needsTotp: false,
          permission: 'pause',
          origin: '/pause',
        };
        const id = p.add({ kind: 'confirm', action }, tg, 7);
        expect(p.take(id, other, 7)).toBeNull();
        expect(p.take(id, tg, 8)).toBeNull();
        expect(p.take(id, tg, 7)).not.toBeNull();
        expect(p.take(id, tg, 7)).toBeNull();
        const late = p.add({ kind: 'confirm', action }, tg, 7);
        clock.advance(3 * 60_000);
        expect(p.take(late, tg, 7)).toBeNull();
      }),
    );
  });
});

describe('what Telegram can reach', () => {
  test('no chat command and no API call can export keys or touch another user or global controls', () => {
    expect(Object.keys(COMMAND_PERMISSION)).not.toContain('export');
    for (const name of TELEGRAM_API_ALLOWLIST) {
      expect(commandNames).toContain(name);
      expect(name).not.toMatch(
        /^(wallet\.export|wallet\.import|keys\.|backup\.|users\.|whitelist\.(add|remove)|network\.|risk\.setGlobal|controls\.halt|telegram\.)/u,
      );
    }
  });

  test('permissions always include view, in a fixed order; unreadable stored text means view only', () => {
    fc.assert(
      fc.property(fc.subarray(['view', 'trade', 'pause', 'withdraw', 'risk']), (list) => {
        const n = normalizePermissions(list);
        expect(n[0]).toBe('view');
        expect(new Set(n).size).toBe(n.length);
        expect(parseStoredPermissions(JSON.stringify(n))).toEqual(n);
      }),
    );
    expect(parseStoredPermissions('{not json')).toEqual(['view']);
    expect(parseStoredPermissions('["view","export"]')).toEqual(['view']);
  });
});
