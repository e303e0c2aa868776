export {
  KNOWN_TOKENS,
  NATIVE_SOL,
  WRAPPED_SOL_MINT,
  TOKEN_PROGRAM,
  TOKEN_2022_PROGRAM,
  tokenBySymbol,
  tokenByMint,
  splTokens,
  registerToken,
  knownTokens,
  resolveToken,
  knownSymbols,
  type TokenInfo,
} from './tokens';
export { parseUnits, formatUnits } from './amounts';
export {
  TIMEFRAMES,
  TIMEFRAME_MS,
  isTimeframe,
  bucketStart,
  type Candle,
  type Timeframe,
  type PriceTick,
} from './types';
export {
  type PriceFeed,
  PriceFeedError,
  DEFAULT_MAX_PRICE_AGE_MS,
  isStale,
  priceAge,
  checkPriceFreshness,
  ManualPriceFeed,
  type PriceFreshnessDecision,
} from './price-feed';
export {
  JupiterPriceFeed,
  JUPITER_MAX_IDS,
  jupiterPriceEntry,
  type JupiterPriceEntry,
  type JupiterPriceFeedOptions,
  type JupiterPriceStats,
} from './jupiter-price';
export {
  CandleBuilder,
  resample,
  type CandleBuilderOptions,
  type CandleBuilderStats,
  type ClosedCandleEvent,
} from './candles';
export { parseCandlesCsv, loadCandlesFile } from './history';
export {
  sma,
  ema,
  rsi,
  macd,
  bollinger,
  atr,
  lastValue,
  SmaState,
  EmaState,
  RsiState,
  MacdState,
  BollingerState,
  AtrState,
  type NumberSeries,
  type MacdSeries,
  type MacdPoint,
  type BandsSeries,
  type BandsPoint,
} from './indicators';
export {
  ind,
  normalizeSpec,
  specKey,
  firstIndex,
  priceSeries,
  computeIndicator,
  PRICE_FIELDS,
  type PriceField,
  type IndicatorSpec,
  type IndicatorKind,
  type IndicatorValue,
  type SmaSpec,
  type EmaSpec,
  type RsiSpec,
  type MacdSpec,
  type BollingerSpec,
  type AtrSpec,
} from './indicator-spec';
export {
  IndicatorCache,
  SeriesView,
  DEFAULT_INDICATOR_WINDOW,
  type CandleSource,
  type IndicatorCacheOptions,
  type IndicatorCacheStats,
} from './indicator-cache';
export { ReplayCandleSource, type ReplayCandleSourceOptions } from './replay-source';
export {
  HISTORY_TIMEFRAME,
  FirstCoveringSource,
  closedWithGapsFilled,
  resampleHistory,
  type CandleHistorySource,
  type HistoryAnswer,
  type HistoryCandle,
  type HistoryRequest,
} from './history-source';
export {
  BinanceKlinesSource,
  BINANCE_API,
  BINANCE_PAIRS,
  parseKlines,
  type BinanceKlinesOptions,
} from './binance-klines';
export { GeckoTerminalSource, GECKOTERMINAL_API, parseOhlcv, type GeckoTerminalOptions } from './geckoterminal-ohlcv';
export { SandboxMarketClock, SandboxReplaySource, wallMarketClock, type MarketClock } from './market-clock';
export { CandleHistory, type CandleHistoryOptions, type SeedFailure } from './candle-history';
