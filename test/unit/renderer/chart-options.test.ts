/**
 * The charts' time axis (renderer/charts/Charts.tsx): lightweight-charts moves
 * the first and last axis labels inside the chart only when the left edge is
 * fixed; without it the Backtest chart's "2021" at the left border is cut to
 * "21". The pixels are looked at in test/e2e/human-ui.test.ts's screenshots.
 */
import { describe, expect, it } from 'vitest';
import { chartOptions } from '../../../renderer/charts/Charts';
import { priceAxisFor, usdAxisLabel } from '../../../renderer/charts/BacktestCharts';

const colors = { bg: '#000', text: '#fff', grid: '#111', border: '#222', pos: '#0f0', neg: '#f00', accent: '#00f' };

describe('chart time axis', () => {
  it('fixes the left edge, so the edge labels are shifted inside instead of clipped', () => {
    expect(chartOptions(colors).timeScale).toMatchObject({ fixLeftEdge: true, fixRightEdge: true, timeVisible: true });
  });
});

describe('backtest chart axes', () => {
  it('a price axis never reads below zero on a big move (log), keeps 2 decimals above 1, more below', () => {
    expect(priceAxisFor([1.55, 4, 18.2])).toEqual({ precision: 2, log: true });
    expect(priceAxisFor([100, 110, 120])).toEqual({ precision: 2, log: false });
    expect(priceAxisFor([0.002, 0.0025])).toEqual({ precision: 6, log: false });
    expect(priceAxisFor([0.05, 0.5])).toEqual({ precision: 4, log: true });
    expect(priceAxisFor([])).toEqual({ precision: 2, log: false });
  });
  it('equity axis labels are dollars, without cents in the thousands', () => {
    expect(usdAxisLabel(17_500)).toBe('$17,500');
    expect(usdAxisLabel(2_725.82)).toBe('$2,726');
    expect(usdAxisLabel(512.5)).toBe('$512.50');
  });
});
