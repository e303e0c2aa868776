/** Display formatting. Amounts arrive as exact decimal strings; they are rounded as strings, never through a float. */

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/u;

/** Rounds a decimal string half away from zero to at most `dp` places, dropping trailing zeros. "1.23456", 2 -> "1.23". */
export function roundDecimal(value: string, dp: number): string {
  const m = DECIMAL.exec(value.trim());
  if (!m) return value;
  const [, sign = '', int = '0', frac = ''] = m;
  let digits = BigInt(int + frac.padEnd(dp, '0').slice(0, dp));
  if (frac.length > dp && Number(frac[dp]) >= 5) digits += 1n;
  const s = digits.toString().padStart(dp + 1, '0');
  let out = dp > 0 ? `${s.slice(0, -dp)}.${s.slice(-dp)}` : s;
  if (out.includes('.')) out = out.replace(/0+$/u, '').replace(/\.$/u, '');
  return out === '0' || sign === '' ? out : `-${out}`;
}

/** Groups thousands of a decimal string: "1234567.5" -> "1,234,567.5". */
export function groupDecimal(value: string): string {
  const m = DECIMAL.exec(value);
  if (!m) return value;
  const [, sign = '', int = '0', frac] = m;
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/gu, ',');
  return `${sign}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** A token amount for display: rounded to `dp` places and grouped. */
export function fmtAmount(value: string | null | undefined, dp = 4): string {
  if (value === null || value === undefined || value === '') return '—';
  return groupDecimal(roundDecimal(value, dp));
}

/** Base units (an integer string) to a decimal string with `decimals` places, exactly. */
export function fromBaseUnits(amount: string, decimals: number): string {
  const neg = amount.startsWith('-');
  const digits = (neg ? amount.slice(1) : amount).replace(/^0+(?=\d)/u, '');
  if (!/^\d+$/u.test(digits)) return amount;
  if (decimals === 0) return `${neg ? '-' : ''}${digits}`;
  const padded = digits.padStart(decimals + 1, '0');
  let out = `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`.replace(/0+$/u, '').replace(/\.$/u, '');
  if (out === '0') return '0';
  if (neg) out = `-${out}`;
  return out;
}

const usdFmt = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const usdCompact = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  notation: 'compact',
  minimumFractionDigits: 0,
  maximumFractionDigits: 2,
});

/** "$1,234.56"; with sign, "+$12.00" / "−$3.10"; null -> "—". */
export function fmtUsd(n: number | null | undefined, opts: { sign?: boolean; compact?: boolean } = {}): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const body = opts.compact && abs >= 100_000 ? usdCompact.format(abs) : usdFmt.format(abs);
  if (abs < 0.005) return usdFmt.format(0);
  if (n < 0) return `−${body}`;
  return opts.sign ? `+${body}` : body;
}

/** A price with sensible precision: 2 places above 1, more below. */
export function fmtPrice(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const dp = abs >= 1000 ? 2 : abs >= 1 ? 3 : abs >= 0.01 ? 5 : 8;
  return n.toLocaleString('en-US', { minimumFractionDigits: Math.min(dp, 2), maximumFractionDigits: dp });
}

/** "+1.25 %" / "−0.40 %". */
export function fmtPct(n: number | null | undefined, opts: { sign?: boolean; dp?: number } = {}): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const dp = opts.dp ?? 2;
  const body = Math.abs(n).toFixed(dp);
  if (n < 0 && Number(body) !== 0) return `−${body} %`;
  return `${opts.sign && Number(body) !== 0 ? '+' : ''}${body} %`;
}

/**
 * A drawdown (a drop, given as a positive or negative %) at one decimal: "−12.3 %" in red, or a
 * neutral "—" when it rounds to 0.0 %, never a red "−0.0 %" for a friend who has not lost.
 */
export function fmtDrawdown(pct: number | null | undefined): { text: string; cls: 'neg' | 'muted' } {
  if (pct === null || pct === undefined || !Number.isFinite(pct) || Number(Math.abs(pct).toFixed(1)) === 0)
    return { text: '—', cls: 'muted' };
  return { text: fmtPct(-Math.abs(pct), { dp: 1 }), cls: 'neg' };
}

/** A signed decimal string ("-1.5" -> "−1.5", "2" -> "+2"). */
export function fmtSigned(value: string | null | undefined, dp = 4): string {
  if (value === null || value === undefined) return '—';
  const r = roundDecimal(value, dp);
  if (r === '0') return '0';
  return r.startsWith('-') ? `−${groupDecimal(r.slice(1))}` : `+${groupDecimal(r)}`;
}

/**
 * 'pos' | 'neg' | '' for colouring a number or decimal string. Zero is
 * neutral: a number (USD or %) that shows as zero at two decimals is neither
 * a gain nor a loss, so it is never green or red next to "$0.00".
 */
export function pnlClass(v: number | string | null | undefined): 'pos' | 'neg' | '' {
  if (v === null || v === undefined) return '';
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n === 0) return '';
  if (typeof v === 'number' && Math.abs(n) < 0.005) return '';
  return n > 0 ? 'pos' : 'neg';
}

/** "7xKXtg…9fQe". */
export function shortAddr(a: string | null | undefined, head = 4, tail = 4): string {
  if (!a) return '—';
  return a.length <= head + tail + 1 ? a : `${a.slice(0, head)}…${a.slice(-tail)}`;
}

/** "12 ms", "1.4 s", "2 min 5 s". */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** A span of time in the largest unit that reads well: "45 min", "25 h", "7 d". */
export function fmtSpan(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '—';
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 3 * 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/** "just now", "3 min ago", "2 h ago", "4 d ago" (or "in 3 min"). */
export function relTime(iso: string | number | null | undefined, now: number): string {
  if (iso === null || iso === undefined) return '—';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const d = now - t;
  const future = d < 0;
  const a = Math.abs(d);
  let body: string;
  // Within 45 s either way is "just now" (a slightly stale clock on this side must not read "in a moment").
  if (a < 45_000) return 'just now';
  if (a < 3_600_000) body = `${Math.round(a / 60_000)} min`;
  else if (a < 86_400_000) body = `${Math.round(a / 3_600_000)} h`;
  else body = `${Math.round(a / 86_400_000)} d`;
  return future ? `in ${body}` : `${body} ago`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local "HH:MM:SS". */
export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local "YYYY-MM-DD HH:MM". */
export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "trade.executed" -> "Trade executed". */
export function humanizeEventType(type: string): string {
  const s = type
    .replace(/[._]/gu, ' ')
    .replace(/([a-z])([A-Z])/gu, '$1 $2')
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "across 1 friend", "3 friends": a count with its noun in the right number. */
export function plural(n: number, noun: string, prefix = ''): string {
  return `${prefix}${n} ${n === 1 ? noun : `${noun}s`}`;
}
