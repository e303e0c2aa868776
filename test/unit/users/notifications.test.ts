import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shouldAlert, UserSettingsSchema } from '../../../engine/users';

const settings = (n: object) => UserSettingsSchema.parse({ notifications: n });

describe('per-user notification settings', () => {
  it('by default, warnings and critical events alert and info events do not', () => {
    const s = UserSettingsSchema.parse({});
    expect(shouldAlert(s, { type: 'breaker.tripped', severity: 'critical' })).toBe(true);
    expect(shouldAlert(s, { type: 'order.failed', severity: 'warning' })).toBe(true);
    expect(shouldAlert(s, { type: 'trade.executed', severity: 'info' })).toBe(false);
  });

  it('a muted event type never alerts, and disabled notifications silence everything', () => {
    expect(shouldAlert(settings({ muted: ['order.failed'] }), { type: 'order.failed', severity: 'critical' })).toBe(
      false,
    );
    expect(shouldAlert(settings({ enabled: false }), { type: 'breaker.tripped', severity: 'critical' })).toBe(false);
  });

  it('property: alerting is monotone in severity', () => {
    const sev = fc.constantFrom('info', 'warning', 'critical') as fc.Arbitrary<'info' | 'warning' | 'critical'>;
    fc.assert(
      fc.property(sev, sev, (min, severity) => {
        const s = settings({ minSeverity: min });
        const rank = { info: 0, warning: 1, critical: 2 };
        expect(shouldAlert(s, { type: 'x', severity })).toBe(rank[severity] >= rank[min]);
      }),
    );
  });
});
