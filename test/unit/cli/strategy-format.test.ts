import { describe, expect, it } from 'vitest';
import { formatStrategyInfo } from '../../../engine/cli/format';
import { listStrategies } from '../../../engine/strategy';

describe('harvest strategy list', () => {
  const text = listStrategies()
    .map((s) => formatStrategyInfo({ ...s, params: s.params as unknown as Record<string, unknown>[] }))
    .join('\n\n');

  it('shows each parameter by its label, with its default and range in words and units, and its help', () => {
    expect(text).toContain('    Fast EMA: 9 candles (2 to 150 candles)  [--param fastPeriod=…]');
    expect(text).toContain(
      '      Length of the fast exponential moving average. Shorter reacts sooner and trades more.',
    );
    expect(text).toContain('    Timeframe: 5 minutes (1 minute, 5 minutes, 15 minutes or 1 hour)');
    expect(text).toContain('    Stop-loss: 30% (1 to 95%)  [--param stopLossPct=…]');
    expect(text).toContain('    Size per level: 20 USD (1 to 100,000 USD)  [--param sizeUsd=…]');
    // An optional parameter reads "Off" and says what off means; never "null".
    expect(text).toContain('    Take-profit: Off (0.5 to 20 times the stop distance, or off)  [--param takeProfitR=…]');
    expect(text).toContain('Off: no target; the position is sold on the cross back down (or at the stop).');
    expect(text).not.toMatch(/null|undefined|\[object/);
  });

  it('lists all five strategies', () => {
    for (const id of ['trend', 'mean-reversion', 'dca', 'breakout', 'grid'])
      expect(text).toMatch(new RegExp(`^${id}: `, 'm'));
  });
});
