/**
 * The charts' time axis (renderer/charts/Charts.tsx): lightweight-charts moves
 * the first and last axis labels inside the chart only when the left edge is
 * fixed; without it the Backtest chart's "2021" at the left border is cut to
 * "21". The pixels are looked at in test/e2e/human-ui.test.ts's screenshots.
 */
import { describe, expect, it } from 'vitest';
import { chartOptions } from '../../../renderer/charts/Charts';

const colors = { bg: '#000', text: '#fff', grid: '#111', border: '#222', pos: '#0f0', neg: '#f00', accent: '#00f' };

describe('chart time axis', () => {
  it('fixes the left edge, so the edge labels are shifted inside instead of clipped', () => {
    expect(chartOptions(colors).timeScale).toMatchObject({ fixLeftEdge: true, fixRightEdge: true, timeVisible: true });
  });
});
