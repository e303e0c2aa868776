import { useEffect, useRef, useState } from 'react';
import {
  createSeriesMarkers,
  LineSeries,
  PriceScaleMode,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { fmtPrice, fmtUsd } from '../lib/format';
import { useApp } from '../state/store';
import { ChartTooltip, lineValue, toChartTime, useChart, useCrosshairTooltip, withAlpha } from './Charts';

interface Point {
  time: number;
  value: number;
}
interface BacktestTrade {
  time: string;
  token: string;
  side: 'buy' | 'sell';
  valueUsd: number;
  price: number;
}

/** Points in chart time (seconds), strictly increasing (the chart refuses repeats). */
function series(points: readonly Point[]): { time: UTCTimestamp; value: number }[] {
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (const p of points) {
    const time = toChartTime(p.time);
    if (out.length === 0 || time > out[out.length - 1]!.time) out.push({ time, value: p.value });
  }
  return out;
}

/** Each trade at the first chart point at or after it (a marker needs a point of its series). */
export function backtestMarkers(
  points: readonly { time: UTCTimestamp }[],
  trades: readonly BacktestTrade[],
  token: string,
  colors: { pos: string; neg: string },
): SeriesMarker<Time>[] {
  if (points.length === 0) return [];
  const out: SeriesMarker<Time>[] = [];
  let k = 0;
  const mine = trades.filter((x) => x.token === token);
  // Hundreds of trades: arrows only, or their words pile into an unreadable band.
  const words = mine.length <= 40;
  for (const t of mine) {
    const sec = Math.floor(Date.parse(t.time) / 1000);
    while (k < points.length - 1 && points[k]!.time < sec) k++;
    const buy = t.side === 'buy';
    out.push({
      time: points[k]!.time,
      position: buy ? 'belowBar' : 'aboveBar',
      shape: buy ? 'arrowUp' : 'arrowDown',
      color: buy ? colors.pos : colors.neg,
      text: words ? (buy ? 'Buy' : 'Sell') : '',
    });
  }
  return out.sort((a, b) => Number(a.time) - Number(b.time));
}

/**
 * How the price axis reads a period's closes. Decimals follow the smallest price shown (the last
 * one can be ten times the first). A period whose top is 3× its bottom or more is drawn on a log
 * scale: moves read in proportion, and the margin the trade arrows take below the line never
 * makes the axis show prices below zero.
 */
export function priceAxisFor(values: readonly number[]): { precision: number; log: boolean } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!(v > 0)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return { precision: 2, log: false };
  const precision = min >= 1 ? 2 : min >= 0.01 ? 4 : min >= 0.0001 ? 6 : 8;
  return { precision, log: max / min >= 3 };
}

/** "$17,500" on an axis: dollars, no cents once the values are in the thousands. */
export function usdAxisLabel(v: number): string {
  const abs = Math.abs(v);
  if (abs < 1000 || abs >= 100_000) return fmtUsd(v, { compact: true });
  return `${v < 0 ? '−' : ''}$${Math.round(abs).toLocaleString('en-US')}`;
}

/** A token's closes over the backtest period with its buys and sells marked. */
export function BacktestPriceChart(props: {
  token: string;
  closes: readonly { time: number; close: number }[];
  trades: readonly BacktestTrade[];
  height?: number;
}) {
  const theme = useApp((s) => s.theme);
  const [ref, chart, colors, alive] = useChart(theme);
  const line = useRef<ISeriesApi<'Line'> | null>(null);
  const markers = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const [log, setLog] = useState(false);
  useEffect(() => {
    if (!chart) return;
    line.current = chart.addSeries(LineSeries, { lineWidth: 2 });
    markers.current = createSeriesMarkers(line.current, []);
    return () => {
      if (alive.current) {
        markers.current?.detach();
        if (line.current) chart.removeSeries(line.current);
      }
      line.current = null;
      markers.current = null;
    };
  }, [chart, alive]);
  useEffect(() => {
    if (!line.current || !colors) return;
    const data = series(props.closes.map((c) => ({ time: c.time, value: c.close })));
    const axis = priceAxisFor(data.map((d) => d.value));
    line.current.applyOptions({
      color: colors.accent,
      priceFormat: { type: 'price', precision: axis.precision, minMove: 1 / 10 ** axis.precision },
    });
    chart?.priceScale('right').applyOptions({ mode: axis.log ? PriceScaleMode.Logarithmic : PriceScaleMode.Normal });
    setLog(axis.log);
    line.current.setData(data);
    markers.current?.setMarkers(backtestMarkers(data, props.trades, props.token, colors));
    chart?.timeScale().fitContent();
  }, [props.closes, props.trades, props.token, chart, colors]);
  const tip = useCrosshairTooltip(chart, (param) => {
    const at = lineValue(param, line.current);
    if (at === null) return null;
    const sec = Number(param.time);
    const done = props.trades.filter(
      (t) => t.token === props.token && Math.abs(Date.parse(t.time) / 1000 - sec) < 1 && t.valueUsd > 0,
    );
    return [
      `Close ${fmtPrice(at)} ${props.token}/USD`,
      ...done.map((t) => `${t.side === 'buy' ? 'Bought' : 'Sold'} ${fmtUsd(t.valueUsd)} at ${fmtPrice(t.price)}`),
    ];
  });
  return (
    <div className="chart" style={{ height: props.height ?? 280 }} data-testid="backtest-price-chart">
      <div ref={ref} style={{ position: 'absolute', inset: 0 }} />
      <ChartTooltip tip={tip} />
      <div className="chart-legend">
        <b>{props.token}/USD</b>
        <span className="muted"> · closing price{log ? ' (log scale)' : ''}, ▲ buys ▼ sells</span>
      </div>
    </div>
  );
}

/** The backtest's equity against holding the same capital in the tokens from the start. */
export function BacktestEquityChart(props: {
  points: readonly { time: number; equity: number; hold: number }[];
  height?: number;
}) {
  const theme = useApp((s) => s.theme);
  const [ref, chart, colors, alive] = useChart(theme);
  const equity = useRef<ISeriesApi<'Line'> | null>(null);
  const hold = useRef<ISeriesApi<'Line'> | null>(null);
  useEffect(() => {
    if (!chart) return;
    const priceFormat = { type: 'custom' as const, formatter: usdAxisLabel, minMove: 0.01 };
    hold.current = chart.addSeries(LineSeries, { lineWidth: 1, lineStyle: 2, priceFormat });
    equity.current = chart.addSeries(LineSeries, { lineWidth: 2, priceFormat });
    return () => {
      if (alive.current) {
        if (equity.current) chart.removeSeries(equity.current);
        if (hold.current) chart.removeSeries(hold.current);
      }
      equity.current = null;
      hold.current = null;
    };
  }, [chart, alive]);
  useEffect(() => {
    if (!equity.current || !hold.current || !colors) return;
    equity.current.applyOptions({ color: colors.accent });
    hold.current.applyOptions({ color: withAlpha(colors.text.startsWith('#') ? colors.text : '#7d889b', 0.9) });
    equity.current.setData(series(props.points.map((p) => ({ time: p.time, value: p.equity }))));
    hold.current.setData(series(props.points.map((p) => ({ time: p.time, value: p.hold }))));
    chart?.timeScale().fitContent();
  }, [props.points, chart, colors]);
  const tip = useCrosshairTooltip(chart, (param) => {
    const e = lineValue(param, equity.current);
    const h = lineValue(param, hold.current);
    if (e === null) return null;
    return [
      `Strategy ${fmtUsd(e)}`,
      ...(h !== null ? [`Buy and hold ${fmtUsd(h)} (${fmtUsd(e - h, { sign: true })} against it)`] : []),
    ];
  });
  const last = props.points[props.points.length - 1];
  return (
    <div className="chart" style={{ height: props.height ?? 240 }} data-testid="backtest-equity-chart">
      <div ref={ref} style={{ position: 'absolute', inset: 0 }} />
      <ChartTooltip tip={tip} />
      {last && (
        <div className="chart-legend">
          <b>{fmtUsd(last.equity)}</b>
          <span className="muted"> · strategy (solid) against buy and hold (dashed, {fmtUsd(last.hold)})</span>
        </div>
      )}
    </div>
  );
}
