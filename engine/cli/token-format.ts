import type { CommandOutput } from '../api';

type TokenOut = CommandOutput<'tokens.show'>;
type TestTokenOut = CommandOutput<'sandbox.tokens'>['tokens'][number];

const MARK = { ok: 'ok  ', warn: 'WARN', refuse: 'NO  ' } as const;
const VERDICT = { ok: 'passes its checks', warn: 'has warnings', refuse: 'is refused' } as const;

function headline(t: TokenOut): string {
  const state = t.builtIn
    ? 'built in'
    : t.verdict === 'warn'
      ? t.allowed
        ? `has warnings, accepted by ${t.allowedBy} on ${t.allowedAt?.slice(0, 10)}`
        : 'has warnings, not accepted yet'
      : VERDICT[t.verdict];
  return `${t.symbol.padEnd(8)} ${t.name} (${t.program}, ${t.decimals} decimals): ${state}${t.singleSourcePrice ? ' [single-source price]' : ''}`;
}

function detail(t: TokenOut): string {
  const lines = [headline(t), `  mint ${t.mint}`];
  for (const c of t.checks) lines.push(`  ${MARK[c.level]} ${c.reason}`);
  if (!t.buyable && t.notBuyableReason) lines.push(`  Buying: ${t.notBuyableReason}`);
  else if (t.verdict === 'warn' && t.allowed) lines.push('  Buying: allowed (warnings accepted).');
  return lines.join('\n');
}

function testToken(t: TestTokenOut): string {
  return `${t.symbol.padEnd(8)} ${t.mint}  $${t.priceUsd} a token, $${t.liquidityUsd.toLocaleString('en-US')} deep${t.token2022 ? ', Token-2022' : ''}${t.traits.length ? `; ${t.traits.join(', ')}` : '; no hostile traits'}`;
}

/** Human-readable output of the token registry commands. */
export const tokenFormatters = {
  'tokens.list': (o: CommandOutput<'tokens.list'>): string =>
    o.tokens
      .map((t) => {
        const warned = t.checks.filter((c) => c.level !== 'ok');
        return [headline(t), ...warned.map((c) => `  ${MARK[c.level]} ${c.reason}`)].join('\n');
      })
      .join('\n'),
  'tokens.show': (o: TokenOut): string => detail(o),
  'tokens.add': (o: TokenOut): string =>
    `${detail(o)}${o.verdict === 'warn' && !o.allowed ? `\nTo buy it, accept the warnings once: harvest token allow ${o.mint}` : ''}`,
  'tokens.allow': (o: CommandOutput<'tokens.allow'>): string =>
    o.allowed
      ? `${o.symbol ?? o.mint}: warnings accepted; it may be bought now.${o.singleSourcePrice ? ' It trades on a single price source (shown as "single-source price").' : ''}`
      : `${o.symbol ?? o.mint} may now trade on a single price source; it is shown as "single-source price".`,
  'sandbox.tokenCreate': (o: TestTokenOut): string => `Created ${testToken(o)}`,
  'sandbox.tokens': (o: CommandOutput<'sandbox.tokens'>): string =>
    o.tokens.map(testToken).join('\n') ||
    'No test tokens yet: harvest sandbox token create SYMBOL --price P --liquidity L',
};
