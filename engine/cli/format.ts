import type { CommandName, CommandOutput } from '../api';
import { backtestFormatters } from './backtest-format';
// Not '../market': its index pulls in @solana/kit, which a light command must not load.
import { formatUnits } from '../market/amounts';
import { formatParamRange, formatParamValue, type ParamInfo } from '../strategy/param-text';
import { formatPaperAccount, paperFormatters } from './paper-format';
import { riskFormatters } from './risk-format';
import { flowFormatters } from './flow-format';
import { telegramFormatters } from './telegram-format';
import { copyFormatters } from './copy-format';
import { orderFormatters } from './order-format';
import { tokenFormatters } from './token-format';
import { strategyStatusFormatters } from './strategy-format';
import { formatCandles } from './candle-format';
import {
  describeDetails,
  friendName,
  STABLE_SYMBOLS,
  tokenAmount,
  tokenLabel,
  withUsd,
  wordsOf,
  type NameOf,
} from '../api/human-text';
import { tokenRowByMint } from '../market/token-table';

/** What a formatter may need beyond a command's output: names for user ids, and the trades an order made. */
export interface HumanContext {
  nameOf: NameOf;
  /** The trade with this id, when the CLI looked it up (orders report only the trade id). */
  trade: (tradeId: number) => CommandOutput<'trades.list'>['trades'][number] | null;
  /** The user's recent trades, when the CLI looked them up (a closed position's size is what its sells sold). */
  trades?: CommandOutput<'trades.list'>['trades'];
  /** USD price per symbol (last candle close, as the UI values amounts); empty when none is known. */
  prices?: Readonly<Record<string, number>>;
}

/** Without a lookup: no names known (a friend is then "a removed friend"), no trades. */
export const NO_HUMAN_CONTEXT: HumanContext = { nameOf: () => null, trade: () => null };

type Balances = CommandOutput<'wallet.balances'>['balances'][number];

/** Base units of a mint as a token amount with its USD value: "20.28 SOL ($2,995.10)". */
function valued(base: string, mint: string, prices: Readonly<Record<string, number>> = {}): string {
  const row = tokenRowByMint(mint);
  const text = tokenAmount(base, mint);
  return row ? withUsd(text, formatUnits(BigInt(base), row.decimals), row.symbol, prices) : text;
}

function formatBalances(b: Balances, h: HumanContext = NO_HUMAN_CONTEXT): string {
  const prices = h.prices ?? {};
  const rows = [
    `  SOL    ${withUsd(b.sol, b.sol, 'SOL', prices)}`,
    ...b.tokens.map((t) => `  ${t.symbol.padEnd(6)} ${withUsd(t.uiAmount, t.uiAmount, t.symbol, prices)}`),
  ];
  const state = b.active ? 'active' : `inactive: below the ${formatUnits(BigInt(b.minimumLamports), 9)} SOL minimum`;
  return [`${b.account} ${b.address} on ${b.network} (${state})`, ...rows].join('\n');
}

type Outcome = CommandOutput<'orders.submit'>;

function formatOutcome(o: Outcome, h: HumanContext = NO_HUMAN_CONTEXT): string {
  switch (o.status) {
    case 'confirmed': {
      const t = o.tradeId === null ? null : h.trade(o.tradeId);
      const where = o.signature ? `; transaction ${o.signature}` : ' (paper)';
      if (!t) return `Filled (order ${o.intentId}, trade ${o.tradeId})${where}.`;
      const deal =
        t.side === 'buy'
          ? `bought ${t.uiBaseAmount} ${t.symbol} for ${t.uiQuoteAmount} ${t.quoteSymbol}`
          : `sold ${t.uiBaseAmount} ${t.symbol} for ${t.uiQuoteAmount} ${t.quoteSymbol}`;
      return `Filled: ${deal} at ${formatPrice(t.price)} ${t.quoteSymbol} (order ${o.intentId}, trade ${o.tradeId})${where}.`;
    }
    case 'rejected':
      return `Rejected [${o.code}]: ${o.message}`;
    case 'pending':
      return `Sent, outcome not known yet (order ${o.intentId}): ${o.message}`;
    default:
      return `Order ${o.intentId} ${o.status}: ${o.message}`;
  }
}

/** What a closed position held: the sells of its token while it was open (its own quantity is 0 once closed). */
function closedSize(
  p: CommandOutput<'positions.list'>['positions'][number],
  trades: CommandOutput<'trades.list'>['trades'] | undefined,
): string {
  if (!trades || p.closedAt === null) return 'closed';
  let total = 0;
  for (const t of trades)
    if (t.side === 'sell' && t.symbol === p.symbol && t.executedAt >= p.openedAt && t.executedAt <= p.closedAt)
      total += Number(t.uiBaseAmount);
  return total > 0 ? `${Number(total.toPrecision(9))} sold` : 'closed';
}

/** A fill is valued at its own price when it was paid in dollars (what it was worth then), else at today's. */
function fillPrices(
  t: CommandOutput<'trades.list'>['trades'][number],
  h: HumanContext,
): Readonly<Record<string, number>> {
  return STABLE_SYMBOLS.has(t.quoteSymbol) ? { [t.symbol]: t.price } : (h.prices ?? {});
}

/** A price with the precision it needs: 4 significant digits below 1, cents above 1000. */
export function formatPrice(p: number): string {
  if (!Number.isFinite(p)) return '-';
  if (p >= 1000) return p.toFixed(2);
  if (p >= 1) return p.toFixed(4);
  return p.toPrecision(4);
}

function describeControl(c: { paused: boolean; halted: boolean; reason: string | null }): string {
  const state = c.halted ? 'HALTED' : c.paused ? 'paused' : 'running';
  return c.reason ? `${state} (${c.reason})` : state;
}

type Formatters = { [K in CommandName]: (o: CommandOutput<K>, h: HumanContext) => string };

/** Human-readable output, one formatter per command. */
export const formatters: Formatters = {
  ...riskFormatters,
  ...backtestFormatters,
  ...strategyStatusFormatters,
  ...flowFormatters,
  ...telegramFormatters,
  ...copyFormatters,
  ...orderFormatters,
  ...tokenFormatters,
  ...paperFormatters,
  'engine.status': (o) =>
    [
      `Data directory: ${o.dataDir}`,
      `Master key:     ${o.keySource === 'keychain' ? 'OS keychain' : o.keySource === 'env' ? 'HARVEST_MASTER_KEY' : 'sandbox key file (no keychain; see `harvest keys adopt`)'} (id ${o.keyId})`,
      `Schema:         v${o.schemaVersion}`,
      `Users:          ${o.users} (${o.wallets} with a wallet)`,
      `Owner:          ${o.owner.kind === 'engine' ? 'running engine' : 'this command'} (pid ${o.owner.pid}, since ${o.owner.startedAt})`,
      ...(o.network ? [`Network:        ${o.paperSandbox ? o.paperSandbox.label : o.network}`] : []),
      ...(o.paperSandbox ? ['', o.paperSandbox.notice] : []),
    ].join('\n'),
  'users.add': (u) => `Added ${u.name} (id ${u.id}).`,
  'users.list': (o) =>
    o.users.length === 0
      ? 'No users yet. Add one with `harvest user add NAME`.'
      : o.users
          .map((u) => `${String(u.id).padStart(4)}  ${u.name.padEnd(24)} ${u.address ?? '(no wallet)'}`)
          .join('\n'),
  'users.rename': (u) => `Renamed to ${u.name}.`,
  'users.remove': (o) => `Removed ${o.removed.name}${o.forced ? ' (forced; the wallet had been exported)' : ''}.`,
  'wallet.create': (o) =>
    [
      `Wallet created: ${o.address}`,
      '',
      'Recovery phrase (shown once; write it down and keep it offline):',
      '',
      `  ${o.mnemonic}`,
      '',
      'Anyone with these words controls the wallet.',
    ].join('\n'),
  'wallet.import': (o) => `Wallet imported: ${o.address}`,
  'wallet.export': (o) =>
    o.kind === 'mnemonic'
      ? [
          `Wallet ${o.address}`,
          `Recovery phrase: ${o.mnemonic}`,
          o.passphrase ? 'BIP39 passphrase: (as set on import)' : '',
          `Derivation path: ${o.derivationPath}`,
        ]
          .filter(Boolean)
          .join('\n')
      : [
          `Wallet ${o.address}`,
          `Secret key (base58): ${o.secretKeyBase58}`,
          `Secret key (Solana CLI JSON): ${o.secretKeyJson}`,
        ].join('\n'),
  'wallet.show': (o, h) =>
    o.wallet
      ? [
          `${o.user.name}: ${o.wallet.address} (${o.wallet.origin}, ${o.wallet.kind === 'mnemonic' ? 'recovery phrase' : 'secret key'})`,
          ...(o.balances.length === 0
            ? ['No balances seen yet.']
            : o.balances.map(
                (b) => `  ${tokenLabel(b.mint).padEnd(8)} ${valued(b.amount, b.mint, h.prices)} (seen ${b.seenAt})`,
              )),
        ].join('\n')
      : `${o.user.name} has no wallet yet.`,
  'network.status': (o) =>
    [
      `Network:   ${o.paperSandbox ? o.paperSandbox.label : o.network}${o.sandbox ? (o.sandbox.inProcess ? ' (started in this process)' : ' (running separately)') : ''}`,
      `RPC:       ${o.rpcEndpoints.join(', ')}`,
      `Swap API:  ${o.swapApi}`,
      `Block:     ${o.blockHeight}`,
    ].join('\n'),
  'network.set': (o) =>
    `This data directory now uses ${o.network}${o.rpcUrls.length ? ` via ${o.rpcUrls.length} endpoint(s)` : ''}.${o.restartNeeded ? ' Restart the engine to apply it.' : ''}`,
  'wallet.balances': (o, h) =>
    [...o.balances.map((b) => formatBalances(b, h)), ...o.paper.map((p) => formatPaperAccount(p, h))].join('\n\n') ||
    'No wallets yet.',
  'wallet.deposit': (o) => [`Send SOL or tokens to: ${o.address}`, `Payment link: ${o.uri}`].join('\n'),
  'funds.faucet': (o, h) =>
    o.paper && o.message
      ? `${o.message} (Paper sandbox: no chain, so the faucet pays into the paper account.)`
      : [`Funded (${o.signatures.length} transaction(s)).`, formatBalances(o.balances, h)].join('\n'),
  'funds.withdraw': (o, h) =>
    o.outcome === 'confirmed'
      ? `Withdrawal ${o.withdrawal.id} confirmed: ${withUsd(`${o.withdrawal.uiAmount} ${o.withdrawal.symbol}`, o.withdrawal.uiAmount, o.withdrawal.symbol, h.prices ?? {})} to ${o.withdrawal.destination} (${o.withdrawal.signature}).`
      : `Withdrawal ${o.withdrawal.id} ${o.withdrawal.status}: ${o.withdrawal.error ?? o.outcome}`,
  'withdrawals.list': (o, h) =>
    o.withdrawals
      .map(
        (w) =>
          `${String(w.id).padStart(5)}  ${w.createdAt}  ${w.status.padEnd(9)} ${withUsd(`${w.uiAmount} ${w.symbol}`, w.uiAmount, w.symbol, h.prices ?? {})} -> ${w.destination}`,
      )
      .join('\n') || 'No withdrawals.',
  'whitelist.list': (o) =>
    o.entries
      .map(
        (e) => `${e.address}  ${e.usable ? 'usable' : `usable from ${e.usableAt}`}${e.label ? `  (${e.label})` : ''}`,
      )
      .join('\n') || 'The whitelist is empty: withdrawals are not possible until an address is added.',
  'whitelist.add': (e) => `Whitelisted ${e.address}; ${e.usable ? 'usable now' : `usable from ${e.usableAt}`}.`,
  'whitelist.remove': (o) => `Removed ${o.removed} from the whitelist.`,
  'settings.get': (o, h) =>
    [
      `Settings of ${friendName(o.userId, h.nameOf)} (version ${o.version}):`,
      ...Object.entries(o.settings).map(([k, v]) =>
        v !== null && typeof v === 'object'
          ? `  ${k}: ${describeDetails(v, h.nameOf) || 'none'}`
          : /Lamports$/u.test(k) && /^\d+$/u.test(String(v))
            ? `  ${k}: ${tokenAmount(String(v), 'SOL')}`
            : `  ${k}: ${String(v)}`,
      ),
    ].join('\n'),
  'settings.set': (o) => `Saved (version ${o.version}).${o.notice ? `\n${o.notice}` : ''}`,
  'strategy.list': (o) => o.strategies.map(formatStrategyInfo).join('\n\n'),
  'strategy.set': (o) => {
    const st = o.settings['strategy'] as { id: string; enabled: boolean; tokens: string[] };
    return `Strategy ${st.id} ${st.enabled ? 'enabled' : 'disabled'} on ${st.tokens.join(', ')} (${String(o.settings['mode'])}); applies from the next cycle (version ${o.version}).${o.notice ? `\n${o.notice}` : ''}`;
  },
  'orders.submit': (o, h) => formatOutcome(o, h),
  'orders.list': (o, h) =>
    o.orders
      .map((i) =>
        `${String(i.id).padStart(5)}  ${i.createdAt}  ${i.side.padEnd(4)} ${tokenLabel(i.side === 'buy' ? i.outputMint : i.inputMint)}/${tokenLabel(i.side === 'buy' ? i.inputMint : i.outputMint)}  ${valued(i.amount, i.inputMint, h.prices).padEnd(18)} ${i.context.padEnd(9)} ${i.status.padEnd(9)} ${i.reasonCode ?? ''} ${i.error ?? ''}`.trimEnd(),
      )
      .join('\n') || 'No orders.',
  'positions.list': (o, h) =>
    o.positions
      .map(
        (p) =>
          `${String(p.id).padStart(4)}  ${p.status.padEnd(6)} ${p.symbol.padEnd(5)} ${(p.status === 'closed' ? closedSize(p, h.trades) : withUsd(p.uiQuantity, p.uiQuantity, p.symbol, p.price === null ? (h.prices ?? {}) : { ...h.prices, [p.symbol]: p.price })).padStart(14)}  entry ${p.averageEntryPrice?.toFixed(4) ?? '-'} ${p.quoteSymbol}` +
          `  now ${p.price?.toFixed(4) ?? '-'}  PnL ${p.uiRealizedPnl} realized${p.uiUnrealizedPnl !== null ? `, ${p.uiUnrealizedPnl} unrealized` : ''}` +
          `${p.stopLoss !== null ? `  SL ${p.stopLoss}` : ''}${p.takeProfit !== null ? `  TP ${p.takeProfit}` : ''}${p.stuck ? '  STUCK' : ''}${p.account === 'paper' ? '  (paper account)' : ''}`,
      )
      .join('\n') || 'No positions.',
  'positions.close': (o, h) => formatOutcome(o, h),
  'positions.closeAll': (o, h) =>
    [
      o.results.length === 0
        ? 'No open positions.'
        : o.results.map((r) => `position ${r.positionId}: ${formatOutcome(r.outcome, h)}`).join('\n'),
      ...(o.entriesPaused
        ? ["This friend's strategy entries are now paused; resume them with harvest resume and their name."]
        : []),
    ].join('\n'),
  'trades.list': (o, h) =>
    o.trades
      .map(
        (t) =>
          `${String(t.id).padStart(5)}  ${t.executedAt}  ${t.side.padEnd(4)} ${withUsd(`${t.uiBaseAmount} ${t.symbol}`, t.uiBaseAmount, t.symbol, fillPrices(t, h))} for ${t.uiQuoteAmount} ${t.quoteSymbol} @ ${formatPrice(t.price)}  (${t.context}, ${t.venue})`,
      )
      .join('\n') || 'No trades.',
  'controls.status': (o) =>
    [
      `Global: ${describeControl(o.global)}`,
      ...o.users.filter((u) => u.paused || u.halted).map((u) => `${u.name}: ${describeControl(u)}`),
    ].join('\n'),
  'controls.pause': (c) => describeControl(c),
  'controls.resume': (c) => describeControl(c),
  'controls.halt': (c) => describeControl(c),
  'breaker.status': (b, h) => describeGlobalBreaker(b, h),
  'breaker.resume': (b, h) => describeGlobalBreaker(b, h),
  'events.list': (o, h) =>
    o.events
      .map(
        (e) =>
          `${String(e.id).padStart(6)}  ${e.ts}  ${e.severity.padEnd(8)} ${wordsOf(e.type).padEnd(18)} ${(e.userId === null ? '-' : friendName(e.userId, h.nameOf)).padEnd(12)}  ${describeDetails(e.payload, h.nameOf)}`,
      )
      .join('\n') || 'No events.',
  'engine.health': (o) =>
    [
      `Network: ${o.paperSandbox && o.network ? o.paperSandbox.label : (o.network ?? `unreachable (${o.error ?? 'unknown'})`)}`,
      `Trading loop: ${o.trading ? 'running' : 'not running in this process'}`,
      o.lastCycle
        ? `Last cycle: #${o.lastCycle.cycle}, ${o.lastCycle.durationMs} ms, ${o.lastCycle.active}/${o.lastCycle.users} active, ${o.lastCycle.errors} error(s)`
        : 'No cycle yet.',
      o.rpc ? `RPC: ${o.rpc.requests} requests, ${o.rpc.retries} retries, ${o.rpc.failovers} failovers` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  'market.candles': formatCandles,
  'settings.jupiterKey': (o) =>
    o.configured ? 'Jupiter API key stored in the OS keychain.' : 'Jupiter API key removed.',
  'keys.rotate': (o) => `Re-sealed ${o.wallets} wallet(s) under a new master key (id ${o.newKeyId}).`,
  'keys.adopt': (o) =>
    `Moved ${o.wallets} wallet(s) under ${o.keySource === 'env' ? 'HARVEST_MASTER_KEY' : 'the OS keychain'} (key id ${o.newKeyId}); the sandbox key file is deleted.`,
  'backup.create': (o) =>
    `Backup written to ${o.file} (${o.bytes} bytes). Keep it and its passphrase apart; together they restore everything.`,
  'prices.status': (o) =>
    o.tokens
      .map((t) => {
        const name = (t.symbol ?? tokenLabel(t.mint)).padEnd(8);
        const marker = t.singleSourcePrice ? '  [single-source price]' : '';
        return t.trusted
          ? `${name} $${t.trusted.usd}  ${Math.round(t.trusted.ageMs / 1000)} s old, from ${t.trusted.sources.join(' + ')}${marker}`
          : `${name} no trusted price: ${t.untrustedReason ?? 'unknown'}${marker}`;
      })
      .join('\n'),
  'prices.singleSource': (o) =>
    o.singleSourcePrice
      ? `${tokenLabel(o.mint)} may now trade on a single price source; it is shown as "single-source price".`
      : `${tokenLabel(o.mint)} needs two agreeing price sources again.`,
  'audit.verify': (o) =>
    o.ok ? `Audit log intact: ${o.rows} row(s), head ${o.headHash.slice(0, 16)}…` : `Audit log BROKEN: ${o.message}`,
  'audit.list': (o, h) =>
    o.entries
      .map(
        (e) =>
          `${String(e.id).padStart(6)}  ${e.ts}  ${e.actor.padEnd(6)} ${e.action.padEnd(20)} ${(e.userId === null ? '-' : friendName(e.userId, h.nameOf)).padEnd(12)}  ${describeDetails(e.details, h.nameOf)}`,
      )
      .join('\n') || 'No audit entries.',
};

function describeGlobalBreaker(b: CommandOutput<'breaker.status'>, h: HumanContext = NO_HUMAN_CONTEXT): string {
  const limit = `trips at ${b.settings.failures} failed orders across everyone within ${b.settings.windowSeconds} s, for ${b.settings.cooldownMinutes} min`;
  if (!b.tripped) return `Global breaker: not tripped (${limit}).`;
  return [
    `Global breaker: TRIPPED at ${b.trippedAt}: ${b.failures} failed orders (${b.userIds.map((id) => friendName(id, h.nameOf)).join(', ')}).`,
    `No new entries for anyone until ${b.until}; exits still run. \`harvest breaker resume\` ends it now.`,
  ].join('\n');
}

/**
 * A strategy and its parameters as a person reads them: label, current
 * default in words, range with unit, help, and the key to pass with --param.
 */
export function formatStrategyInfo(s: CommandOutput<'strategy.list'>['strategies'][number]): string {
  const params = s.params as unknown as ParamInfo[];
  return [
    `${s.id}: ${s.name}`,
    `  ${s.description}`,
    ...(params.length ? ['  Parameters (change one with --param key=value):'] : []),
    ...params.map((p) =>
      [
        `    ${p.label}: ${formatParamValue(p, p.default)} (${formatParamRange(p)})  [--param ${p.name}=…]`,
        `      ${p.help}${p.nullable && p.offHelp ? ` Off: ${p.offHelp.charAt(0).toLowerCase()}${p.offHelp.slice(1)}` : ''}`,
      ].join('\n'),
    ),
  ].join('\n');
}
