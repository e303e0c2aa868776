import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import {
  AreaSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type MouseEventParams,
  type BarData,
  type LineData,
  type SeriesMarker,
  TickMarkType,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { fmtPrice, fmtSpan, fmtUsd, pnlClass } from '../lib/format';
import { actions, useApp } from '../state/store';
import type { Candle, EquityFlow, EquityPoint, Trade } from '../state/types';

export interface ThemeColors {
  bg: string;
  text: string;
  grid: string;
  border: string;
  pos: string;
  neg: string;
  accent: string;
}

function readColors(): ThemeColors {
  const cs = getComputedStyle(document.documentElement);
  const v = (n: string, d: string) => cs.getPropertyValue(n).trim() || d;
  return {
    bg: v('--panel', '#131821'),
    text: v('--muted', '#7d889b'),
    grid: v('--chart-grid', 'rgba(125,136,155,0.1)'),
    border: v('--border', '#232b38'),
    pos: v('--pos', '#2fbf86'),
    neg: v('--neg', '#f0506e'),
    accent: v('--accent', '#6f8cff'),
  };
}

/**
 * The TradingView attribution logo injects a <style> element, which the hosts' CSP (style-src 'self')
 * blocks; the attribution the lightweight-charts licence asks for is in Settings › About instead.
 */
export function chartOptions(c: ThemeColors) {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: c.bg },
      textColor: c.text,
      fontSize: 11,
      attributionLogo: false,
    },
    grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
    rightPriceScale: { borderColor: c.border },
    // Times on the axis, not only dates; labels at least ~70 px apart so there are several, never a pile.
    timeScale: {
      borderColor: c.border,
      timeVisible: true,
      secondsVisible: false,
      minBarSpacing: 0.5,
      tickMarkFormatter: axisLabel,
      // The library shifts the edge labels inside the chart only with a fixed left edge; without it the
      // first label ("2021") is cut in half at the left border and reads "21".
      fixLeftEdge: true,
      // The same at the right edge: the last day label ("Dec 9") sat half under the price scale.
      fixRightEdge: true,
    },
    localization: { timeFormatter: (t: Time) => fmtChartTime(t) },
    crosshair: { mode: 0 },
  } as const;
}

/** A chart time (seconds, UTC) as the crosshair tooltip says it: "7 Dec 2026, 14:05". */
export function fmtChartTime(t: Time): string {
  const sec =
    typeof t === 'number'
      ? t
      : typeof t === 'string'
        ? Date.parse(t) / 1000
        : Date.UTC(t.year, t.month - 1, t.day) / 1000;
  return new Date(sec * 1000).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  });
}

/** Axis labels: the year or month where it changes, the day at midnight, the time otherwise. */
function axisLabel(t: Time, kind: TickMarkType): string {
  const d = new Date((typeof t === 'number' ? t : 0) * 1000);
  switch (kind) {
    case TickMarkType.Year:
      return String(d.getUTCFullYear());
    case TickMarkType.Month:
      return d.toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
    case TickMarkType.DayOfMonth:
      return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
    default:
      return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  }
}

/** The value of a line or area series under the crosshair, or null. */
export function lineValue(param: MouseEventParams<Time>, s: ISeriesApi<'Line' | 'Area'> | null): number | null {
  const d = (s ? param.seriesData.get(s) : undefined) as LineData<Time> | undefined;
  return d && 'value' in d && Number.isFinite(d.value) ? d.value : null;
}

/** What the crosshair points at, as lines of text; null hides the tooltip. */
export type DescribePoint = (param: MouseEventParams<Time>) => string[] | null;

/**
 * A tooltip that follows the crosshair: the time and what `describe` says about the
 * point under it (OHLC, an equity value). Rendered by `ChartTooltip`.
 */
export function useCrosshairTooltip(chart: IChartApi | null, describe: DescribePoint): TooltipState | null {
  const [tip, setTip] = useState<TooltipState | null>(null);
  const describeRef = useRef(describe);
  describeRef.current = describe;
  useEffect(() => {
    if (!chart) return;
    const onMove = (param: MouseEventParams<Time>) => {
      const lines = param.time !== undefined && param.point ? describeRef.current(param) : null;
      setTip(
        lines && param.point ? { x: param.point.x, y: param.point.y, time: fmtChartTime(param.time!), lines } : null,
      );
    };
    chart.subscribeCrosshairMove(onMove);
    return () => chart.unsubscribeCrosshairMove(onMove);
  }, [chart]);
  return tip;
}

export interface TooltipState {
  x: number;
  y: number;
  time: string;
  lines: string[];
}

/** The crosshair tooltip, on the side of the pointer with room for it. */
export function ChartTooltip({ tip }: { tip: TooltipState | null }) {
  if (!tip) return null;
  const left = tip.x > 250 ? tip.x - 226 : tip.x + 16;
  return (
    <div className="chart-tooltip" style={{ left, top: Math.max(4, tip.y - 40) }} data-testid="chart-tooltip">
      <div className="muted">{tip.time} UTC</div>
      {tip.lines.map((l) => (
        <div key={l}>{l}</div>
      ))}
    </div>
  );
}

/** Creates a chart in a div and re-themes it when the theme changes. */
export function useChart(
  theme: string,
): [React.RefObject<HTMLDivElement | null>, IChartApi | null, ThemeColors | null, React.RefObject<boolean>] {
  const ref = useRef<HTMLDivElement | null>(null);
  /** False once the chart is removed: series cleanups must not touch it then (that schedules a repaint of a disposed chart). */
  const alive = useRef(false);
  const [chart, setChart] = useState<IChartApi | null>(null);
  const [colors, setColors] = useState<ThemeColors | null>(null);
  // A layout effect: its cleanup runs before React detaches the container, so the chart's
  // ResizeObserver never sees a zero-size container and repaints a removed chart.
  useLayoutEffect(() => {
    if (!ref.current) return;
    const c = readColors();
    const ch = createChart(ref.current, chartOptions(c));
    alive.current = true;
    setChart(ch);
    setColors(c);
    return () => {
      alive.current = false;
      ch.remove();
      setChart(null);
    };
  }, []);
  useEffect(() => {
    if (!chart) return;
    const c = readColors();
    chart.applyOptions(chartOptions(c));
    setColors(c);
  }, [chart, theme]);
  return [ref, chart, colors, alive];
}

/** "#6f8cff" + 0.3 -> "rgba(111, 140, 255, 0.3)" (the chart parses only rgb/hex colours). */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/iu.exec(hex.trim());
  if (!m) return hex;
  const n = parseInt(m[1]!, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Where candle times come from: on the sandbox, the replay's market clock (with its speed-up). */
interface CandleTimeline {
  replay: true;
  marketNow: number;
  wallNow: number;
  speed: number;
}

function fmtMonth(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** Candle times arrive in ms; the chart wants seconds. */
export function toChartTime(t: number): UTCTimestamp {
  return Math.floor(t > 1e12 ? t / 1000 : t) as UTCTimestamp;
}

const TF_SECONDS: Record<string, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 };

/** Trade markers for one token, snapped to the candle bucket they fall in, oldest first. */
export function tradeMarkers(
  trades: readonly Trade[],
  symbol: string,
  timeframe: string,
  colors: { pos: string; neg: string },
  /** Maps a trade's wall-clock time onto the candles' time line (the sandbox replay's market time). */
  toMarket: (wallMs: number) => number = (t) => t,
): SeriesMarker<Time>[] {
  const step = TF_SECONDS[timeframe] ?? 60;
  return trades
    .filter((t) => t.symbol === symbol)
    .map((t) => {
      const sec = Math.floor(toMarket(Date.parse(t.executedAt)) / 1000);
      const time = (sec - (sec % step)) as UTCTimestamp;
      const buy = t.side === 'buy';
      return {
        time,
        position: buy ? 'belowBar' : 'aboveBar',
        shape: buy ? 'arrowUp' : 'arrowDown',
        color: buy ? colors.pos : colors.neg,
        text: buy ? 'B' : 'S',
        id: String(t.id),
      } as SeriesMarker<Time>;
    })
    .sort((a, b) => (a.time as number) - (b.time as number));
}

/** Bars a price chart spans at least: fewer candles (a fresh engine) are drawn at the right, after empty time. */
const MIN_CHART_BARS = 90;
/** Points an equity curve spans at least, the same way (a new friend has a few snapshots). */
const MIN_EQUITY_POINTS = 40;

/**
 * Few candles: empty time slots before the first, so the bars keep a normal width at the
 * right edge and the time axis still has a label every few hours, not one or two.
 */
export function withLeadingSpace<T extends { time: UTCTimestamp }>(
  data: readonly T[],
  stepSeconds: number,
  minBars = MIN_CHART_BARS,
): (T | { time: UTCTimestamp })[] {
  const first = data[0];
  if (!first || data.length >= minBars) return [...data];
  const pad = minBars - data.length;
  const lead = Array.from({ length: pad }, (_, i) => ({
    time: (first.time - (pad - i) * stepSeconds) as UTCTimestamp,
  }));
  return [...lead, ...data];
}

export function PriceChart(props: {
  token: string;
  timeframe: '1m' | '5m' | '15m' | '1h';
  trades?: readonly Trade[];
  height?: number;
  fill?: boolean;
  testId?: string;
}) {
  const theme = useApp((s) => s.theme);
  const [ref, chart, colors, alive] = useChart(theme);
  const series = useRef<ISeriesApi<'Candlestick'> | null>(null);
  const markers = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const [candles, setCandles] = useState<Candle[] | null>(null);
  const [timeline, setTimeline] = useState<CandleTimeline | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fitted = useRef('');

  useEffect(() => {
    if (!chart) return;
    series.current = chart.addSeries(CandlestickSeries, {
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    markers.current = createSeriesMarkers(series.current, []);
    return () => {
      // On unmount the chart itself is removed first (a layout effect); then there is nothing to detach.
      if (alive.current) {
        markers.current?.detach();
        if (series.current) chart.removeSeries(series.current);
      }
      series.current = null;
      markers.current = null;
    };
  }, [chart, alive]);

  useEffect(() => {
    if (!colors || !series.current) return;
    series.current.applyOptions({
      upColor: colors.pos,
      downColor: colors.neg,
      borderVisible: false,
      wickUpColor: colors.pos,
      wickDownColor: colors.neg,
    });
  }, [colors, chart]);

  useEffect(() => {
    let alive = true;
    const load = async () => {
      try {
        const r = await actions().client.call('market.candles', {
          token: props.token,
          timeframe: props.timeframe,
          limit: 300,
        });
        if (!alive) return;
        setCandles(r.candles);
        setTimeline(
          r.timeKind === 'replay' && r.marketNow !== undefined && r.wallNow !== undefined && r.speed !== undefined
            ? { replay: true, marketNow: r.marketNow, wallNow: r.wallNow, speed: r.speed }
            : null,
        );
        const last = r.candles[r.candles.length - 1];
        if (last) actions().notePrice(props.token, last.close);
        setError(null);
      } catch (e) {
        if (alive) setError((e as Error).message);
      }
    };
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [props.token, props.timeframe]);

  useEffect(() => {
    if (!series.current || !candles) return;
    const data = candles.map((c) => ({
      time: toChartTime(c.time),
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
    }));
    const dedup = data.filter((d, i) => i === 0 || d.time > data[i - 1]!.time);
    series.current.setData(withLeadingSpace(dedup, TF_SECONDS[props.timeframe] ?? 60));
    const last = dedup[dedup.length - 1];
    if (last) {
      const precision = last.close >= 1000 ? 2 : last.close >= 1 ? 3 : 6;
      series.current.applyOptions({ priceFormat: { type: 'price', precision, minMove: 1 / 10 ** precision } });
    }
    const key = `${props.token}:${props.timeframe}`;
    if (fitted.current !== key && dedup.length > 0 && chart) {
      chart.timeScale().fitContent();
      fitted.current = key;
    }
  }, [candles, chart, props.token, props.timeframe]);

  useEffect(() => {
    if (!markers.current || !colors) return;
    const toMarket = timeline ? (t: number) => timeline.marketNow - (timeline.wallNow - t) * timeline.speed : undefined;
    markers.current.setMarkers(
      props.trades ? tradeMarkers(props.trades, props.token, props.timeframe, colors, toMarket) : [],
    );
  }, [props.trades, props.token, props.timeframe, colors, candles, timeline]);

  const tip = useCrosshairTooltip(chart, (param) => {
    const bar = (series.current ? param.seriesData.get(series.current) : undefined) as BarData<Time> | undefined;
    if (!bar || !('open' in bar)) return null;
    const candle = candles?.find((c) => toChartTime(c.time) === param.time) as
      (Candle & { volume?: number; volumeIn?: 'token' | 'usd' }) | undefined;
    return [
      `Close ${fmtPrice(bar.close)} ${props.token}/USD`,
      `Open ${fmtPrice(bar.open)} · High ${fmtPrice(bar.high)} · Low ${fmtPrice(bar.low)}`,
      // Only where the source reports it; a line that says "not reported" is noise.
      ...(candle?.volume !== undefined
        ? [
            candle.volumeIn === 'usd'
              ? `Volume ${fmtUsd(candle.volume)}`
              : `Volume ${candle.volume.toLocaleString('en-US', { maximumFractionDigits: candle.volume >= 100 ? 0 : 2 })} ${props.token}`,
          ]
        : []),
      ...(candle?.gap ? ['No trades in this bucket: flat at the previous close'] : []),
    ];
  });
  const last = candles?.[candles.length - 1];
  const first = candles?.[0];
  const change = last && first ? ((last.close - first.open) / first.open) * 100 : null;
  // The change is over the candles on screen: say over how long, or a % has no period.
  const changeSpan = last && first ? fmtSpan(last.time - first.time + (TF_SECONDS[props.timeframe] ?? 60) * 1000) : '';
  return (
    <div
      className="chart"
      style={props.fill ? { flex: 1, minHeight: props.height ?? 300 } : { height: props.height ?? 300 }}
      data-testid={props.testId ?? 'price-chart'}
    >
      <div ref={ref} style={{ position: 'absolute', inset: 0 }} />
      <ChartTooltip tip={tip} />
      {last && (
        <div className="chart-legend">
          <b>{fmtPrice(last.close)}</b>
          <span className={change !== null && change < 0 ? 'neg' : 'pos'}>
            {change === null ? '' : `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(2)} % over ${changeSpan}`}
          </span>
          <span className="muted">
            {' '}
            · {props.token}/USD · {props.timeframe}
          </span>
          {timeline && (
            <span
              className="muted"
              data-testid="chart-replay-time"
              title="The sandbox replays real 2020-2021 market data faster than real time: candle times are the replay's market time."
            >
              {' '}
              · sandbox replay time, {fmtMonth(timeline.marketNow)} ({timeline.speed}× speed)
            </span>
          )}
        </div>
      )}
      {(!candles || candles.length === 0) && (
        <div className="chart-empty">
          {error
            ? `No prices: ${error}`
            : candles
              ? 'No candles yet — prices build up while the engine runs.'
              : 'Loading prices…'}
        </div>
      )}
    </div>
  );
}

export function EquityChart(props: {
  points: readonly EquityPoint[];
  /** Deposits and withdrawals: drawn as markers on the curve, never counted as profit. */
  flows?: readonly EquityFlow[];
  /** Which account the curve is of ("Paper account" / "On-chain wallet"). */
  account?: string;
  height?: number;
  fill?: boolean;
  testId?: string;
}) {
  const theme = useApp((s) => s.theme);
  const [ref, chart, colors, alive] = useChart(theme);
  const series = useRef<ISeriesApi<'Area'> | null>(null);
  const markers = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  useEffect(() => {
    if (!chart) return;
    series.current = chart.addSeries(AreaSeries, {
      lineWidth: 2,
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    markers.current = createSeriesMarkers(series.current, []);
    return () => {
      if (alive.current) {
        markers.current?.detach();
        if (series.current) chart.removeSeries(series.current);
      }
      series.current = null;
      markers.current = null;
    };
  }, [chart, alive]);
  useEffect(() => {
    if (!series.current || !colors) return;
    series.current.applyOptions({
      lineColor: colors.accent,
      topColor: withAlpha(colors.accent, 0.32),
      bottomColor: withAlpha(colors.accent, 0.02),
    });
  }, [colors, chart]);
  useEffect(() => {
    if (!series.current) return;
    const data = props.points
      .map((p) => ({ time: p.time as UTCTimestamp, value: p.value }))
      .filter((d, i, all) => i === 0 || d.time > all[i - 1]!.time);
    // The leading empty time is spaced like the points themselves (a minute at least).
    const span = data.length > 1 ? (data[data.length - 1]!.time - data[0]!.time) / (data.length - 1) : 60;
    series.current.setData(withLeadingSpace(data, Math.max(60, Math.round(span)), MIN_EQUITY_POINTS));
    markers.current?.setMarkers(colors ? flowMarkers(props.points, props.flows ?? [], colors) : []);
    chart?.timeScale().fitContent();
  }, [props.points, props.flows, chart, colors]);
  const tip = useCrosshairTooltip(chart, (param) => {
    const at = lineValue(param, series.current);
    if (at === null) return null;
    const point = props.points.find((p) => p.time === param.time);
    return [
      `Equity ${fmtUsd(at)}`,
      ...(point?.pnl !== undefined ? [`PnL ${fmtUsd(point.pnl, { sign: true })} net of deposits and withdrawals`] : []),
    ];
  });
  const last = props.points[props.points.length - 1];
  const first = props.points[0];
  // Profit since the first point, net of deposits and withdrawals (the engine's PnL); a top-up is not profit.
  const pnl =
    last && first
      ? (last.pnl ?? (first.pnl === undefined && !props.flows?.length ? last.value - first.value : null))
      : null;
  return (
    <div
      className="chart"
      style={props.fill ? { flex: 1, minHeight: props.height ?? 240 } : { height: props.height ?? 240 }}
      data-testid={props.testId ?? 'equity-chart'}
    >
      <div ref={ref} style={{ position: 'absolute', inset: 0 }} />
      <ChartTooltip tip={tip} />
      {last && first && (
        <div className="chart-legend">
          <b>{fmtUsd(last.value)}</b>
          <span className={pnlClass(pnl)} data-testid="equity-pnl">
            {pnl === null ? '—' : fmtUsd(pnl, { sign: true })}
          </span>
          <span className="muted">
            {' '}
            · PnL since {new Date(first.time * 1000).toLocaleDateString()}, net of deposits and withdrawals
            {props.account ? ` · ${props.account}` : ''}
          </span>
        </div>
      )}
      {props.points.length === 0 && (
        <div className="chart-empty">No equity snapshots yet — the engine records them as it runs.</div>
      )}
    </div>
  );
}

/** Flows as markers, each at the first curve point at or after it (a marker needs a point of the series). */
function flowMarkers(
  points: readonly EquityPoint[],
  flows: readonly EquityFlow[],
  colors: ThemeColors,
): SeriesMarker<Time>[] {
  if (points.length === 0) return [];
  const out: SeriesMarker<Time>[] = [];
  for (const f of flows) {
    const at = points.find((p) => p.time >= f.time) ?? points[points.length - 1]!;
    const deposit = f.kind === 'deposit';
    out.push({
      time: at.time as UTCTimestamp,
      position: deposit ? 'belowBar' : 'aboveBar',
      shape: deposit ? 'arrowUp' : 'arrowDown',
      color: deposit ? colors.pos : colors.neg,
      text: `${deposit ? 'deposit' : 'withdrawal'} ${fmtUsd(f.amountUsd)}`,
    });
  }
  // lightweight-charts wants markers in time order.
  return out.sort((a, b) => Number(a.time) - Number(b.time));
}
